"""Gzip for text responses when the client accepts it (pages, CSS, JSON, feeds, SVG).

Production may sit behind a proxy that compresses too; doing it here means `make run` and a
bare gunicorn serve small pages as well. A compressed body has other bytes than the plain one,
so its ETag becomes weak: conditional GETs still match (If-None-Match compares weakly).

Pages sent `no-store` (the dashboard, hosted survey, loyalty and flag pages, the widget API)
are never compressed: they carry secrets (CSRF tokens, the brand's identity secret, personal
links) beside text the request can choose, and compressing the two together lets someone who
sees the encrypted sizes guess the secret byte by byte (BREACH). They are small and private;
what gzip is for, public pages, feeds and assets, are cacheable.
"""

import gzip

from flask import Flask, request

COMPRESSIBLE = {
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "application/json",
    "application/javascript",
    "text/javascript",
    "application/xml",
    "text/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/feed+json",
    "image/svg+xml",
}
MIN_SIZE = 500  # below this, the gzip header costs more than it saves
MAX_SIZE = 4 * 1024 * 1024


def _wanted(response) -> bool:
    return (
        response.status_code == 200
        and "gzip" in request.headers.get("Accept-Encoding", "").lower()
        and response.mimetype in COMPRESSIBLE
        and "Content-Encoding" not in response.headers
        and "no-store" not in (response.headers.get("Cache-Control") or "")
        # a generator (CSV export) stays streamed; a static file (direct passthrough) is fine
        and (response.direct_passthrough or not response.is_streamed)
        and MIN_SIZE <= (response.content_length or 0) <= MAX_SIZE
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response):
        response.vary.add("Accept-Encoding")
        if not _wanted(response):
            return response
        # static files arrive as a file wrapper; read them (small, and cached by the browser)
        response.direct_passthrough = False
        body = gzip.compress(response.get_data(), compresslevel=6, mtime=0)
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)
        return response
