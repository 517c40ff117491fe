"""/api/v1 responses and journey stats."""

from flask import request

from app.api.auth import current_brand, current_brand_id, live_key, protect, single_statement
from app.api.blueprint import Blueprint
from app.schemas.response import ResponseAccepted, ResponseIn, ResponsePage, ResponseQuery
from app.schemas.stats import JourneyStatsQuery, StatsOut
from app.services import intake, responses, stats

blp = Blueprint(
    "responses", __name__, url_prefix="/api/v1", description="Answers, and the figures per phase"
)
protect(blp)


@blp.route("/responses", methods=["POST"])
@single_statement
@blp.arguments(ResponseIn())  # an instance: webargs would build one from a class per request
@blp.response(202, ResponseAccepted)
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string"},
            "description": "The same key again returns the same response, no new row",
        }
    ]
)
def create_response(data):
    """Accept an answer: stored as received, processed by the pipeline."""
    response, created = intake.accept(
        current_brand_id(),
        data,
        idempotency_key=request.headers.get("Idempotency-Key"),
        live_key=live_key(),
    )
    return intake.receipt(response, created)


@blp.route("/responses", methods=["GET"])
@blp.arguments(ResponseQuery, location="query")
@blp.response(200, ResponsePage)
def list_responses(query):
    """Responses, newest first, with the pipeline's derived fields; cursor pagination."""
    return responses.page(current_brand(), query)


@blp.route("/journeys/<int:journey_id>/stats", methods=["GET"])
@blp.arguments(JourneyStatsQuery, location="query")
@blp.response(200, StatsOut)
def journey_stats(query, journey_id):
    """NPS (with 95 % interval), CSAT, effort, sentiment and conversion per phase."""
    return stats.journey_stats(current_brand(), journey_id, query)
