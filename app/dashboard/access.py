"""Who may see and change what: login, logout, the login guard and the role checks."""

import functools
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.dashboard import bp
from app.dashboard.session import load_user
from app.extensions import limiter, login_manager
from app.models import Brand, User
from app.services import users

# The welcome link and the brand choice right after login: no one logged in yet.
PUBLIC_ENDPOINTS = ("dashboard.login", "dashboard.welcome", "dashboard.brands")


@bp.record_once
def _configure(state) -> None:
    login_manager.login_view = "dashboard.login"
    login_manager.login_message = "Log in to see the dashboard."
    login_manager.login_message_category = "info"


def current_brand() -> Brand:
    return current_user.brand


def requires(action: str):
    """403 unless the logged-in user's role allows `action` (read | edit | manage)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.can(action):
                abort(403, description=f"Your role ({current_user.role}) cannot {action} here.")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def check(action: str) -> None:
    """The same check inside a view that reads for everyone but writes only for some roles."""
    if not current_user.can(action):
        abort(403, description=f"Your role ({current_user.role}) cannot {action} here.")


@bp.before_request
def _guard():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint == "dashboard.logout":
        return None
    if not current_user.is_authenticated:
        flash("Log in to see the dashboard.", "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("dashboard.login", next=target))
    return None


@bp.after_request
def _private(response):
    # Dashboard pages show a brand's private figures (and new API keys once): never cache them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: an open redirect would make a phishing link. No
    whitespace, control character or backslash either: urlsplit drops tabs and line breaks
    from what it checks, and the redirect of the string with them in it was a 500."""
    if target and not any(ch <= " " or ch in "\\\x7f" for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard"):
            return target
    return url_for("dashboard.home")


# The session's note of the logins its password opened (User.get_id of each): the brand
# switcher offers them while each still holds, as a session does (dashboard/session.py).
LOGINS = "logins"
AFTER_LOGIN = "after_login"


def start_session(user: User | None, opened: list[User], after: str | None = None) -> None:
    """A fresh session for `user` (nothing carries over from before), noting the logins at
    other brands that the same password opened. Without a user the person chooses one of
    them first (`brands`), then goes on to `after`."""
    session.clear()
    session[LOGINS] = [login.get_id() for login in opened]
    if after:
        session[AFTER_LOGIN] = after
    if user is not None:
        login_user(user)


def opened_logins() -> list[User]:
    """The logins this session's password opened that still hold: a changed password or a
    logout ends one for switching as it ends its sessions."""
    found = (load_user(session_id) for session_id in session.get(LOGINS, []))
    return sorted(
        (user for user in found if user is not None), key=lambda user: user.brand.name.lower()
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")[:254]
        password = request.form.get("password", "")[:512]
        opened = users.authenticate(email, password) if email and password else []
        target = _safe_next(request.args.get("next"))
        if not opened:
            error = "That email and password do not match a dashboard login."
            status = 401
        elif len(opened) == 1:
            start_session(opened[0], opened)
            return redirect(target)
        else:  # logins at several brands: the person chooses which one to open
            start_session(None, opened, after=target)
            return redirect(url_for("dashboard.brands"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    return (
        render_template("dashboard/login.html", error=error, email=request.form.get("email", "")),
        status,
    )


# A public endpoint: right after login the brand is not chosen yet.
@bp.route("/dashboard/brands", methods=["GET", "POST"])
def brands():
    """Choose the brand to open, after login or to switch: among the logins this session's
    password opened. Each brand's login has its own role and password."""
    opened = opened_logins()
    if not opened:
        return redirect(url_for("dashboard.login"))
    if request.method == "POST":
        chosen = next((u for u in opened if str(u.id) == request.form.get("user", "")), None)
        if chosen is None:
            abort(404, description="That brand is not among your logins.")
        target = session.get(AFTER_LOGIN) or url_for("dashboard.home")
        start_session(chosen, opened)
        return redirect(target)
    current = current_user.id if current_user.is_authenticated else None
    return render_template("dashboard/brands.html", logins=opened, current=current)


@bp.route("/logout", methods=["POST"])
def logout():
    # Every login this session opened: a shared computer left at another brand's page is no
    # longer logged in either.
    ended = {user.id for user in opened_logins()}
    if current_user.is_authenticated:
        ended.add(current_user.id)
    for user_id in sorted(ended):
        users.end_sessions(user_id)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("dashboard.login"))
