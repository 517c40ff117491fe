"""Shapes shared by several schemas: the error body and locale handling."""

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from app.ids import MAX_ID
from app.timestamps import iso_utc, naive_utc

SUPPORTED_LOCALES = ("nl", "en")
Locale = fields.String(validate=validate.OneOf(SUPPORTED_LOCALES))


class FullMatch(validate.Regexp):
    """validate.Regexp on the whole value. Regexp uses re.match, and a pattern's `$` also
    matches before a final newline: "levering\n" passed as a key. The pattern stays as
    written, so the OpenAPI shows it as is (ECMA-262 has no \\Z)."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


# Control characters are never text a person wrote: PostgreSQL refuses NUL in text columns, a
# feed's XML cannot carry them, and the pages and emails show the texts. Defined once, for every
# check: one-line text (names, ids, reasons) allows none of them; multi-line text (descriptions,
# questions, free-text answers) allows tab, LF and CR.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f"
CONTROL_CHARACTERS_IN_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL_MESSAGE = "control characters are not allowed"
# To search a text for one where a marshmallow validator does not fit (answers, and what our
# own forms take out before they send)
CONTROL_IN_LINES = re.compile(f"[{CONTROL_CHARACTERS_IN_LINES}]")
CONTROL_IN_LINE = re.compile(f"[{CONTROL_CHARACTERS}]")


def no_control_characters(lines: bool = False) -> FullMatch:
    """A validator refusing control characters; with lines, tab and line breaks are allowed.
    An empty string passes: a Length check says whether one may be empty."""
    characters = CONTROL_CHARACTERS_IN_LINES if lines else CONTROL_CHARACTERS
    return FullMatch(f"^[^{characters}]*$", error=CONTROL_MESSAGE)


ONE_LINE = no_control_characters()
LINES = no_control_characters(lines=True)

# Bidi embeddings, overrides and isolates reverse the text after them: a brand name holding
# U+202E read backwards on every page, in every email and its From header. The marks (LRM,
# RLM, ALM) that right-to-left names may need only place a character, and stay allowed.
NO_DIRECTION_OVERRIDES = FullMatch(
    "^[^\u202a-\u202e\u2066-\u2069]*$",
    error="direction controls (U+202A–U+202E, U+2066–U+2069) are not allowed",
)

# A name (of a brand, journey, persona or touchpoint): one line, no control characters; the
# pages, the feeds' XML and the emails show it.
NAME = validate.And(validate.Length(min=1, max=120), ONE_LINE, NO_DIRECTION_OVERRIDES)


class StrictBoolean(fields.Boolean):
    """JSON's true or false, nothing else. marshmallow's Boolean also takes 1, 0, "yes" and
    "on", and truthy={True} does not help: 1 == True. Query strings keep fields.Boolean; the
    dashboard's checkboxes are turned into true and false before loading (forms.validate)."""

    default_error_messages = {"invalid": "must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        raise self.make_error("invalid")


def whole_number(low: int, high: int, **kwargs) -> fields.Integer:
    """A JSON number without a fraction, low..high. Strict: marshmallow then refuses "14" and
    true (which Python would count as 1) as well as 1.5."""
    return fields.Integer(strict=True, validate=validate.Range(low, high), **kwargs)


class Id(fields.Integer):
    """An id given in a query string or body: a whole number a row could have (app.ids)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class TouchpointRef(fields.Raw):
    """A touchpoint of the phase, by id or by name (the services look it up in the phase)."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=lambda v: isinstance(v, int | str) and not isinstance(v, bool),
            metadata={
                "anyOf": [
                    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    {"type": "string", "minLength": 1, "maxLength": 120},
                ],
                "description": "a touchpoint of the phase, by id or by name",
            },
            **kwargs,
        )


class Timestamp(fields.DateTime):
    """A stored moment (naive UTC) as RFC 3339 with its Z (app.timestamps)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_utc(value)


class Day(fields.Date):
    """A day to filter by. Bounded, so that the day after `to` (the end of a period) and a
    period's start a year back are days too: at 9999-12-31 or 0001-01-01 they would overflow."""

    FIRST, LAST = date(1970, 1, 1), date(2999, 12, 31)

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=self.FIRST, max=self.LAST), **kwargs)


class Moment(fields.AwareDateTime):
    """A moment given with its offset, as stored: naive UTC."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=None, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return naive_utc(moment)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def normalise_locale(value: str | None, default: str | None = None) -> str | None:
    """'nl-BE' → 'nl', 'EN_gb' → 'en'; anything we do not speak → default."""
    if not value:
        return default
    base = value.replace("_", "-").split("-")[0].strip().lower()
    return base if base in SUPPORTED_LOCALES else default


# Output fields say what they may hold (enum, range, type) as metadata: the OpenAPI is what
# clients generate code from and validate against, and a dump is not validated. A
# fields.Function's value has no type of its own: TEXT_KEY says it is a string (a phase's
# key, a customer's external id).
TEXT_KEY = {"type": "string"}


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorOut(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class CursorQuery(Schema):
    cursor = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
