"""A brand's profile as the API and the dashboard take it: name, colour, form of address, the
contact budget and the review policy."""

from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app import timestamps
from app.schemas.common import (
    LINES,
    NAME,
    SUPPORTED_LOCALES,
    FullMatch,
    StrictBoolean,
    Timestamp,
    whole_number,
)
from app.schemas.journey import KEY
from app.services.review_public import ITEM_TYPES
from app.services.reviews import POLICY_MODES, UNVERIFIED_MODES

COLOUR = FullMatch(r"^#[0-9a-fA-F]{6}$", error="must be a colour like #0b6e4f")
TIME_ZONE_TEXT = (
    "the IANA time zone of the brand's days, e.g. Europe/Amsterdam: the days customers read "
    "(review dates, the last day an invitation's link works, the loyalty page) and the days "
    "the dashboard, /stats, the exports and the weekly report count by"
)


REPLY_TO_TEXT = (
    "where customers' replies to invitations and review notices go (Reply-To), e.g. "
    "klantenservice@example.nl; null: no Reply-To on invitations, REVIEWS_REPLY_TO on notices"
)


DEFAULT_LOCALE_TEXT = (
    "the brand's own language (nl or en): the one its review pages and badge open in, a plain "
    "phase name is stored in, and the dashboard names phases in; customers who ask for the "
    "other still get it"
)
PRIVACY_URL_TEXT = (
    "the brand's privacy statement (http or https), linked in the widget, on the hosted survey, "
    "unsubscribe, loyalty and review pages and in invitations; null: no link"
)


LOGO_URL_TEXT = (
    "the brand's logo (an https URL of an image on the brand's own site), shown at the top of "
    "invitations and reminders, at most 200 x 60 pixels, its alt text the brand's name; the "
    "customer's mail program fetches it from that host when the email is opened; null: the "
    "brand's name instead"
)


def _no_credentials(url: str) -> bool:
    # "https://user:secret@host/logo.png" would hand the password to every customer
    if urlsplit(url).username is not None:
        raise validate.ValidationError("must not hold a user name or password")
    return True


def _ascii_before_at(address: str) -> bool:
    # Unicode before the @ has no ASCII form: a Reply-To with it arrives as encoded words,
    # which no mail program answers. (A Unicode domain is stored in its ASCII form.)
    if not address.rpartition("@")[0].isascii():
        raise validate.ValidationError("write the part before the @ in ASCII letters")
    return True


def _known_zone(name: str) -> bool:
    if name not in timestamps.zone_names():
        raise validate.ValidationError("must be an IANA time zone, like Europe/Amsterdam")
    return True


def _days(description: str) -> fields.Integer:
    return whole_number(0, 3650, metadata={"description": description})


class ContactPolicy(Schema):
    """How often one customer may be asked (docs/channels.md, "Contact budget"); 0 is off."""

    min_days_between = _days("no two asks of one customer within N days, whatever the phase")
    max_per_journey = whole_number(
        0, 100, metadata={"description": "at most M asks per customer per journey"}
    )
    same_phase_days = _days("never the same phase twice within K days")


class ReviewedItem(Schema):
    """What the reviews are about, for structured data (docs/reviews.md)."""

    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    name = fields.String(required=True, validate=NAME)
    description = fields.String(validate=validate.And(validate.Length(max=500), LINES))
    url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=500))


class ReviewPolicy(Schema):
    """Publish consented reviews at once or hold them for a moderator, per phase key; hold
    unverified ones whatever the phase says."""

    publish = fields.String(validate=validate.OneOf(POLICY_MODES))
    phases = fields.Dict(
        keys=fields.String(validate=KEY),
        values=fields.String(validate=validate.OneOf(POLICY_MODES)),
        validate=validate.Length(max=100),
        metadata={"description": "a phase key's own mode; the whole map replaces the old one"},
    )
    item = fields.Nested(ReviewedItem, allow_none=True)
    unverified = fields.String(
        validate=validate.OneOf(UNVERIFIED_MODES),
        metadata={
            "description": "reviews without a journey event or personal invitation: "
            "follow_phase (the default) publishes them as their phase's mode says; moderate "
            "holds every one for a moderator"
        },
    )


