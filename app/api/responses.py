"""/api/v1 responses and journey stats."""

from flask import request

from app.api.auth import current_brand, current_brand_id, live_key, protect, single_statement
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.response import (
    FollowUpIn,
    FollowUpOut,
    ResponseAccepted,
    ResponseIn,
    ResponsePage,
    ResponseQuery,
)
from app.schemas.stats import JourneyStatsQuery, StatsOut
from app.services import brand_days, follow_up, intake, responses, stats

blp = Blueprint(
    "responses", __name__, url_prefix="/api/v1", description="Answers, and the figures per phase"
)
protect(blp)


@blp.route("/responses", methods=["POST"])
@single_statement
@blp.arguments(ResponseIn())  # an instance: webargs would build one from a class per request
@blp.response(202, ResponseAccepted)
@blp.doc(**idempotency_header("The same key again returns the same response, no new row"))
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


@blp.route("/responses/<int:response_id>/follow-up", methods=["PUT"])
@blp.arguments(FollowUpIn)
@blp.response(200, FollowUpOut)
def set_follow_up(data, response_id):
    """Mark an answer that needs a follow-up handled (true) or open again (false).

    Marking it handled again keeps the first mark (who and when); alerts not yet mailed about
    a handled answer are not sent. An answer that needs no follow-up (or is not processed
    yet) is a 422."""
    brand = current_brand()
    if data["handled"]:
        follow_up.mark_handled(brand, response_id, by="API")
    else:
        follow_up.reopen(brand, response_id)
    return follow_up.state(responses.get(brand, response_id))


@blp.route("/journeys/<int:journey_id>/stats", methods=["GET"])
@blp.arguments(JourneyStatsQuery, location="query")
@blp.response(200, StatsOut)
def journey_stats(query, journey_id):
    """NPS (with 95 % interval), CSAT, effort, sentiment and conversion per phase."""
    brand = current_brand()
    query = brand_days.apply_period(brand, query, query.get("period"))
    return stats.journey_stats(brand, journey_id, query)
