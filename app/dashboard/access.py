"""Who may see and change what: login, logout, the login guard and the role checks."""

import functools
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.dashboard import bp
from app.extensions import db, limiter, login_manager
from app.models import Brand, User
from app.services import users

PUBLIC_ENDPOINTS = ("dashboard.login", "dashboard.welcome")  # the welcome link: no login yet
# Checked when the email is unknown, so a wrong email costs what a wrong password costs.
_DUMMY_HASH = generate_password_hash("phasewise-not-a-password")


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
    """Only a path inside the dashboard: an open redirect would make a phishing link."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard"):
            return target
    return url_for("dashboard.home")


def _authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not users.has_password(user):
        # As long as a real check: the time taken must not tell which emails have a login,
        # or which of them wait for their welcome link.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if user.check_password(password) else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")[:254]
        password = request.form.get("password", "")[:512]
        user = _authenticate(email, password) if email and password else None
        if user is None:
            error = "That email and password do not match a dashboard login."
            status = 401
        else:
            session.clear()  # a fresh session on login: nothing carries over from before
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    return (
        render_template("dashboard/login.html", error=error, email=request.form.get("email", "")),
        status,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        users.end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("dashboard.login"))
