"""/widget.js: the embeddable script, gzipped when accepted, with an ETag.

`/widget.js` (the URL brands paste) is cached for an hour and revalidated by ETag, so a new
release reaches every site the same day; `/widget.<version>.js` never changes and is cached
for a year (an old version redirects to the current one).
"""

from flask import current_app, redirect, request, url_for

from app.public import bp
from app.public.widget_build import bundle
from app.sessions import stateless

SHORT_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
LONG_CACHE = "public, max-age=31536000, immutable"


def _serve(cache_control: str):
    built = bundle()
    gzip_ok = "gzip" in request.accept_encodings
    response = current_app.response_class(
        built.gzipped if gzip_ok else built.minified, mimetype="text/javascript"
    )
    if gzip_ok:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    # One ETag per encoding: caches must not hand gzip bytes to a client that did not ask.
    response.set_etag(built.etag + ("-gz" if gzip_ok else ""))
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Widget-Version"] = built.digest
    # Any site may load the script (and check it with Subresource Integrity).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.route("/widget.js")
@stateless
def widget_js():
    return _serve(SHORT_CACHE)


@bp.route("/widget.<version>.js")
@stateless
def widget_js_versioned(version):
    if version != bundle().digest:
        # an old version is gone: send the page the current one rather than break it
        response = redirect(url_for("public.widget_js"), 302)
        # a tag with crossorigin="anonymous" follows a redirect only if it allows CORS too
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    return _serve(LONG_CACHE)
