"""Loyalty as the API takes and gives it: the policy, a customer's account, adjustments and
redemptions."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.schemas.common import ONE_LINE, CursorQuery, StrictBoolean, Timestamp, whole_number
from app.schemas.journey import KEY, localized_text
from loyalty.codes import CODE

MAX_POINTS = 1_000_000
CODE_PATTERN = f"^{CODE.pattern}$"


def _one_line(value):
    """A text, or each text of a {locale: text} mapping, on one line without control
    characters: PostgreSQL refuses NUL, and no name needs them."""
    texts = value.values() if isinstance(value, dict) else [value]
    for text in texts:
        if isinstance(text, str):
            ONE_LINE(text)


class Reward(Schema):
    key = fields.String(required=True, validate=KEY)
    name = localized_text(120)
    points = whole_number(1, MAX_POINTS, required=True)

    @validates_schema
    def printable_name(self, data, **kwargs):
        if "name" in data:
            try:
                _one_line(data["name"])
            except ValidationError as error:
                raise ValidationError(error.messages, "name") from error


class Policy(Schema):
    """Out: the whole policy. In (PUT): any subset; fields left out keep their value."""

    enabled = StrictBoolean()
    points_per_answer = whole_number(0, 10_000)
    text_bonus = whole_number(0, 10_000)
    text_min_chars = whole_number(1, 2_000)
    review_bonus = whole_number(0, 100_000)
    daily_cap = whole_number(1, MAX_POINTS, allow_none=True)
    expiry_months = whole_number(1, 120, allow_none=True)
    rewards = fields.List(fields.Nested(Reward), validate=validate.Length(max=50))

    @validates_schema
    def unique_rewards(self, data, **kwargs):
        keys = [item["key"] for item in data.get("rewards") or []]
        if len(keys) != len(set(keys)):
            raise ValidationError("reward keys must be unique", "rewards")


class Entry(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["earn", "redeem", "expire", "clawback", "adjust"]})
    points = fields.Integer()
    balance_after = fields.Integer()
    reason = fields.String()
    note = fields.String(allow_none=True)
    reward = fields.String(allow_none=True)
    reward_name = fields.Raw(
        allow_none=True,
        metadata={
            "description": "a redemption's reward name as it was when redeemed: a text or "
            "{locale: text}; null for a reward outside the catalogue or an older entry"
        },
    )
    code = fields.String(
        allow_none=True,
        metadata={"description": "the voucher code a redemption took from the reward's pool"},
    )
    phase = fields.String(allow_none=True)
    response_id = fields.Integer(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    source_type = fields.String()
    source_id = fields.String()
    effective_at = Timestamp()
    created_at = Timestamp()


class AccountQuery(CursorQuery):
    pass


class Account(Schema):
    customer = fields.String()
    balance = fields.Integer()
    entries = fields.List(fields.Nested(Entry))
    next_cursor = fields.String(allow_none=True)
    page_url = fields.String(metadata={"description": "the customer's signed loyalty page"})


class AdjustmentIn(Schema):
    points = whole_number(-MAX_POINTS, MAX_POINTS, required=True, metadata={"not": {"enum": [0]}})
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200), ONE_LINE])

    @validates_schema
    def not_zero(self, data, **kwargs):
        if data.get("points") == 0:
            raise ValidationError("points must not be 0", "points")
        if "reason" in data and not data["reason"].strip():
            raise ValidationError("a reason is needed", "reason")


class PolicyForm(Policy):
    """The dashboard's form sends the whole policy: an emptied number is an error there, not
    "keep" (an emptied cap or expiry is none: the view clears them), and rewards are the rows
    it shows, none when every row is emptied."""

    enabled = StrictBoolean(required=True)
    points_per_answer = whole_number(0, 10_000, required=True)
    text_bonus = whole_number(0, 10_000, required=True)
    text_min_chars = whole_number(1, 2_000, required=True)
    review_bonus = whole_number(0, 100_000, required=True)
    rewards = fields.List(fields.Nested(Reward), validate=validate.Length(max=50), required=True)


class RedemptionIn(Schema):
    reward = fields.String(required=True, validate=[validate.Length(min=1, max=64), ONE_LINE])
    points = whole_number(1, MAX_POINTS, metadata={"description": "defaults to the reward's cost"})
    with_code = StrictBoolean(
        metadata={
            "description": "take a voucher code from the catalogue reward's pool (409 "
            "no_code_left when it is empty; nothing is redeemed then)"
        }
    )


class EntryOut(Entry):
    """One new entry: its balance after is `balance` here (a statement's rows say it as
    balance_after), so the document does not promise both."""

    customer = fields.String()
    balance = fields.Integer(metadata={"description": "the balance after this entry"})

    class Meta:
        exclude = ("balance_after",)


class RewardCodesIn(Schema):
    codes = fields.List(
        # the codes' own rules are loyalty.codes', which names each bad one (codes.<n>)
        fields.String(metadata={"minLength": 3, "maxLength": 64, "pattern": CODE_PATTERN}),
        required=True,
        metadata={
            "description": "the shop's voucher codes, 3-64 letters, digits, '-', '_' or '.'; "
            "at most 5,000 a request; codes the brand has already are left out"
        },
    )


class RewardCodePool(Schema):
    reward = fields.String()
    available = fields.Integer(metadata={"description": "codes not handed out yet"})
    handed_out = fields.Integer()
    low = fields.Boolean(metadata={"description": "fewer than 10 codes left"})


class RewardCodesRemoved(RewardCodePool):
    removed = fields.Integer(metadata={"description": "codes removed: those not handed out"})


class RewardCodesAdded(RewardCodePool):
    added = fields.Integer()
    duplicates = fields.Integer(
        metadata={"description": "codes left out: in this request twice, or the brand's already"}
    )
