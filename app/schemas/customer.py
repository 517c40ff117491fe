"""Customers and journey events as the API takes and gives them."""

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.models.base import utcnow
from app.schemas.common import (
    NO_DIRECTION_OVERRIDES,
    ONE_LINE,
    SUPPORTED_LOCALES,
    TEXT_KEY,
    FullMatch,
    Id,
    Moment,
    Timestamp,
)
from app.schemas.journey import KEY


class Money(fields.Decimal):
    """A customer's value in euros, to the cent. The bounds are restated as numbers for the
    OpenAPI: from the Range alone apispec writes them as the strings "0.00" and "…00"."""

    def __init__(self):
        super().__init__(
            places=2,
            validate=validate.Range(min=0, max=10**9),
            allow_none=True,
            as_string=False,
            metadata={"minimum": 0, "maximum": 10**9},
        )


EXTERNAL_ID = validate.And(
    validate.Length(min=1, max=128),  # not empty
    ONE_LINE,
    # Erasure names its tombstones so (models.customer.TOMBSTONE_PREFIX); retention strips
    # whatever is linked to one, so no live customer may look like one.
    FullMatch(r"^(?!(?i:erased-)).*$", error="ids starting with erased- are reserved"),
)


# The shop's order number as it prints it: "1001", "NL-2026-0042", "2026/17". Letters and
# digits first (never a blank or a lone dash), then those and . _ - / #; no spaces.
ORDER_REF = validate.And(
    validate.Length(min=1, max=64),
    FullMatch(
        r"^[A-Za-z0-9][A-Za-z0-9._/#-]*$",
        error="letters, digits and . _ - / # only, starting with a letter or digit",
    ),
)
ORDER_TEXT = (
    "the shop's order reference (1-64 characters: letters, digits and . _ - / #, starting "
    "with a letter or digit). A customer's first event of a phase for an order schedules the "
    "phase's invitation on reach again, and an answer for an order earns points again"
)


def order_in(description: str = ORDER_TEXT) -> fields.String:
    """The API's optional "order", loaded as "order" (a body without it keeps the
    Idempotency-Key fingerprint it had before the field existed)."""
    return fields.String(validate=ORDER_REF, metadata={"description": description})


def order_out(description: str) -> fields.String:
    """A row's order_ref, given as "order"."""
    return fields.String(
        attribute="order_ref",
        data_key="order",
        allow_none=True,
        metadata={"description": description},
    )


FIRST_NAME_TEXT = (
    "what invitations greet the customer by (a survey's email texts' {first_name}); one line, "
    "at most 100 characters; null or empty: not known"
)


class CustomerIn(Schema):
    external_id = fields.String(required=True, validate=EXTERNAL_ID)
    email = fields.Email(validate=validate.Length(max=254), allow_none=True)
    # It goes into a Subject header and every email's greeting: one line, shown as given.
    first_name = fields.String(
        allow_none=True,
        validate=validate.And(validate.Length(max=100), ONE_LINE, NO_DIRECTION_OVERRIDES),
        metadata={"description": FIRST_NAME_TEXT},
    )
    persona = fields.String(validate=KEY, allow_none=True)
    locale = fields.String(validate=validate.OneOf(SUPPORTED_LOCALES), allow_none=True)
    value = Money()

    @pre_load
    def trim_email(self, data, **kwargs):
        # people paste addresses with spaces around them; the address itself is still valid
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].strip() or None}
        # " Anna " is Anna; an empty cell or string is a name not known
        if isinstance(data, dict) and isinstance(data.get("first_name"), str):
            data = {**data, "first_name": data["first_name"].strip() or None}
        return data


class ListedCustomer(CustomerIn):
    """A line of a list of customers to invite (services.invitation_lists): the external id
    may be left out, and then the address names the customer, so it must do as an id too."""

    external_id = fields.String(validate=EXTERNAL_ID)

    @validates_schema
    def names_a_customer(self, data, **kwargs):
        if data.get("external_id"):
            return
        if not data.get("email"):
            raise ValidationError("give an email address or an external id", "email")
        try:
            EXTERNAL_ID(data["email"])
        except ValidationError as error:
            raise ValidationError(
                "this address cannot name a customer; add an external_id column", "email"
            ) from error


