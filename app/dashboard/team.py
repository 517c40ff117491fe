"""The Team page (owners): the brand's logins, adding one with a welcome link shown once,
changing a role, removing a login."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from app.dashboard import bp, forms
from app.dashboard.access import current_brand, requires
from app.errors import AppError
from app.models import User
from app.schemas.team import RoleIn, TeamMemberIn
from app.services import public_urls, users


def _page(status=200, **context):
    brand = current_brand()
    members = users.team(brand)
    context.setdefault("errors", {})
    context.setdefault("form_id", None)
    context.setdefault("values", {})
    return (
        render_template(
            "dashboard/team.html",
            brand=brand,
            members=members,
            pending={user.id for user in members if not users.has_password(user)},
            resets={user.id for user in members if users.resetting(user)},
            roles=User.ROLES,
            link_days=users.welcome_days(),
            **context,
        ),
        status,
    )


def _welcome_url(token: str) -> str:
    return public_urls.absolute(url_for("dashboard.welcome", token=token))


@bp.route("/dashboard/team")
@requires("manage")
def team():
    return _page()


@bp.route("/dashboard/team", methods=["POST"])
@requires("manage")
def team_add():
    form = forms.FormData(request.form)
    data, errors = forms.validate(TeamMemberIn(), form)
    status = 422
    if not errors:
        try:
            user, token = users.invite(current_brand(), data["email"], data["role"])
        except AppError as error:
            errors, status = forms.service_errors(error, form), error.code
        else:
            # Shown in this response only: the link signs in whoever holds it.
            return _page(201, new_member=user, welcome_url=_welcome_url(token))
    return _page(status, errors=errors, form_id="add", values=request.form)


@bp.route("/dashboard/team/<int:user_id>/role", methods=["POST"])
@requires("manage")
def team_role(user_id):
    form = forms.FormData(request.form)
    data, errors = forms.validate(RoleIn(), form)
    if errors:
        users.member(current_brand(), user_id)  # another brand's login is a 404, whatever the role
        return _page(422, errors=errors, form_id=f"role-{user_id}")
    try:
        user = users.change_role(current_brand(), user_id, data["role"])
    except AppError as error:
        if error.code != 409:
            raise
        return _page(409, errors=forms.service_errors(error), form_id=f"role-{user_id}")
    flash(f"{user.email} is now {'an' if user.role == 'editor' else 'a'} {user.role}.", "info")
    if not current_user.can("manage"):  # an owner who made themselves editor or viewer
        return redirect(url_for("dashboard.home"))
    return redirect(url_for("dashboard.team") + f"#user-{user_id}")


@bp.route("/dashboard/team/<int:user_id>/remove", methods=["POST"])
@requires("manage")
def team_remove(user_id):
    myself = user_id == current_user.id
    try:
        email = users.remove(current_brand(), user_id)
    except AppError as error:
        if error.code != 409:
            raise
        return _page(409, errors=forms.service_errors(error), form_id=f"remove-{user_id}")
    if myself:  # the row is gone, and with it this session
        logout_user()
        session.clear()
        flash("Your login is removed.", "info")
        return redirect(url_for("dashboard.login"))
    flash(f"{email} is removed; that login ends now, also where it is open.", "info")
    return redirect(url_for("dashboard.team"))


@bp.route("/dashboard/team/<int:user_id>/welcome-link", methods=["POST"])
@requires("manage")
def team_welcome_link(user_id):
    try:
        user, token = users.new_welcome_link(current_brand(), user_id, current_user.id)
    except AppError as error:
        if error.code != 409:
            raise
        return _page(409, errors=forms.service_errors(error), form_id=f"link-{user_id}")
    # As with a new login: shown once, and the previous link for this login stops working.
    return _page(201, new_member=user, welcome_url=_welcome_url(token))
