"""Control characters are refused by one definition (app.schemas.common), with one message,
wherever text comes in: one-line fields allow none of \\x00-\\x1f and \\x7f; multi-line fields
allow tab, LF and CR."""

import pytest
from marshmallow import ValidationError

from app.errors import AppError
from app.schemas.common import CONTROL_MESSAGE, LINES, ONE_LINE
from app.schemas.customer import CustomerIn, EventIn
from app.schemas.journey import JourneyCreate, PersonaIn, PhaseIn, TouchpointIn
from app.schemas.loyalty import AdjustmentIn, RedemptionIn, Reward
from app.schemas.survey import OptionIn, QuestionIn
from app.services import answers
from app.services.survey_specs import QuestionSpec, SurveySpec

REFUSED = ["\x00", "\x07", "\x1b", "\x7f"]
LINE_BREAKS = ["\t", "\n", "\r\n"]

PHASE = {"key": "orientatie", "name": "Oriëntatie"}


def _case(schema, data, path):
    return pytest.param(schema, data, path, id=f"{schema.__name__}.{'.'.join(path)}")


# (schema, a valid payload, the path of the text field in it). "{}" in a text is where the
# character under test goes.
ONE_LINE_FIELDS = [
    _case(JourneyCreate, {"name": "Bad{}kamer", "phases": [PHASE]}, ("name",)),
    _case(TouchpointIn, {"name": "Show{}room", "channel": "email"}, ("name",)),
    _case(PersonaIn, {"key": "senioren", "name": "Sen{}ioren"}, ("name",)),
    _case(CustomerIn, {"external_id": "klant{}-1"}, ("external_id",)),
    _case(
        EventIn,
        {"customer": "klant{}-1", "journey_id": 1, "phase": "orientatie"},
        ("customer",),
    ),
    _case(Reward, {"key": "korting", "name": "Kor{}ting", "points": 100}, ("name",)),
    _case(
        Reward,
        {"key": "korting", "name": {"nl": "Kor{}ting", "en": "Discount"}, "points": 100},
        ("name",),
    ),
    _case(AdjustmentIn, {"points": 10, "reason": "good{}will"}, ("reason",)),
    _case(RedemptionIn, {"reward": "kor{}ting"}, ("reward",)),
]

MULTI_LINE_FIELDS = [
    _case(
        PersonaIn,
        {"key": "senioren", "name": "Senioren", "description": "Sen{}ioren"},
        ("description",),
    ),
    _case(PhaseIn, {"key": "orientatie", "name": "Oriën{}tatie"}, ("name",)),
    _case(PhaseIn, {"key": "orientatie", "name": {"nl": "Oriën{}tatie"}}, ("name",)),
    _case(QuestionIn, {"key": "why", "type": "text", "text": "Waar{}om?"}, ("text",)),
    _case(OptionIn, {"key": "ja", "label": {"en": "Y{}es"}}, ("label",)),
]


def _with(data, character: str):
    if isinstance(data, str):
        return data.format(character)
    if isinstance(data, dict):
        return {key: _with(value, character) for key, value in data.items()}
    if isinstance(data, list):
        return [_with(value, character) for value in data]
    return data


def _errors(schema, data, path, character):
    errors = schema().validate(_with(data, character))
    for key in path:
        errors = errors.get(key, {}) if isinstance(errors, dict) else {}
    return errors


@pytest.mark.parametrize(("schema", "data", "path"), ONE_LINE_FIELDS + MULTI_LINE_FIELDS)
def test_the_payloads_are_valid_without_control_characters(schema, data, path):
    assert schema().validate(_with(data, "")) == {}


@pytest.mark.parametrize("character", REFUSED, ids=repr)
@pytest.mark.parametrize(("schema", "data", "path"), ONE_LINE_FIELDS + MULTI_LINE_FIELDS)
def test_control_characters_are_refused_with_one_message(schema, data, path, character):
    assert _errors(schema, data, path, character) == [CONTROL_MESSAGE]


@pytest.mark.parametrize("character", LINE_BREAKS, ids=repr)
@pytest.mark.parametrize(("schema", "data", "path"), ONE_LINE_FIELDS)
def test_one_line_fields_refuse_tab_and_line_breaks(schema, data, path, character):
    assert CONTROL_MESSAGE in _errors(schema, data, path, character)


@pytest.mark.parametrize("character", LINE_BREAKS, ids=repr)
@pytest.mark.parametrize(("schema", "data", "path"), MULTI_LINE_FIELDS)
def test_multi_line_fields_allow_tab_and_line_breaks(schema, data, path, character):
    assert schema().validate(_with(data, character)) == {}


def test_an_external_id_must_still_not_be_empty():
    assert CustomerIn().validate({"external_id": ""}) == {
        "external_id": ["Length must be between 1 and 128."]
    }


@pytest.mark.parametrize("character", ["", *REFUSED, *LINE_BREAKS], ids=repr)
def test_the_validators_themselves(character):
    text = f"a{character}b"
    one_line_ok = character == ""
    lines_ok = character in ("", *LINE_BREAKS)
    for validator, ok in ((ONE_LINE, one_line_ok), (LINES, lines_ok)):
        if ok:
            assert validator(text) == text
        else:
            with pytest.raises(ValidationError, match=CONTROL_MESSAGE):
                validator(text)
    assert ONE_LINE("") == "" and LINES("") == ""


# --- free-text answers (app.services.answers: not a marshmallow validator) ------------------

SURVEY = SurveySpec(
    id=1,
    brand_id=1,
    journey_id=1,
    phase_id=1,
    default_locale="nl",
    locales=("nl",),
    questions=(QuestionSpec("why", "text", required=False, choices=(), max_length=None),),
)


@pytest.mark.parametrize("character", REFUSED, ids=repr)
def test_an_answer_with_a_control_character_is_refused(character):
    with pytest.raises(AppError) as raised:
        answers.validate(SURVEY, {"why": f"Netjes{character} gemonteerd"})
    assert raised.value.code == 422
    assert raised.value.fields == {"answers.why": [CONTROL_MESSAGE]}


@pytest.mark.parametrize("character", LINE_BREAKS, ids=repr)
def test_an_answer_may_run_over_lines(character):
    text = f"Netjes{character}gemonteerd"
    assert answers.validate(SURVEY, {"why": text}) == {"why": text}
