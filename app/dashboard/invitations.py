"""Email invitations from the dashboard: a list of customers (a CSV from the shop system, or
addresses pasted) invited to one survey, by email or as personal links to download, and the
invitations sent so far.

The API invites one customer per call; a marketer has a list and no script."""

from flask import flash, redirect, render_template, request, url_for

from app import ids
from app.dashboard import bp
from app.dashboard.access import current_brand, requires
from app.dashboard.downloads import csv_download
from app.dashboard.phase import SKIP_WORDS
from app.errors import AppError
from app.models.base import utcnow
from app.models.invitation import EMAIL, FAILED, LINK, SCHEDULED, STATUSES
from app.numbers import plural
from app.services import exports, invitation_lists, invitations, surveys
from app.timestamps import local


def _page(errors=None, values=None, status=200):
    brand = current_brand()
    shown = request.args.get("status")
    shown = shown if shown in STATUSES else None
    query = {"status": shown, "limit": 50, "cursor": request.args.get("cursor")}
    listed = invitations.page(brand, query)
    # what the button would send: not those of surveys switched off, nor the refused
    retryable = invitations.retryable_count(brand) if listed["counts"][FAILED] else 0
    overdue = invitations.overdue(brand) if listed["counts"][SCHEDULED] else 0
    choices = [
        (survey.id, _survey_label(survey, brand.default_locale))
        for survey in surveys.list_surveys(brand, active=True)
    ]
    return (
        render_template(
            "dashboard/invitations.html",
            errors=errors or {},
            values=values or {},
            choices=choices,
            listed=listed,
            shown=shown,
            statuses=STATUSES,
            skip_words=SKIP_WORDS,
            failure_words=FAILURE_WORDS,
            reminder_words=REMINDER_WORDS,
            retryable=retryable,
            overdue=overdue,
            max_lines=invitation_lists.MAX_LINES,
            max_kb=invitation_lists.MAX_BYTES // 1000,
        ),
        status,
    )


def _survey_label(survey, locale: str) -> str:
    name = survey.name or f"Survey {survey.id}"
    return f"{survey.phase.display_name(locale)} — {name} ({', '.join(survey.locales)})"


@bp.route("/dashboard/invitations")
@requires("read")
def invitations_page():
    return _page(values={"survey_id": request.args.get("survey", "")})


@bp.route("/dashboard/invitations.csv")
@requires("read")
def invitations_csv():
    """The invitations (?status=) as a spreadsheet: to follow up with those who did not
    answer, or to keep beside the shop's own records."""
    shown = request.args.get("status") or None
    if shown is not None and shown not in STATUSES:
        raise AppError(422, "unknown status", fields={"status": [f"one of {', '.join(STATUSES)}"]})
    table = exports.invitations_csv(current_brand(), shown)
    return csv_download(table, f"invitations-{shown}.csv" if shown else "invitations.csv")


@bp.route("/dashboard/invitations", methods=["POST"])
@requires("edit")
def invitations_send():
    values = {
        "survey_id": request.form.get("survey_id", ""),
        "list": request.form.get("list", ""),
        "no_reminder": request.form.get("no_reminder"),
        # a form from before the choice, or a script's post, meant an email each
        "channel": request.form.get("channel", EMAIL),
        "format": request.form.get("format", exports.PLAIN),
    }
    survey_id = ids.number(values["survey_id"])
    if survey_id is None:
        return _page({"survey_id": ["choose a survey"]}, values, 422)
    if values["no_reminder"] not in (None, "on"):  # a box sends "on" or nothing
        return _page({"no_reminder": ["tick the box or leave it"]}, values, 422)
    if values["channel"] not in (EMAIL, LINK):
        return _page({"channel": ["choose Email them or Personal links"]}, values, 422)
    if values["format"] not in exports.FORMS:
        return _page({"format": ["choose CSV or Excel (NL)"]}, values, 422)
    upload = request.files.get("file")
    try:
        if upload and upload.filename:
            values["list"] = invitation_lists.text_of(upload.read(invitation_lists.MAX_BYTES + 1))
        listed = invitation_lists.read(values["list"])
        result = invitations.create_many(
            current_brand(),
            survey_id,
            listed["rows"],
            remind=not values["no_reminder"],  # a link has none: the box changes nothing
            channel=values["channel"],
        )
    except AppError as error:
        if error.code == 404:  # another brand's survey, or a hand-made id
            return _page({"survey_id": ["choose one of your active surveys"]}, values, 422)
        return _page(error.fields or {"list": [error.description]}, values, error.code)
    flash(_summary(result, listed["ignored"], values["channel"]), "info")
    if values["channel"] == LINK:
        # The answer is the file: the browser stays on the page, which shows the summary when
        # next opened. The links are in this file only (the invitations' download has none).
        table = exports.personal_links_csv(result["lines"])
        return csv_download(table, _links_filename(survey_id), values["format"])
    return redirect(url_for("dashboard.invitations_page"))


