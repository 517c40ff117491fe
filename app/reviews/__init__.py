"""Public review pages, sitemap, robots, feeds and the embeddable badge."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from app.reviews import badge, feeds, pages, seo  # noqa: E402,F401 — routes attach to bp