SEND_HOURS_TEXT = (
    "invitations a journey event schedules, and reminders, go out from send_from_hour to "
    "send_until_hour o'clock of the brand's day (time_zone), the next morning if need be; "
    "set both (0-23 and 1-24, from before until) or both null: any hour"
)


class BrandProfileIn(Schema):
    """Fields left out keep their value; so do rules left out of contact_policy and
    review_policy."""

    name = fields.String(
        validate=NAME,
        metadata={"description": "shown to customers in the widget, mails and review pages"},
    )
    primary_color = fields.String(
        validate=COLOUR,
        metadata={"description": "buttons in the widget, hosted pages and mails (#rrggbb)"},
    )
    formal_address = StrictBoolean(
        metadata={"description": 'Dutch texts say "u" to customers (true) or "je" (false)'}
    )
    default_locale = fields.String(
        validate=validate.OneOf(SUPPORTED_LOCALES),
        metadata={"description": DEFAULT_LOCALE_TEXT},
    )
    time_zone = fields.String(validate=_known_zone, metadata={"description": TIME_ZONE_TEXT})
    reply_to = fields.Email(
        allow_none=True,
        validate=[validate.Length(max=254), _ascii_before_at],
        metadata={"description": REPLY_TO_TEXT},
    )
    privacy_url = fields.Url(
        schemes={"http", "https"},
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": PRIVACY_URL_TEXT},
    )
    # https only: an http image in an email is mixed content, which webmail blocks or flags
    logo_url = fields.Url(
        schemes={"https"},
        allow_none=True,
        validate=[validate.Length(max=500), _no_credentials],
        metadata={"description": LOGO_URL_TEXT},
    )
    contact_policy = fields.Nested(ContactPolicy)
    review_policy = fields.Nested(ReviewPolicy)
    send_from_hour = whole_number(0, 23, allow_none=True, metadata={"description": SEND_HOURS_TEXT})
    send_until_hour = whole_number(
        1, 24, allow_none=True, metadata={"description": SEND_HOURS_TEXT}
    )

    @validates_schema
    def send_hours_together(self, data, **kwargs):
        pair = ("send_from_hour", "send_until_hour")
        both = "give both sending hours, or neither"
        given = [name for name in pair if name in data]
        if len(given) == 1:
            missing = pair[1] if given == [pair[0]] else pair[0]
            raise ValidationError(both, missing)
        if not given:
            return
        first, until = data["send_from_hour"], data["send_until_hour"]
        if (first is None) != (until is None):
            raise ValidationError(both, pair[0 if first is None else 1])
        if first is not None and first >= until:
            raise ValidationError("must be later than the first sending hour", "send_until_hour")


class BrandProfileForm(BrandProfileIn):
    """The dashboard's form sends all three: an emptied name is an error there, not "keep"."""

    name = fields.String(required=True, validate=NAME)


class BrandOut(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String(metadata={"description": "in public URLs; fixed"})
    default_locale = fields.String(metadata={"description": DEFAULT_LOCALE_TEXT})
    locales = fields.List(fields.String())
    primary_color = fields.String()
    formal_address = fields.Boolean(
        metadata={"description": 'Dutch texts say "u" to customers (true) or "je" (false)'}
    )
    time_zone = fields.String(metadata={"description": TIME_ZONE_TEXT})
    reply_to = fields.String(allow_none=True, metadata={"description": REPLY_TO_TEXT})
    privacy_url = fields.String(allow_none=True, metadata={"description": PRIVACY_URL_TEXT})
    logo_url = fields.String(allow_none=True, metadata={"description": LOGO_URL_TEXT})
    send_from_hour = fields.Integer(allow_none=True, metadata={"description": SEND_HOURS_TEXT})
    send_until_hour = fields.Integer(allow_none=True, metadata={"description": SEND_HOURS_TEXT})
    contact_policy = fields.Nested(ContactPolicy, metadata={"description": "as applied: 0 is off"})
    review_policy = fields.Nested(ReviewPolicy)
    site_key = fields.String(metadata={"description": "the widget's public key"})
    allowed_origins = fields.List(fields.String())
    created_at = Timestamp()


class IdentitySecretOut(Schema):
    identity_secret = fields.String(metadata={"description": "sign customer ids with this now"})
    previous_valid_until = Timestamp(
        metadata={"description": "the secret it replaced still verifies until then"}
    )
