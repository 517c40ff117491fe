"""Editors for journeys, phases (with their journey 1.0 hypotheses), touchpoints, personas,
and surveys as code (JSON export and import). Every form validates with the API's schemas."""

import json

from flask import Response, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app import json_input, storable_text
from app.dashboard import bp, forms
from app.dashboard.access import check, current_brand, requires
from app.errors import AppError, flatten_fields
from app.models.journey import Touchpoint
from app.schemas.journey import JourneyCreate, PersonaIn, PhaseIn, TouchpointIn
from app.schemas.journey_edit import JourneyRename, PersonaUpdate, PhaseUpdate
from app.schemas.journey_io import JourneyDocument
from app.services import journey_archive, journey_editor, journey_io, journeys

NEW_PHASE_ROWS = 8
IMPORT_MAX_BYTES = 60_000  # under the app's 64 KB body limit, with room for the form fields


@bp.route("/dashboard/journeys", endpoint="journeys")
@requires("read")
def journeys_list():
    brand = current_brand()
    return render_template(
        "dashboard/journeys.html",
        journeys=journeys.list_journeys(brand, archived=False),
        archived=journeys.list_journeys(brand, archived=True),
    )


def _confirm_page(journey_id: int, action: str, status=200):
    """The step before archiving or deleting: what happens, and the button that does it."""
    brand = current_brand()
    journey = journeys.get_journey(brand, journey_id)
    deletable = action == "delete" and not journey_archive.has_history(journey)
    return (
        render_template(
            "dashboard/journey_remove.html", journey=journey, action=action, deletable=deletable
        ),
        status,
    )


@bp.route("/dashboard/journeys/<int:journey_id>/archive", methods=["GET", "POST"])
@requires("edit")
def journey_archive_view(journey_id):
    if request.method == "GET":
        return _confirm_page(journey_id, "archive")
    journey = journey_archive.archive(current_brand(), journey_id)
    flash(
        f"Journey “{journey.name}” archived: its surveys ask nobody now; its answers, reviews "
        "and figures are kept. Restore it from the Archived list.",
        "info",
    )
    return redirect(url_for("dashboard.journeys"))


@bp.route("/dashboard/journeys/<int:journey_id>/unarchive", methods=["POST"])
@requires("edit")
def journey_unarchive(journey_id):
    journey = journey_archive.unarchive(current_brand(), journey_id)
    flash(f"Journey “{journey.name}” restored, with the surveys that were active.", "info")
    return redirect(url_for("dashboard.journey_edit", journey_id=journey.id))


@bp.route("/dashboard/journeys/<int:journey_id>/delete", methods=["GET", "POST"])
@requires("edit")
def journey_delete(journey_id):
    if request.method == "GET":
        return _confirm_page(journey_id, "delete")
    try:
        name = journeys.get_journey(current_brand(), journey_id).name
        journey_archive.delete_journey(current_brand(), journey_id)
    except AppError as error:
        if error.code != 409:
            raise
        return _confirm_page(journey_id, "delete", 409)  # it says why, and offers archiving
    flash(f"Journey “{name}” deleted.", "info")
    return redirect(url_for("dashboard.journeys"))


def _journey_form(errors=None, data=None, status=200):
    return (
        render_template(
            "dashboard/journey_new.html",
            rows=NEW_PHASE_ROWS,
            errors=errors or {},
            form=data or {},
            channels=Touchpoint.CHANNELS,
        ),
        status,
    )


@bp.route("/dashboard/journeys/new", methods=["GET", "POST"])
@requires("edit")
def journey_new():
    if request.method == "GET":
        return _journey_form()
    form = forms.FormData(request.form)
    data, errors = forms.validate(JourneyCreate(), form)
    if errors:
        return _journey_form(errors, request.form, 422)
    try:
        journey = journeys.create_journey(current_brand(), data)
    except AppError as error:  # a name another journey has
        return _journey_form(forms.service_errors(error, form), request.form, error.code)
    flash(f"Journey “{journey.name}” created.", "info")
    return redirect(url_for("dashboard.journey_edit", journey_id=journey.id))


def _edit_page(journey_id: int, errors=None, form_id=None, status=200):
    brand = current_brand()
    return (
        render_template(
            "dashboard/journey_edit.html",
            journey=journeys.get_journey(brand, journey_id),
            errors=errors or {},
            form_id=form_id,
            submitted=request.form if form_id else {},
            channels=Touchpoint.CHANNELS,
        ),
        status,
    )


@bp.route("/dashboard/journeys/<int:journey_id>")
@requires("read")
def journey_edit(journey_id):
    return _edit_page(journey_id)


def _save(journey_id, form_id, schema, action, message):
    """Validate the posted form with `schema`, run `action(data)`, or show the errors."""
    form = forms.FormData(request.form)
    data, errors = forms.validate(schema, form)
    if not errors:
        try:
            action(data)
        except AppError as error:
            if error.code == 404:
                raise
            return _edit_page(journey_id, forms.service_errors(error, form), form_id, error.code)
        flash(message, "info")
        return redirect(url_for("dashboard.journey_edit", journey_id=journey_id) + f"#{form_id}")
    return _edit_page(journey_id, errors, form_id, 422)


@bp.route("/dashboard/journeys/<int:journey_id>/rename", methods=["POST"])
@requires("edit")
def journey_rename(journey_id):
    brand = current_brand()
    return _save(
        journey_id,
        "rename",
        JourneyRename(),
        lambda data: journey_editor.rename_journey(brand, journey_id, data),
        "Journey renamed.",
    )


@bp.route("/dashboard/journeys/<int:journey_id>/phases", methods=["POST"])
@requires("edit")
def phase_add(journey_id):
    brand = current_brand()
    return _save(
        journey_id,
        "new-phase",
        PhaseIn(),
        lambda data: journey_editor.add_phase(brand, journey_id, data),
        "Phase added.",
    )


