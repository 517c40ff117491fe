"""A brand's profile (name, colour, form of address) as the API and the dashboard take it."""

from marshmallow import Schema, fields

from app.schemas.common import NAME, FullMatch, StrictBoolean, Timestamp

COLOUR = FullMatch(r"^#[0-9a-fA-F]{6}$", error="must be a colour like #0b6e4f")


class BrandProfileIn(Schema):
    """Fields left out keep their value."""

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


class BrandProfileForm(BrandProfileIn):
    """The dashboard's form sends all three: an emptied name is an error there, not "keep"."""

    name = fields.String(required=True, validate=NAME)


class BrandOut(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String(metadata={"description": "in public URLs; fixed"})
    default_locale = fields.String()
    locales = fields.List(fields.String())
    primary_color = fields.String()
    formal_address = fields.Boolean(
        metadata={"description": 'Dutch texts say "u" to customers (true) or "je" (false)'}
    )
    site_key = fields.String(metadata={"description": "the widget's public key"})
    allowed_origins = fields.List(fields.String())
    created_at = Timestamp()
