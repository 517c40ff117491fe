"""/robots.txt and /sitemap.xml (split into an index and parts past 50,000 URLs)."""

from xml.sax.saxutils import escape

from flask import Response, stream_with_context

from app.errors import AppError
from app.reviews import bp
from app.reviews.http import absolute
from app.services import review_sitemap
from app.sessions import stateless
from app.timestamps import iso_utc

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DISALLOWED = ("/api/", "/dashboard", "/login", "/w/", "/s/", "/loyalty/", "/reviews/*/flag")


@bp.route("/robots.txt")
@stateless
def robots():
    lines = ["User-agent: *", "Allow: /reviews/", "Allow: /feeds/"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {absolute('/sitemap.xml')}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def _lastmod(value) -> str:
    return iso_utc(value.replace(microsecond=0)) if value else ""  # W3C datetime, with its Z


def _url(path: str, lastmod) -> str:
    modified = f"<lastmod>{_lastmod(lastmod)}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(absolute(path))}</loc>{modified}</url>\n"


def _urlset(urls) -> Response:
    def body():
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
        for path, lastmod in urls:
            yield _url(path, lastmod)
        yield "</urlset>\n"

    response = Response(stream_with_context(body()), mimetype="application/xml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.route("/sitemap.xml")
@stateless
def sitemap():
    plan = review_sitemap.plan()
    if not plan["index"]:
        pages = plan["pages"]
        return _urlset(iter([*pages, *review_sitemap.review_pages()]))
    lastmod = _lastmod(plan["newest"])
    parts = ["/sitemaps/pages.xml"] + [
        f"/sitemaps/reviews-{n}.xml" for n in range(1, plan["parts"] + 1)
    ]
    entries = "".join(
        f"<sitemap><loc>{escape(absolute(path))}</loc>"
        + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
        + "</sitemap>\n"
        for path in parts
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
        f"{entries}</sitemapindex>\n"
    )
    return Response(xml, mimetype="application/xml")


@bp.route("/sitemaps/pages.xml")
@stateless
def sitemap_pages():
    return _urlset(iter(review_sitemap.brand_pages()))


@bp.route("/sitemaps/reviews-<int:part>.xml")
@stateless
def sitemap_reviews(part):
    if part < 1 or part > review_sitemap.part_count():
        raise AppError(404, "no such sitemap")
    return _urlset(review_sitemap.review_pages(part))