@bp.route("/dashboard/journeys/<int:journey_id>/phases/<key>/edit", methods=["POST"])
@requires("edit")
def phase_update(journey_id, key):
    brand = current_brand()
    return _save(
        journey_id,
        f"phase-{key}",
        PhaseUpdate(),
        lambda data: journey_editor.update_phase(brand, journey_id, key, data),
        "Phase saved.",
    )


@bp.route("/dashboard/journeys/<int:journey_id>/phases/<key>/touchpoints", methods=["POST"])
@requires("edit")
def touchpoint_add(journey_id, key):
    brand = current_brand()
    return _save(
        journey_id,
        f"touchpoints-{key}",
        TouchpointIn(),
        lambda data: journeys.add_touchpoint(brand, journey_id, key, data),
        "Touchpoint added.",
    )


@bp.route("/dashboard/touchpoints/<int:touchpoint_id>/edit", methods=["POST"])
@requires("edit")
def touchpoint_edit(touchpoint_id):
    brand = current_brand()
    touchpoint = journey_editor.get_touchpoint(brand, touchpoint_id)
    return _save(
        touchpoint.phase.journey_id,
        f"touchpoint-{touchpoint_id}",
        TouchpointIn(),
        lambda data: journey_editor.update_touchpoint(brand, touchpoint_id, data),
        "Touchpoint saved.",
    )


@bp.route("/dashboard/touchpoints/<int:touchpoint_id>/delete", methods=["POST"])
@requires("edit")
def touchpoint_delete(touchpoint_id):
    brand = current_brand()
    touchpoint = journey_editor.get_touchpoint(brand, touchpoint_id)
    journey_id, form_id = touchpoint.phase.journey_id, f"touchpoint-{touchpoint_id}"
    try:
        journey_editor.delete_touchpoint(brand, touchpoint_id)
    except AppError as error:
        if error.code != 409:
            raise
        # Shown at the touchpoint's own rename form: what the brand can do instead.
        errors = forms.service_errors(error)
        return _edit_page(journey_id, errors, form_id, error.code)
    flash("Touchpoint removed.", "info")
    return redirect(url_for("dashboard.journey_edit", journey_id=journey_id))


@bp.route("/dashboard/journeys/<int:journey_id>/export.json")
@requires("read")
def journey_export(journey_id):
    document = JourneyDocument().dump(journey_io.export_journey(current_brand(), journey_id))
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="journey-{journey_id}.json"'},
    )


def _import_page(errors=None, text="", status=200):
    return render_template("dashboard/journey_import.html", errors=errors or {}, text=text), status


@bp.route("/dashboard/journeys/import", methods=["GET", "POST"])
@requires("edit")
def journey_import():
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    text = request.form.get("document", "")
    if upload and upload.filename:
        raw = upload.read(IMPORT_MAX_BYTES + 1)
        if len(raw) > IMPORT_MAX_BYTES:
            return _import_page({"document": ["the file is larger than 60 KB"]}, "", 413)
        text = raw.decode("utf-8-sig", errors="replace")  # editors on Windows write a BOM
    if not text.strip():
        return _import_page({"document": ["paste a journey document or choose a file"]}, text, 400)
    try:
        document = json_input.loads(text)
    except ValueError as error:
        return _import_page({"document": [f"this is not valid JSON: {error}"]}, text, 400)
    if not isinstance(document, dict):
        return _import_page({"document": ["the document must be a JSON object"]}, text, 422)
    # A file or a pasted "\u0000" passes the request's own check (storable_text): its text is
    # only decoded here.
    unstorable = storable_text.bad_fields(document)
    if unstorable:
        return _import_page(dict.fromkeys(unstorable, [storable_text.MESSAGE]), text, 422)
    try:
        data = JourneyDocument().load(document)
    except ValidationError as error:
        return _import_page(flatten_fields(error.messages), text, 422)
    created = journey_io.import_journey(current_brand(), data)
    journey = created["journey"]
    flash(
        f"Imported “{journey.name}” with {len(journey.phases)} phases and "
        f"{len(created['surveys'])} surveys.",
        "info",
    )
    return redirect(url_for("dashboard.journey_edit", journey_id=journey.id))


def _personas_page(errors=None, form_id=None, status=200):
    return (
        render_template(
            "dashboard/personas.html",
            personas=journeys.list_personas(current_brand()),
            errors=errors or {},
            form_id=form_id,
            submitted=request.form if form_id else {},
        ),
        status,
    )


@bp.route("/dashboard/personas", methods=["GET", "POST"])
@requires("read")
def personas():
    if request.method == "GET":
        return _personas_page()
    check("edit")
    form = forms.FormData(request.form)
    data, errors = forms.validate(PersonaIn(), form)
    if errors:
        return _personas_page(errors, "new-persona", 422)
    try:
        journeys.create_persona(current_brand(), data)
    except AppError as error:
        return _personas_page(forms.service_errors(error, form), "new-persona", error.code)
    flash("Persona created.", "info")
    return redirect(url_for("dashboard.personas"))


@bp.route("/dashboard/personas/<int:persona_id>/edit", methods=["POST"])
@requires("edit")
def persona_update(persona_id):
    brand = current_brand()
    journey_editor.get_persona(brand, persona_id)  # 404 before validating another brand's row
    form = forms.FormData(request.form)
    data, errors = forms.validate(PersonaUpdate(), form)
    if errors:
        return _personas_page(errors, f"persona-{persona_id}", 422)
    journey_editor.update_persona(brand, persona_id, data)
    flash("Persona saved.", "info")
    return redirect(url_for("dashboard.personas"))
