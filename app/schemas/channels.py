"""What the collection channels take and give: widget API, invitations and survey links."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.models.invitation import CHANNELS, LINK, STATUSES
from app.schemas.common import (
    TEXT_KEY,
    CursorQuery,
    Id,
    StrictBoolean,
    Timestamp,
    TouchpointRef,
)
from app.schemas.customer import EXTERNAL_ID, order_in, order_out
from app.schemas.journey import KEY
from app.schemas.response import ReviewConsentIn
from app.services import personal_links

SITE_KEY = validate.Length(min=1, max=64)
CUSTOMER_ID = EXTERNAL_ID  # a widget's customer is the API's: the same rule


class WidgetSurveyQuery(Schema):
    """GET /w/v1/survey; unknown query parameters (cache busters) are ignored."""

    class Meta:
        unknown = EXCLUDE

    site_key = fields.String(required=True, validate=SITE_KEY)
    phase = fields.String(required=True, validate=KEY)
    locale = fields.String(validate=validate.Length(max=35))
    customer_id = fields.String(validate=CUSTOMER_ID)
    customer_sig = fields.String(validate=validate.Length(max=128))
    touchpoint = fields.String(validate=validate.Length(max=120))
    journey = Id(
        metadata={
            "description": "the journey to ask; default: the oldest with an active survey"
            " for this phase key"
        }
    )


class WidgetResponseIn(Schema):
    """POST /w/v1/responses (JSON, or JSON sent as text/plain by navigator.sendBeacon)."""

    site_key = fields.String(validate=SITE_KEY)
    survey_id = Id(required=True, strict=True)
    answers = fields.Dict(
        keys=fields.String(validate=KEY), required=True, validate=validate.Length(min=1, max=3)
    )
    locale = fields.String(validate=validate.Length(max=35))
    customer_id = fields.String(validate=CUSTOMER_ID)
    customer_sig = fields.String(validate=validate.Length(max=128))
    touchpoint = TouchpointRef()
    review = fields.Nested(ReviewConsentIn)
    idempotency_key = fields.String(validate=validate.Length(min=8, max=100))


class InvitationIn(Schema):
    customer = fields.String(required=True, validate=CUSTOMER_ID)
    survey_id = Id(required=True, strict=True)
    channel = fields.String(
        load_default="email",
        validate=validate.OneOf(CHANNELS),
        metadata={
            "description": "email: Phasewise emails the customer the first question; link: "
            "Phasewise sends nothing and answers with the customer's personal `url` (and "
            "`qr_url`), for the brand's own email or packing slip. A link needs no email "
            "address and has no reminder"
        },
    )
    locale = fields.String(validate=validate.OneOf(("nl", "en")))
    touchpoint = TouchpointRef()
    order = order_in(
        "the shop's order the invitation asks about (1-64 characters: letters, digits and "
        ". _ - / #): the answer belongs to that order and earns points for it, also when the "
        "customer earned for the same survey with another order"
    )
    # No load_default: a body without it must keep the fingerprint (Idempotency-Key) it had
    # before the field existed; the service reads a missing one as true, and leaves a true
    # one out of the fingerprint.
    remind = StrictBoolean(
        metadata={
            "default": True,
            "description": "false: no reminder for this invitation, even if its survey sends "
            "one (reminder_skip_reason left_out)",
        },
    )

    @validates_schema
    def _link_has_no_reminder(self, data, **_kwargs):
        if data.get("channel") == LINK and data.get("remind") is True:
            raise ValidationError(
                "a link invitation has no reminder: Phasewise sends it no email to remind of",
                "remind",
            )


class InvitationOut(Schema):
    id = fields.Integer()
    customer = fields.Function(
        lambda invitation: invitation.customer.external_id, metadata=TEXT_KEY
    )
    survey_id = fields.Integer()
    phase = fields.Function(lambda invitation: invitation.phase.key, metadata=TEXT_KEY)
    order = order_out(
        "the order it asks about: the journey event's that scheduled it, or the one posted; "
        "null: none"
    )
    channel = fields.String()
    locale = fields.String()
    status = fields.String(
        metadata={
            "description": "scheduled (by a journey event), queued, sent, skipped or failed; "
            "a link (channel link) is issued (its url handed to the brand) or skipped",
            "enum": list(STATUSES),
        }
    )
    skip_reason = fields.String(
        allow_none=True,
        metadata={
            "description": "unsubscribed, no_email, or the contact-budget rule: "
            "min_days_between, same_phase_days, max_per_journey; for a scheduled one also "
            "answered, survey_not_active, invite_turned_off"
        },
    )
    answered = fields.Function(
        lambda invitation: invitation.used_at is not None, metadata={"type": "boolean"}
    )
    last_error = fields.String(
        allow_none=True,
        metadata={"description": "why sending failed: the mail server's reply, when it refused"},
    )
    failure = fields.String(
        allow_none=True,
        metadata={
            "description": "why a failed one failed: refused (the server refused the address "
            "or email for good), temporary (the server was down or said later for "
            "MAIL_RETRY_HOURS), fault (the email could not be made)"
        },
    )
    created_at = Timestamp()
    queued_at = Timestamp(
        allow_none=True,
        metadata={"description": "when a scheduled one is due, or one was queued again"},
    )
    sent_at = Timestamp(allow_none=True)
    expires_at = Timestamp()
    response_id = fields.Integer(allow_none=True)
    url = fields.Function(
        lambda invitation: personal_links.urls(invitation)["url"],
        allow_none=True,
        metadata={
            "type": "string",
            "description": "channel link, issued: the customer's personal, single-use survey "
            "page, for the brand to deliver (it works until expires_at); null otherwise",
        },
    )
    qr_url = fields.Function(
        lambda invitation: personal_links.urls(invitation)["qr_url"],
        allow_none=True,
        metadata={
            "type": "string",
            "description": "channel link, issued: an SVG QR code of `url` (for a packing "
            "slip), while the link can be answered; null otherwise",
        },
    )
    remind_at = Timestamp(
        allow_none=True,
        metadata={
            "description": "when its one reminder is due (its survey's remind_after_days after "
            "sent_at, within the brand's sending hours); null once it went or was skipped"
        },
    )
    reminded_at = Timestamp(allow_none=True, metadata={"description": "when the reminder went"})
    reminder_skip_reason = fields.String(
        allow_none=True,
        metadata={
            "description": "why the reminder did not go: left_out (the invitation was made "
            "with remind false, from a list sent without it, or by `flask invitation send "
            "--no-reminder`), answered, unsubscribed, "
            "no_email, "
            "survey_not_active, reminder_turned_off, expiring (the link stops working within "
            "a day), refused (by the mail server), temporary (the mail server would not take "
            "it for MAIL_RETRY_HOURS), fault (it could not be made)"
        },
    )


class InvitationQuery(CursorQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))


class InvitationCounts(Schema):
    scheduled = fields.Integer()
    queued = fields.Integer()
    sent = fields.Integer()
    issued = fields.Integer(metadata={"description": "personal links handed to the brand"})
    skipped = fields.Integer()
    failed = fields.Integer()
    answered = fields.Integer()
    reminders_planned = fields.Integer(metadata={"description": "reminders still to go"})
    reminded = fields.Integer()
    answered_after_reminder = fields.Integer()
    skipped_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
    failed_by_reason = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "by `failure`"}
    )


class InvitationPage(Schema):
    items = fields.List(fields.Nested(InvitationOut))
    next_cursor = fields.String(allow_none=True)
    counts = fields.Nested(InvitationCounts)


class FailedAgainOut(Schema):
    queued = fields.Integer(metadata={"description": "queued again"})
    skipped = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "not queued, by reason: the contact budget or an unsubscribe"},
    )
    remaining = fields.Integer(
        metadata={"description": "failed for a temporary reason and left for another call"}
    )
    not_active = fields.Integer(
        metadata={"description": "failed for a temporary reason, of a survey not active"}
    )


class LinkIn(Schema):
    journey_id = Id(required=True, strict=True)
    phase = fields.String(required=True, validate=KEY)
    touchpoint = TouchpointRef()
    name = fields.String(validate=validate.Length(min=1, max=120))
    locale = fields.String(validate=validate.OneOf(("nl", "en")))


class LinkOut(Schema):
    id = fields.Integer()
    name = fields.String()
    journey_id = fields.Integer()
    phase = fields.String()
    touchpoint = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    active = fields.Boolean()
    url = fields.String(metadata={"description": "the hosted survey page"})
    qr_url = fields.String(metadata={"description": "an SVG QR code for the page"})
    created_at = Timestamp()


class LinkList(Schema):
    items = fields.List(fields.Nested(LinkOut))