def _links_filename(survey_id: int) -> str:
    """personal-links-survey-5-2026-11-03-1412.csv: a second list's file does not overwrite
    the first's in the downloads folder. The brand's time, as its marketer reads clocks."""
    made = local(utcnow(), current_brand().time_zone)
    return f"personal-links-survey-{survey_id}-{made:%Y-%m-%d-%H%M}.csv"


# Why a failed invitation failed (Invitation.failure), in the dashboard's words.
FAILURE_WORDS = {
    "refused": "address refused by the mail server",
    "temporary": "mail server down or busy",
    "fault": "the email could not be made",
}


# Why a reminder did not go (Invitation.reminder_skip_reason), in the dashboard's words.
REMINDER_WORDS = {
    "left_out": "made without one",
    "answered": "answered first",
    "unsubscribed": "unsubscribed",
    "no_email": "no email address",
    "survey_not_active": "survey switched off",
    "reminder_turned_off": "survey no longer reminds",
    "expiring": "link about to expire",
    **FAILURE_WORDS,  # refused, temporary, fault: as an invitation's
}


@bp.route("/dashboard/invitations/failed/retry", methods=["POST"])
@requires("edit")
def invitations_send_failed_again():
    """Those failed for a reason that passes (an outage), at most 2,000 a click."""
    result = invitations.send_failed_again(current_brand())
    queued = result["queued"]
    parts = [f"{plural(queued, 'failed invitation')} queued again"]
    if result["skipped"]:
        parts.append(_skipped(result["skipped"], "skipped now"))
    if result["remaining"]:
        parts.append(f"{result['remaining']} more: send again once more")
    if result["not_active"]:
        parts.append(f"{result['not_active']} left: their survey is not active")
    flash("; ".join(parts) + ".", "info")
    return redirect(url_for("dashboard.invitations_page", status="failed"))


@bp.route("/dashboard/invitations/<int:invitation_id>/retry", methods=["POST"])
@requires("edit")
def invitation_send_again(invitation_id):
    """One failed invitation, e.g. once its customer's address is corrected."""
    try:
        invitation = invitations.send_again(current_brand(), invitation_id)
    except AppError as error:
        if error.code == 404:
            raise
        flash(f"Invitation {invitation_id} was not sent again: {error.description}.", "error")
    else:
        if invitation.status == "skipped":
            reason = SKIP_WORDS.get(invitation.skip_reason, invitation.skip_reason)
            flash(f"Invitation {invitation_id} was not sent again: {reason}.", "error")
        else:
            flash(f"Invitation {invitation_id} is queued again.", "info")
    return redirect(url_for("dashboard.invitations_page", status=request.args.get("status")))


def _summary(result: dict, ignored: list[str], channel: str) -> str:
    queued, skipped = result["queued"], result["skipped"]
    if channel == LINK:  # nothing was queued
        parts = [f"{plural(result['issued'], 'personal link')} issued, in the download"]
        if result["listed_again"]:
            again = result["listed_again"]
            parts[0] += f" ({again} still open from an earlier list, the same links)"
    else:
        parts = [f"{plural(queued, 'invitation')} queued"]
    if skipped:
        parts.append(_skipped(skipped, "skipped"))
    if result["new"]:
        parts.append(plural(result["new"], "new customer"))
    if result["readdressed"]:
        count = result["readdressed"]
        parts.append(f"{count} known customer{' has' if count == 1 else 's have'} a new address")
    repeated = result["repeated"]
    if repeated:
        lines = ", ".join(str(number) for number in repeated[:10])
        more = "…" if len(repeated) > 10 else ""
        which = f"line {lines} repeats" if len(repeated) == 1 else f"lines {lines}{more} repeat"
        parts.append(
            f"{which} a customer or address and {'was' if len(repeated) == 1 else 'were'} left out"
        )
    if ignored:  # a flash lives in the session cookie: a thousand columns must not
        names = ", ".join(ignored[:10]) + (
            f" and {len(ignored) - 10} more" if len(ignored) > 10 else ""
        )
        parts.append(f"columns left out: {names}")
    return "; ".join(parts) + "."


def _skipped(skipped: dict[str, int], said: str) -> str:
    """ "3 skipped (2 unsubscribed, 1 asked about this phase recently)"."""
    reasons = ", ".join(f"{count} {SKIP_WORDS.get(r, r)}" for r, count in skipped.items())
    return f"{sum(skipped.values())} {said} ({reasons})"
