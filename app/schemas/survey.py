"""Surveys as the API takes and gives them."""

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from app.models.survey import QUESTION_TYPES, TEXT_MAX_LENGTH
from app.schemas.common import (
    LINES,
    NO_DIRECTION_OVERRIDES,
    ONE_LINE,
    SUPPORTED_LOCALES,
    TEXT_KEY,
    Id,
    StrictBoolean,
    Timestamp,
)
from app.schemas.journey import KEY, localized_text
from app.services import email_texts

# The types whose answer is copied to a column of the response, the one the figures count: a
# second question of such a type would be counted nowhere, so a survey has one of each at most.
SCORED_TYPES = ("nps", "csat", "ces", "emotion")


class OptionIn(Schema):
    key = fields.String(required=True, validate=KEY)
    label = localized_text(120)


class QuestionIn(Schema):
    key = fields.String(required=True, validate=KEY)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    text = localized_text(300)
    required = StrictBoolean(load_default=False)
    options = fields.List(fields.Nested(OptionIn), validate=validate.Length(min=2, max=12))
    max_length = fields.Integer(validate=validate.Range(min=1, max=TEXT_MAX_LENGTH))

    @validates_schema
    def options_for_choice(self, data, **kwargs):
        if data.get("type") == "choice" and not data.get("options"):
            raise ValidationError("a choice question needs options", "options")
        if data.get("type") != "choice" and data.get("options"):
            raise ValidationError("only choice questions take options", "options")
        keys = [option["key"] for option in data.get("options") or []]
        if len(keys) != len(set(keys)):
            raise ValidationError("option keys must be unique", "options")


def untranslated(questions: list[dict], locale: str) -> dict[str, list[str]]:
    """The texts a survey lacks in its own language, by field. A customer whose language the
    survey does not speak is asked in the survey's language, so that one must be whole."""
    message = [f"needs a text in {locale!r}, the survey's language"]

    def has(text) -> bool:  # a plain string is in the survey's language
        return isinstance(text, str) or (isinstance(text, dict) and locale in text)

    missing = {}
    for i, question in enumerate(questions):
        if not has(question.get("text")):
            missing[f"questions.{i}.text.{locale}"] = message
        for j, option in enumerate(question.get("options") or []):
            if not has(option.get("label")):
                missing[f"questions.{i}.options.{j}.label.{locale}"] = message
    return missing


def repeated_scored_types(questions: list[dict]) -> dict[str, list[str]]:
    """An error at the type of each question whose scored type an earlier question has."""
    seen, problems = set(), {}
    for i, question in enumerate(questions):
        kind = question.get("type")
        if kind in SCORED_TYPES:
            if kind in seen:
                problems[f"questions.{i}.type"] = [f"a survey has one {kind} question at most"]
            seen.add(kind)
    return problems


def invite_after_hours() -> fields.Integer:
    """A survey's `invite_after_hours`, as a create and an update take it."""
    return fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=2160),
        metadata={
            "description": "email this survey to a customer this many hours after a journey "
            "event first brings them to its phase (within the contact budget); null: off"
        },
    )


class _ScoredTypesOnce(Schema):
    """Questions of a create or an update: one of each scored type at most."""

    @validates_schema
    def scored_types_once(self, data, **kwargs):
        repeated = repeated_scored_types(data.get("questions") or [])
        if repeated:
            raise ValidationError(repeated)


def _within_the_links_life(days: int) -> None:
    """A reminder due after the link's last day but one would only ever be skipped."""
    from app.services import survey_tokens

    most = survey_tokens.invitation_days() - 2
    if days > most:
        raise ValidationError(
            f"Must be at most {most}: an invitation's link works {most + 2} days "
            "(INVITATION_TOKEN_DAYS), and a reminder comes at least a day before its end."
        )


def remind_after_days() -> fields.Integer:
    """A survey's `remind_after_days`, as a create and an update take it."""
    return fields.Integer(
        allow_none=True,
        strict=True,
        validate=[validate.Range(min=1, max=28), _within_the_links_life],
        metadata={
            "description": "remind a customer who has not answered this survey's emailed "
            "invitation, once, this many days after it was sent (within the link's "
            "INVITATION_TOKEN_DAYS); null: no reminder"
        },
    )


def _known_placeholders(text: str) -> bool:
    unknown = email_texts.unknown_placeholders(text)
    if unknown:
        known = ", ".join("{" + name + "}" for name in email_texts.PLACEHOLDERS)
        raise ValidationError(f"unknown placeholder {', '.join(unknown)}: use {known}")
    return True


# A subject goes into a header: one line (no CR or LF, so no header can be added), and short
# enough for an inbox's list to show it. An opening is a paragraph; it may break lines.
SUBJECT_MAX, INTRO_MAX = 150, 1000
_SUBJECT = validate.And(
    validate.Length(max=SUBJECT_MAX), ONE_LINE, NO_DIRECTION_OVERRIDES, _known_placeholders
)
_INTRO = validate.And(
    validate.Length(max=INTRO_MAX), LINES, NO_DIRECTION_OVERRIDES, _known_placeholders
)
PLACEHOLDER_TEXT = (
    "plain text (HTML is shown as written); may name {first_name}, {brand} and {phase}; "
    "without a known first name, {first_name} is left out with the space before it, or at the "
    "start of a line with the comma after it; empty or null: Phasewise's own"
)


