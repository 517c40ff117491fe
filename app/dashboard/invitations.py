"""Email invitations from the dashboard: a list of customers (a CSV from the shop system, or
addresses pasted) invited to one survey, and the invitations sent so far.

The API invites one customer per call; a marketer has a list and no script."""

from flask import flash, redirect, render_template, request, url_for

from app import ids, uploads
from app.dashboard import bp
from app.dashboard.access import current_brand, requires
from app.dashboard.phase import SKIP_WORDS
from app.errors import AppError
from app.models.invitation import STATUSES
from app.services import invitation_lists, invitations, surveys


def _page(errors=None, values=None, status=200):
    brand = current_brand()
    shown = request.args.get("status")
    shown = shown if shown in STATUSES else None
    query = {"status": shown, "limit": 50, "cursor": request.args.get("cursor")}
    listed = invitations.page(brand, query)
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
            max_kb=FILE_MAX_BYTES // 1000,
        ),
        status,
    )


def _survey_label(survey, locale: str) -> str:
    name = survey.name or f"Survey {survey.id}"
    return f"{survey.phase.display_name(locale)} — {name} ({', '.join(survey.locales)})"


# The file, with room under the route's body limit (app.uploads) for the form's other fields.
FILE_MAX_BYTES = uploads.limit_for("dashboard.invitations_send") - 50_000


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
        raw = upload.read(FILE_MAX_BYTES + 1)
        if len(raw) > FILE_MAX_BYTES:
            too_big = f"the file is larger than {FILE_MAX_BYTES // 1000} KB; split it"
            return _page({"list": [too_big]}, values, 413)
        text = _text(raw)
        if text is None:
            not_text = "this is not a CSV file: in Excel, choose Save as → CSV"
            return _page({"list": [not_text]}, values, 422)
        values["list"] = text
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


def _text(raw: bytes) -> str | None:
    """The file's text: UTF-8 (Excel's "CSV UTF-8" starts with a BOM), UTF-16 with its BOM
    (Excel's "Unicode text"), else Windows-1252, what Excel's plain "CSV" saves on a Dutch
    Windows ("Oriëntatie" would otherwise come out as "Ori�ntatie"). None for a file that is
    no text at all: a workbook (.xlsx is a zip) or a picture."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    if raw.startswith(b"PK\x03\x04") or b"\x00" in raw:
        return None
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
    if result["new"]:
        parts.append(f"{result['new']} new customer{'' if result['new'] == 1 else 's'}")
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
    if ignored:
        parts.append(f"columns left out: {', '.join(ignored)}")
    return "; ".join(parts) + "."
