"""Email invitations from the dashboard: a list of customers (a CSV from the shop system, or
addresses pasted) invited to one survey, and the invitations sent so far.

The API invites one customer per call; a marketer has a list and no script."""

from flask import flash, redirect, render_template, request, url_for

from app import ids
from app.dashboard import bp
from app.dashboard.access import current_brand, requires
from app.dashboard.manage import IMPORT_MAX_BYTES
from app.dashboard.phase import SKIP_WORDS
from app.errors import AppError
from app.models.invitation import STATUSES
from app.services import invitation_lists, invitations, surveys


def _page(errors=None, values=None, status=200):
    brand = current_brand()
    shown = request.args.get("status")
    shown = shown if shown in STATUSES else None
    listed = invitations.page(brand, {"status": shown, "limit": 50})
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
            max_lines=invitation_lists.MAX_LINES,
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


@bp.route("/dashboard/invitations", methods=["POST"])
@requires("edit")
def invitations_send():
    values = {"survey_id": request.form.get("survey_id", ""), "list": request.form.get("list", "")}
    upload = request.files.get("file")
    if upload and upload.filename:
        raw = upload.read(IMPORT_MAX_BYTES + 1)
        if len(raw) > IMPORT_MAX_BYTES:
            return _page({"list": ["the file is larger than 60 KB; split it"]}, values, 413)
        values["list"] = _text(raw)
    survey_id = ids.number(values["survey_id"])
    if survey_id is None:
        return _page({"survey_id": ["choose a survey"]}, values, 422)
    try:
        listed = invitation_lists.read(values["list"])
        result = invitations.create_many(current_brand(), survey_id, listed["rows"])
    except AppError as error:
        if error.code == 404:  # another brand's survey, or a hand-made id
            return _page({"survey_id": ["choose one of your active surveys"]}, values, 422)
        return _page(error.fields or {"list": [error.description]}, values, error.code)
    flash(_summary(result, listed["ignored"]), "info")
    return redirect(url_for("dashboard.invitations_page"))


def _text(raw: bytes) -> str:
    """UTF-8 (Excel's "CSV UTF-8" starts with a BOM), else Windows-1252: what Excel's plain
    "CSV" saves on a Dutch Windows, where "Oriëntatie" would otherwise come out as "Ori�ntatie"."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _summary(result: dict, ignored: list[str]) -> str:
    sent = [item for item in result["invitations"] if item.status != "skipped"]
    skipped: dict[str, int] = {}
    for item in result["invitations"]:
        if item.status == "skipped":
            skipped[item.skip_reason] = skipped.get(item.skip_reason, 0) + 1
    parts = [f"{len(sent)} invitation{'' if len(sent) == 1 else 's'} queued"]
    if skipped:
        reasons = ", ".join(f"{count} {SKIP_WORDS.get(r, r)}" for r, count in skipped.items())
        parts.append(f"{sum(skipped.values())} skipped ({reasons})")
    if result["repeated"]:
        lines = ", ".join(str(number) for number in result["repeated"][:10])
        more = "…" if len(result["repeated"]) > 10 else ""
        parts.append(f"lines {lines}{more} repeat a customer and were left out")
    if ignored:
        parts.append(f"columns left out: {', '.join(ignored)}")
    return "; ".join(parts) + "."
