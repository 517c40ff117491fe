"""/api/v1 journeys, touchpoints and personas."""

from flask import request
from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.journey import (
    JourneyCreate,
    JourneyList,
    JourneyOut,
    PersonaIn,
    PersonaList,
    PersonaOut,
    TouchpointIn,
    TouchpointOut,
)
from app.services import journeys

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

    @blp.response(200, JourneyList)
    def get(self):
        """The brand's journeys with their phases."""
        return {"items": journeys.list_journeys(current_brand())}


@blp.route("/journeys/<int:journey_id>")
class JourneyById(MethodView):
    @blp.response(200, JourneyOut)
    def get(self, journey_id):
        """One journey with its phases and touchpoints."""
        return journeys.get_journey(current_brand(), journey_id)


@blp.route("/journeys/<int:journey_id>/phases/<phase_key>/touchpoints", methods=["POST"])
@blp.arguments(TouchpointIn)
@blp.response(201, TouchpointOut)
@blp.alt_response(409, description="The phase has a touchpoint of this name")
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
