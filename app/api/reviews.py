"""/api/v1 reviews: the brand's list, moderation on listed grounds, and public replies."""

from flask import request

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.errors import AppError
from app.schemas.review import (
    ImportedErasure,
    ImportQuery,
    ImportResult,
    ModerationIn,
    ReplyIn,
    ReviewOut,
    ReviewPage,
    ReviewQuery,
)
from app.services import privacy, review_import, reviews

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


# The request body's OpenAPI: the CSV file itself (flask-smorest documents JSON bodies only).
CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "The CSV file: UTF-8 (a BOM is fine) or Windows-1252, ',' or ';' "
        "separated, a header line naming the columns (English or Dutch): date/datum, "
        "rating (1-5 stars) or score (1-10, Kiyoh's, mapped to half rounded up), text/tekst, "
        "and optionally title/titel, name/naam, phase/fase, source/bron, reference/referentie, "
        "language/taal. Or multipart/form-data with the file in `file`.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@blp.route("/reviews/import", methods=["POST"])
@blp.arguments(ImportQuery, location="query")
@blp.response(200, ImportResult)
@blp.alt_response(413, description="The file is over 4 MB")
@blp.alt_response(415, description="The body is not a CSV file (text/csv or multipart)")
@blp.alt_response(
    422,
    description="The file cannot be imported (empty, not CSV, a required column missing, "
    "more than 5,000 reviews) or no line of it can (`lines.<n>.<field>`); nothing stored",
)
@blp.doc(**CSV_BODY)
def import_reviews(query):
    """Import reviews written elsewhere (Kiyoh, Trustpilot, Google, a spreadsheet) with the
    day each was written. The good lines are imported and the refused ones listed with why;
    a line imported before (same source and reference, or same content) is counted as
    `already`, so the same file twice adds nothing. Imported reviews are labelled with their
    source, never verified or incentivized, earn no points, mail no one, send no webhook,
    and are not in the average or the JSON-LD AggregateRating."""
    upload = request.files.get("file")
    if request.mimetype == "multipart/form-data":
        if upload is None:
            raise AppError(422, "no file", fields={"file": ["send the CSV in a field file"]})
        raw = upload.read(review_import.MAX_BYTES + 1)
    else:
        raw = request.get_data(cache=False)
    return review_import.import_file(current_brand(), raw, query, actor())


import_reviews.takes_csv = True


@blp.route("/reviews/<int:review_id>/erasure", methods=["POST"])
@blp.response(200, ImportedErasure)
@blp.alt_response(409, description="Not an imported review: erase its customer instead")
def erase_imported(review_id):
    """Erase an imported review at its writer's request (GDPR art. 17): removed on the
    ground personal_data, its text and name blanked, a tombstone in the feeds. A review made
    from an answer goes with its customer's erasure instead (409 not_imported)."""
    return privacy.erase_imported_review(current_brand(), review_id, actor())
