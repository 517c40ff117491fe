"""Public, cacheable GETs (scripts, feeds, sitemaps, review pages) never touch the session.

Flask-Login reads the session after every request, and Flask answers any read with
`Vary: Cookie`, which makes shared caches keep one copy per visitor's cookie. A view marked
`@stateless` gets an empty session that is never saved: nothing it answers can depend on the
cookie, so no `Vary: Cookie` and no `Set-Cookie` is sent. The server API gets one too, for
every method: it authenticates with keys, never cookies, so its requests (every answer among
them) need no cookie session built and checked.
"""

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

STATELESS = "_phasewise_stateless"
API_PREFIX = "/api/"


def stateless(view):
    """Mark a view as one that never reads or writes the session."""
    setattr(view, STATELESS, True)
    return view


class StatelessSession(SecureCookieSession):
    """Empty whatever the cookie holds; whatever is written to it is dropped."""


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request):
        if request.path.startswith(API_PREFIX) or (
            request.method in ("GET", "HEAD") and _is_stateless(app, request)
        ):
            return StatelessSession()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if isinstance(session, StatelessSession):
            return
        super().save_session(app, session, response)


def _is_stateless(app: Flask, request) -> bool:
    # The session opens before Flask matches the URL, so match it here (a dict lookup's cost).
    adapter = app.create_url_adapter(request)
    if adapter is None:
        return False
    try:
        endpoint, _ = adapter.match()
    except HTTPException:  # 404, 405, a redirect: the normal session, as before
        return False
    if endpoint == "static":
        return True
    return getattr(app.view_functions.get(endpoint), STATELESS, False)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
