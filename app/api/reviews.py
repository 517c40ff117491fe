"""/api/v1 reviews: the brand's list, moderation on listed grounds, and public replies."""

from flask import request

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.schemas.review import ModerationIn, ReplyIn, ReviewOut, ReviewPage, ReviewQuery
from app.services import reviews

blp = Blueprint(
    "reviews_api",
    __name__,
    url_prefix="/api/v1",
    description="Reviews made from consented answers: list, moderate, reply",
)
protect(blp)


def actor() -> str:
    """Who acted, for the moderation log: the key's public prefix, never the secret."""
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return f"api key {secret[:10]}…"


@blp.route("/reviews", methods=["GET"])
@blp.arguments(ReviewQuery, location="query")
@blp.response(200, ReviewPage)
def list_reviews(query):
    """The brand's reviews, newest first, with status, labels, flags and moderation log."""
    return reviews.list_reviews(current_brand(), **query)


@blp.route("/reviews/<int:review_id>", methods=["GET"])
@blp.response(200, ReviewOut)
def get_review(review_id):
    """One review with its moderation log."""
    return reviews.get_review(current_brand(), review_id)


@blp.route("/reviews/<int:review_id>/moderation", methods=["POST"])
@blp.arguments(ModerationIn)
@blp.response(200, ReviewOut)
def moderate(data, review_id):
    """Publish, reject or remove. Reject and remove need a listed ground as `reason`:
    not_a_customer, offensive, personal_data, spam, conflict_of_interest, off_topic."""
    return reviews.moderate(
        current_brand(), review_id, data["action"], data.get("reason"), actor(), data.get("note")
    )


@blp.route("/reviews/<int:review_id>/reply", methods=["POST"])
@blp.arguments(ReplyIn)
@blp.response(200, ReviewOut)
def reply(data, review_id):
    """The brand's public reply, shown under the review and in the feeds."""
    return reviews.reply(current_brand(), review_id, data["body"], actor())
