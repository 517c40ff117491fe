"""Your own login: changing your password, your follow-up alerts and your weekly report (every
role), and the welcome link with which a login made on the Team page chooses its first one."""

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError

from app.dashboard import access, bp, forms
from app.dashboard.access import current_brand, requires
from app.errors import AppError, flatten_fields
from app.extensions import limiter, queue
from app.schemas.follow_up import FollowUpAlertsIn
from app.schemas.team import NewPassword, PasswordChange
from app.schemas.weekly_report import WeeklyReportIn
from app.services import follow_up, users, weekly_report


def _passwords(schema) -> tuple[dict | None, dict[str, list[str]]]:
    """The form's passwords as typed: forms.FormData trims spaces, which a password may hold."""
    names = [name for name in schema.fields if name in request.form]
    try:
        return schema.load({name: request.form[name] for name in names}), {}
    except ValidationError as error:
        return None, flatten_fields(error.messages)


def _page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("alert_errors", {})
    context.setdefault("report_errors", {})
    context.setdefault("report_on", current_user.weekly_report_on)
    context.setdefault(
        "alerts",
        {
            "alerts_on": current_user.alerts_on,
            "scope": "selected" if current_user.alert_phases else "all",
            "phases": list(current_user.alert_phases or []),
        },
    )
    choices = follow_up.phase_choices(current_brand())
    page = render_template(
        "dashboard/account.html",
        phase_choices=choices,
        inline_jobs=queue.inline,
        # from an alert email's "turn them off" link: the browser opens the page at the choice
        # (autofocus scrolls to it), also after the login page, which drops the #alerts
        to_alerts=request.args.get("section") == "alerts",
        to_report=request.args.get("section") == "report",
        **context,
    )
    return page, status


@bp.route("/dashboard/account")
@requires("read")
def account():
    return _page()


@bp.route("/dashboard/account/password", methods=["POST"])
@limiter.limit("10 per minute")
@requires("read")
def account_password():
    data, errors = _passwords(PasswordChange())
    if not errors:
        others = [user for user in access.opened_logins() if user.id != current_user.id]
        try:
            user = users.change_password(
                current_user.id, data["current_password"], data["password"]
            )
        except AppError as error:
            errors = forms.service_errors(error)
        else:
            # The new hash ends every session of this login (User.session_check), this one
            # too: it goes on under the new hash, and can still switch to the other brands.
            access.start_session(user, [user, *others])
            flash("Your password is changed; your login ended wherever else it was open.", "info")
            return redirect(url_for("dashboard.account"))
    return _page(422, errors=errors)


@bp.route("/dashboard/account/alerts", methods=["POST"])
@requires("read")
def account_alerts():
    form = forms.FormData(request.form, skip=("csrf_token", "phases"))
    form.data["phases"] = request.form.getlist("phases")
    shown = {
        "alerts_on": str(form.data.get("alerts_on", "")).lower() in forms.CHECKED,
        "scope": form.data.get("scope", "all"),
        "phases": list(form.data["phases"]),
    }
    data, errors = forms.validate(FollowUpAlertsIn(), form)
    if not errors:
        try:
            user = follow_up.set_alerts(current_brand(), current_user.id, data)
        except AppError as error:
            errors = forms.service_errors(error, form)
        else:
            if user.alerts_on:
                flash(f"Follow-up alerts are on: they go to {user.email}.", "info")
            else:
                flash("Follow-up alerts are off.", "info")
            return redirect(url_for("dashboard.account") + "#alerts")
    return _page(422, alert_errors=errors, alerts=shown)


@bp.route("/dashboard/account/weekly-report", methods=["POST"])
@requires("read")
def account_weekly_report():
    form = forms.FormData(request.form)
    data, errors = forms.validate(WeeklyReportIn(), form)
    if errors:
        shown = str(form.data.get("weekly_report_on", "")).lower() in forms.CHECKED
        return _page(422, report_errors=errors, report_on=shown)
    user = weekly_report.set_report(current_user.id, data["weekly_report_on"])
    if user.weekly_report_on:
        flash(
            f"The weekly report is on: last week's goes to {user.email} at the next send round,"
            " then each week's on Monday.",
            "info",
        )
    else:
        flash("The weekly report is off.", "info")
    return redirect(url_for("dashboard.account") + "#report")


@bp.route("/dashboard/account/weekly-report")
@requires("read")
def account_weekly_report_preview():
    return render_template(
        "dashboard/weekly_report.html", report=weekly_report.preview(current_user)
    )


# Opened by someone who cannot log in yet: one of the dashboard's public endpoints (access.py).
@bp.route("/dashboard/welcome/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def welcome(token):
    user = users.welcome_user(token)
    reset = users.resetting(user)  # a login that had a password: "choose a new one"
    errors = {}
    if request.method == "POST":
        data, errors = _passwords(NewPassword())
        if not errors:
            user = users.accept_welcome(token, data["password"])
            access.start_session(user, [user])  # a fresh session, as at login
            done = "Your new password is set" if reset else "Welcome! Your password is set"
            flash(f"{done}; log in with it from now on.", "info")
            return redirect(url_for("dashboard.home"))
    status = 422 if errors else 200
    page = render_template("dashboard/welcome.html", user=user, errors=errors, reset=reset)
    response = make_response(page)
    response.status_code = status
    # The link signs its holder in: never sent on as a Referer (the dashboard is no-store).
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
