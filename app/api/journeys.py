"""/api/v1 journeys, touchpoints and personas."""

from flask import request
from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.journey import (
    JourneyCreate,
    JourneyList,
    JourneyOut,
    JourneyQuery,
    PersonaIn,
    PersonaList,
    PersonaOut,
    PhaseIn,
    PhaseOut,
    PhasePatch,
    TouchpointIn,
    TouchpointOut,
)
from app.services import journey_archive, journey_editor, journeys

blp = Blueprint("journeys", __name__, url_prefix="/api/v1", description="Journeys and personas")
protect(blp)


@blp.route("/journeys")
class Journeys(MethodView):
    @blp.arguments(JourneyCreate)
    @blp.response(201, JourneyOut)
    @blp.alt_response(409, description="Another journey of the brand has this name (any case)")
    @blp.doc(**idempotency_header("The same key again returns the same journey, no second one"))
    def post(self, data):
        """Create a journey with its ordered phases (and hypothesis scores)."""
        return journeys.create_journey(
            current_brand(), data, idempotency_key=request.headers.get("Idempotency-Key")
        )

    @blp.arguments(JourneyQuery, location="query")
    @blp.response(200, JourneyList)
    def get(self, query):
        """The brand's journeys with their phases, archived ones too unless `archived` says."""
        return {"items": journeys.list_journeys(current_brand(), **query)}


@blp.route("/journeys/<int:journey_id>")
class JourneyById(MethodView):
    @blp.response(200, JourneyOut)
    def get(self, journey_id):
        """One journey with its phases and touchpoints."""
        return journeys.get_journey(current_brand(), journey_id)

    @blp.response(204)
    @blp.alt_response(
        409,
        description="The journey has answers, journey events, invitations or reviews "
        "(code journey_has_history): archive it instead",
    )
    def delete(self, journey_id):
        """Delete a journey that never measured or asked anything, with its phases,
        touchpoints, surveys and survey links. Deleted, it is a 404."""
        journey_archive.delete_journey(current_brand(), journey_id)


@blp.route("/journeys/<int:journey_id>/archive", methods=["POST"])
@blp.response(200, JourneyOut)
def archive_journey(journey_id):
    """Archive a journey: its active surveys are switched off (widget, links, scheduled
    invitations and reminders ask nobody) and it leaves the dashboard; its answers, reviews,
    points and figures stay. Archiving an archived journey changes nothing."""
    return journey_archive.archive(current_brand(), journey_id)


@blp.route("/journeys/<int:journey_id>/unarchive", methods=["POST"])
@blp.response(200, JourneyOut)
def unarchive_journey(journey_id):
    """Restore an archived journey with the surveys that were active when it was archived.
    Restoring one that is not archived changes nothing."""
    return journey_archive.unarchive(current_brand(), journey_id)


@blp.route("/journeys/<int:journey_id>/phases", methods=["POST"])
@blp.arguments(PhaseIn)
@blp.response(201, PhaseOut)
@blp.alt_response(
    409,
    description="The journey has a phase of this key, or is archived (code journey_archived)",
)
def create_phase(data, journey_id):
    """Add a phase to a journey, at `position` (the others move up) or last. With
    `"in_funnel": false` it stands outside the funnel (service, returns): see docs/dashboard.md."""
    return journey_editor.add_phase(current_brand(), journey_id, data)


@blp.route("/journeys/<int:journey_id>/phases/<phase_key>", methods=["PATCH"])
@blp.arguments(PhasePatch)
@blp.response(200, PhaseOut)
@blp.alt_response(409, description="The journey is archived (code journey_archived)")
def update_phase(data, journey_id, phase_key):
    """Change a phase: only the fields given. A new position or `in_funnel` counts the
    journey's conversion again from the customers' first reaches (the answers are untouched)."""
    return journey_editor.update_phase(current_brand(), journey_id, phase_key, data, partial=True)


@blp.route("/journeys/<int:journey_id>/phases/<phase_key>/touchpoints", methods=["POST"])
@blp.arguments(TouchpointIn)
@blp.response(201, TouchpointOut)
@blp.alt_response(
    409,
    description="The phase has a touchpoint of this name, or the journey is archived "
    "(code journey_archived)",
)
def create_touchpoint(data, journey_id, phase_key):
    """Add a touchpoint (where the customer meets the brand) to a phase."""
    return journeys.add_touchpoint(current_brand(), journey_id, phase_key, data)


@blp.route("/personas")
class Personas(MethodView):
    @blp.arguments(PersonaIn)
    @blp.response(201, PersonaOut)
    @blp.alt_response(409, description="The brand has a persona of this key")
    def post(self, data):
        """Create a persona that customers can belong to."""
        return journeys.create_persona(current_brand(), data)

    @blp.response(200, PersonaList)
    def get(self):
        """The brand's personas."""
        return {"items": journeys.list_personas(current_brand())}