class EmailTextsOfLocale(Schema):
    """A survey's own words for its emails in one language."""

    subject = fields.String(
        allow_none=True,
        validate=_SUBJECT,
        metadata={
            "description": f"the invitation's subject, one line, ≤ {SUBJECT_MAX}; "
            + PLACEHOLDER_TEXT
        },
    )
    intro = fields.String(
        allow_none=True,
        validate=_INTRO,
        metadata={
            "description": f"the invitation's opening paragraph, ≤ {INTRO_MAX}; " + PLACEHOLDER_TEXT
        },
    )
    reminder_subject = fields.String(
        allow_none=True,
        validate=_SUBJECT,
        metadata={"description": "the reminder's subject; " + PLACEHOLDER_TEXT},
    )
    reminder_intro = fields.String(
        allow_none=True,
        validate=_INTRO,
        metadata={"description": "the reminder's opening paragraph; " + PLACEHOLDER_TEXT},
    )


class EmailTexts(Schema):
    """Per language; the whole object replaces the one stored."""

    nl = fields.Nested(EmailTextsOfLocale, allow_none=True)
    en = fields.Nested(EmailTextsOfLocale, allow_none=True)

    @post_load
    def without_blanks(self, data, **kwargs):
        """Only texts with words in them, trimmed; none at all is None (Phasewise's texts)."""
        kept = {}
        for locale, own in data.items():
            words = {kind: text.strip() for kind, text in (own or {}).items() if text}
            words = {kind: text for kind, text in words.items() if text}
            if words:
                kept[locale] = words
        return kept or None


def email_texts_field() -> fields.Nested:
    return fields.Nested(
        EmailTexts,
        allow_none=True,
        metadata={
            "description": "the survey's own subject and opening of its invitation and its "
            "reminder, per language (nl, en); a text left out is Phasewise's; the whole "
            "object replaces the one stored, null takes them all away"
        },
    )


class SurveyCreate(_ScoredTypesOnce):
    journey_id = Id(required=True)
    phase = fields.String(required=True, validate=KEY)
    name = fields.String(validate=validate.Length(max=120))
    locale = fields.String(load_default="nl", validate=validate.OneOf(SUPPORTED_LOCALES))
    active = StrictBoolean(load_default=True)
    questions = fields.List(
        fields.Nested(QuestionIn), required=True, validate=validate.Length(min=1, max=3)
    )
    invite_after_hours = invite_after_hours()
    remind_after_days = remind_after_days()
    email_texts = email_texts_field()

    @validates_schema
    def unique_keys(self, data, **kwargs):
        keys = [question["key"] for question in data.get("questions", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("question keys must be unique", "questions")

    @validates_schema
    def texts_in_locale(self, data, **kwargs):
        if "questions" in data and "locale" in data:
            missing = untranslated(data["questions"], data["locale"])
            if missing:
                raise ValidationError(missing)


class SurveyUpdate(_ScoredTypesOnce):
    name = fields.String(validate=validate.Length(max=120))
    active = StrictBoolean()
    invite_after_hours = invite_after_hours()
    remind_after_days = remind_after_days()
    email_texts = email_texts_field()
    questions = fields.List(fields.Nested(QuestionIn), validate=validate.Length(min=1, max=3))
    # The language of plain-string texts; the survey's own when left out.
    locale = fields.String(validate=validate.OneOf(SUPPORTED_LOCALES))


class OptionOut(Schema):
    key = fields.String()
    label = fields.Dict()


class QuestionOut(Schema):
    key = fields.String()
    type = fields.String(metadata={"enum": list(QUESTION_TYPES)})
    text = fields.Dict()
    required = fields.Boolean()
    options = fields.List(fields.Nested(OptionOut), allow_none=True)
    max_length = fields.Integer(allow_none=True)


class SurveyOut(Schema):
    id = fields.Integer()
    journey_id = fields.Integer()
    phase = fields.Function(lambda survey: survey.phase.key, metadata=TEXT_KEY)
    name = fields.String(allow_none=True)
    locales = fields.List(fields.String())
    default_locale = fields.String()
    version = fields.Integer()
    family_id = fields.Integer()
    active = fields.Boolean()
    invite_after_hours = fields.Integer(allow_none=True)
    remind_after_days = fields.Integer(allow_none=True)
    email_texts = fields.Nested(
        EmailTexts,
        allow_none=True,
        metadata={"description": "its own email texts per language; null: Phasewise's"},
    )
    created_at = Timestamp()
    questions = fields.List(fields.Nested(QuestionOut))


class SurveyList(Schema):
    items = fields.List(fields.Nested(SurveyOut))


class SurveyQuery(Schema):
    journey_id = Id()
    phase = fields.String(validate=KEY)
    active = fields.Boolean()
