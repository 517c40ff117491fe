"""Reviews as the API takes and gives them: list query, moderation, reply, and the review."""

from marshmallow import Schema, fields, validate

from app.models.response import CHANNELS
from app.models.review import GROUNDS, HOLD_REASONS, STATUSES
from app.schemas.common import TEXT_KEY, CursorQuery, FullMatch, Timestamp
from app.schemas.journey import KEY


class ReviewQuery(CursorQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    phase = fields.String(validate=KEY)
    cursor = fields.String(validate=FullMatch(r"^[0-9]{1,12}$", error="not a valid cursor"))


class ModerationIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("publish", "reject", "remove")))
    reason = fields.String(
        validate=validate.Length(max=32),
        metadata={"description": f"required for reject and remove: one of {', '.join(GROUNDS)}"},
    )
    note = fields.String(validate=validate.Length(max=1000))


class ReplyIn(Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000, error="write 1 to 2,000 characters"),
    )


class ModerationEntryOut(Schema):
    action = fields.String()
    ground = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    actor = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    notice = fields.Dict(allow_none=True)
    created_at = Timestamp()


class FlagOut(Schema):
    reason = fields.String()
    note = fields.String(allow_none=True)
    created_at = Timestamp()


class ReplyOut(Schema):
    body = fields.String(attribute="reply_body")
    by = fields.String(attribute="reply_by")
    at = Timestamp(attribute="replied_at")


class ReviewOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    rating = fields.Integer()
    scale = fields.Constant({"best": 5, "worst": 1}, metadata={"type": "object"})
    rating_source = fields.String(metadata={"description": "nps (0-10, mapped) or csat (1-5)"})
    source_score = fields.Integer()
    title = fields.String(allow_none=True)
    body = fields.String()
    display_name = fields.String()
    phase = fields.Function(lambda review: review.phase.key, metadata=TEXT_KEY)
    locale = fields.String()
    channel = fields.String(
        metadata={"enum": [*CHANNELS, "import"], "description": "import: imported (source)"}
    )
    verified = fields.Boolean()
    verified_by = fields.String(allow_none=True)
    incentivized = fields.Boolean()
    fraud_signals = fields.List(fields.Dict())
    hold_reasons = fields.List(
        fields.String(metadata={"enum": list(HOLD_REASONS)}),
        allow_none=True,
        metadata={
            "description": "why the pipeline held it for a moderator: fraud_signals, "
            "unverified (the brand holds unverified reviews), phase_policy (the brand "
            "moderates this phase); [] published at once; null for reviews made before this "
            "was recorded"
        },
    )
    flag_count = fields.Integer()
    flags = fields.List(fields.Nested(FlagOut))
    reply = fields.Function(
        lambda review: ReplyOut().dump(review) if review.reply_body else None,
        allow_none=True,
        metadata={"type": "object", "description": "body, by, at; null: no reply"},
    )
    response_id = fields.Integer(allow_none=True, metadata={"description": "null: imported"})
    source = fields.String(
        allow_none=True,
        metadata={"description": "imported from this site (Kiyoh, Trustpilot …); null: made here"},
    )
    external_ref = fields.String(
        allow_none=True, metadata={"description": "the other site's id, or content:<hash>"}
    )
    imported_at = Timestamp(allow_none=True)
    customer = fields.Function(
        lambda review: review.customer.external_id if review.customer else None,
        allow_none=True,
        metadata=TEXT_KEY,
    )
    answered_at = Timestamp(
        metadata={"description": "when answered; an imported review's: when written there"}
    )
    published_at = Timestamp(allow_none=True)
    updated_at = Timestamp()
    removed_at = Timestamp(allow_none=True)
    removal_ground = fields.String(allow_none=True)
    moderation = fields.List(fields.Nested(ModerationEntryOut))


class ReviewPage(Schema):
    items = fields.List(fields.Nested(ReviewOut))
    next_cursor = fields.String(allow_none=True)


class ImportQuery(Schema):
    """POST /reviews/import's settings, in the query string (the body is the CSV file)."""

    source = fields.String(
        validate=validate.Length(max=40),
        metadata={
            "description": "where the reviews come from, e.g. Kiyoh; a column source "
            "(bron) names it per line instead"
        },
    )
    phase = fields.String(
        validate=KEY,
        metadata={
            "description": "phase key for lines without one (default: the last phase of "
            "the first active journey)"
        },
    )
    publish = fields.String(
        validate=validate.OneOf(("policy", "immediate")),
        metadata={
            "description": "policy (default): the brand's review policy per phase; "
            "immediate: published at once"
        },
    )
    dry_run = fields.Boolean(
        metadata={"description": "true: check the file and say what would happen; store nothing"}
    )


class RefusedLine(Schema):
    line = fields.Integer(metadata={"description": "the line of the file, 1 the header"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "field: date, rating, score, text, title, name, phase, source, "
            "ref, locale"
        },
    )


class ImportResult(Schema):
    dry_run = fields.Boolean(required=True)
    lines = fields.Integer(required=True, metadata={"description": "reviews in the file"})
    imported = fields.Integer(required=True, metadata={"description": "new reviews stored"})
    published = fields.Integer(required=True)
    pending = fields.Integer(required=True, metadata={"description": "held for a moderator"})
    already = fields.Integer(
        required=True, metadata={"description": "imported before (same source and reference)"}
    )
    refused = fields.List(fields.Nested(RefusedLine), required=True)
    ignored_columns = fields.List(fields.String(), required=True)
    sources = fields.List(fields.String(), required=True)
    review_ids = fields.List(fields.Integer(), required=True)


class ImportedErasure(Schema):
    status = fields.String(required=True, metadata={"enum": ["erased", "already_erased"]})
    review_id = fields.Integer(required=True)
    erased_at = Timestamp(required=True, allow_none=True)