class CustomerOut(Schema):
    id = fields.Integer()
    external_id = fields.String()
    email = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True, metadata={"description": FIRST_NAME_TEXT})
    persona = fields.Function(
        lambda customer: customer.persona.key if customer.persona else None,
        allow_none=True,
        metadata=TEXT_KEY,
    )
    locale = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()


# A day of slack for clocks and time zones; past dates stay allowed (imports of history).
FUTURE_SLACK = timedelta(days=1)


def not_in_future(moment) -> None:
    """A future event would count as reached now and skew every dwell time after it."""
    if moment > utcnow() + FUTURE_SLACK:
        raise ValidationError("must not be more than 1 day in the future")


class EventIn(Schema):
    customer = fields.String(required=True, validate=EXTERNAL_ID)
    journey_id = Id(required=True)
    phase = fields.String(required=True, validate=KEY)
    occurred_at = Moment(validate=not_in_future)
    value = Money()
    order = order_in()


class EventOut(Schema):
    id = fields.Integer()
    customer = fields.Function(lambda event: event.customer.external_id, metadata=TEXT_KEY)
    journey_id = fields.Integer()
    phase = fields.Function(lambda event: event.phase.key, metadata=TEXT_KEY)
    occurred_at = Timestamp()
    value = fields.Float(allow_none=True)
    order = order_out("the order the event is about, as posted; null: none")
    first_time = fields.Boolean()


# A batch (services.batches): items checked each as one at a time would be. On the field,
# BATCH_SIZE also gives the OpenAPI its minItems and maxItems.
BATCH_MAX = 1000
BATCH_SIZE = validate.Length(min=1, max=BATCH_MAX, error=f"give 1-{BATCH_MAX} items")


class BatchIn(Schema):
    """{"items": [...]}, of 1 to BATCH_MAX items."""

    @pre_load
    def not_too_many(self, data, **kwargs):
        # Counted before the items are read: marshmallow checks a list's length only after
        # loading every item, and 1 MB of "{}," is 330,000 items (seconds of a worker, and an
        # error of three messages each).
        items = data.get("items") if isinstance(data, dict) else None
        if isinstance(items, list):
            try:
                BATCH_SIZE(items)
            except ValidationError as error:
                raise ValidationError(error.messages, "items") from None
        return data


class CustomerBatchIn(BatchIn):
    items = fields.List(fields.Nested(CustomerIn), required=True, validate=BATCH_SIZE)


class CustomerBatchOut(Schema):
    received = fields.Integer()
    created = fields.Integer(metadata={"description": "customers new to the brand"})
    updated = fields.Integer()


class EventBatchItem(EventIn):
    idempotency_key = fields.String(
        validate=validate.Length(min=1, max=128),
        metadata={
            "description": "the event's own key: an event stored under it before (by a batch "
            "or an Idempotency-Key header) is left out and listed in `repeated`"
        },
    )


class EventBatchIn(BatchIn):
    items = fields.List(fields.Nested(EventBatchItem), required=True, validate=BATCH_SIZE)


class EventBatchResult(Schema):
    id = fields.Integer(metadata={"description": "the event's id"})
    first_time = fields.Boolean(
        allow_none=True, metadata={"description": "its first reach of the phase, as stored"}
    )
    repeated = fields.Boolean(metadata={"description": "stored before under its key"})


class EventBatchOut(Schema):
    received = fields.Integer()
    recorded = fields.Integer(metadata={"description": "events stored by this request"})
    first_time = fields.Integer(metadata={"description": "of them, first reaches of a phase"})
    repeated = fields.List(
        fields.Integer(), metadata={"description": "indexes of items stored before"}
    )
    items = fields.List(
        fields.Nested(EventBatchResult),
        metadata={
            "description": "per item, in order: the event it stored, or the one its key "
            "stored before (a retried batch learns what its first try stored)"
        },
    )
