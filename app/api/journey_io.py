"""/api/v1 surveys as code: a journey with its touchpoints and surveys as one JSON document."""

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.schemas.journey_io import JourneyDocument, JourneyImported
from app.services import journey_io

blp = Blueprint(
    "journey_io",
    __name__,
    url_prefix="/api/v1",
    description="Surveys as code: export and import a journey with its surveys",
)
protect(blp)


@blp.route("/journeys/<int:journey_id>/export", methods=["GET"])
@blp.response(200, JourneyDocument)
def export_journey(journey_id):
    """The journey, its phases (with hypotheses and touchpoints) and the newest version of each
    of its surveys, as a document that POST /journeys/import accepts."""
    return journey_io.export_journey(current_brand(), journey_id)


@blp.route("/journeys/import", methods=["POST"])
@blp.arguments(JourneyDocument)
@blp.response(201, JourneyImported)
def import_journey(document):
    """Create a new journey from an exported document; validated like the single endpoints,
    stored in one transaction (all or nothing)."""
    return journey_io.import_journey(current_brand(), document)
