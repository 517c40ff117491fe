"""Public review pages, sitemap, robots and feeds."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)
