"""Embeddable scripts: sources in widgets/, minified with rjsmin by this Python step, cached.

Shared by the survey widget (widget.js) and the reviews badge (reviews.js). The minified body is
built once per process (again when the source file changes) and served with an ETag.
`python -m app.public.assets` prints each script's minified and gzipped size.
"""

import functools
import gzip
import hashlib
from pathlib import Path

import rjsmin
from flask import Response, request

import config

SOURCES = config.ROOT / "widgets"


@functools.lru_cache(maxsize=16)
def _build(path: Path, mtime: float) -> tuple[bytes, str]:
    body = rjsmin.jsmin(path.read_text(encoding="utf-8"), keep_bang_comments=True).encode()
    return body, hashlib.sha256(body).hexdigest()[:20]


def minified(name: str) -> tuple[bytes, str]:
    """(minified body, etag) of widgets/<name>."""
    path = SOURCES / name
    return _build(path, path.stat().st_mtime)


def gzipped_size(name: str) -> int:
    return len(gzip.compress(minified(name)[0], compresslevel=9))


def script_response(name: str, max_age: int = 3600) -> Response:
    """The minified script, cacheable by browsers and CDNs, 304 on a matching ETag."""
    body, etag = minified(name)
    response = Response(body, mimetype="text/javascript")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    # Third-party pages load it with <script src>; it must not be blocked by CORP.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


if __name__ == "__main__":  # pragma: no cover - a build report for people
    for source in sorted(SOURCES.glob("*.js")):
        body, _ = minified(source.name)
        print(f"{source.name}: {len(body)} bytes minified, {gzipped_size(source.name)} gzipped")
