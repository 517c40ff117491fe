"""A survey asks each scored type (nps, csat, ces, emotion) once: each answer of such a type is
counted in one figure of the phase, so a second question of that type would be counted nowhere."""

import pytest

from app.models import Journey, Question, Survey

TEXT = {"nl": "Vraag?", "en": "Question?"}


def _question(key, kind, **extra):
    return {"key": key, "type": kind, "text": TEXT, **extra}


def _options():
    return {"options": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}


def _survey(journey, questions):
    return {"journey_id": journey["id"], "phase": "aankoop", "locale": "nl", "questions": questions}


@pytest.mark.parametrize("kind", ["nps", "csat", "ces", "emotion"])
def test_a_second_question_of_a_scored_type_is_422_and_stores_nothing(
    api, journey, count_rows, kind
):
    questions = [_question("first", kind), _question("why", "text"), _question("second", kind)]
    response = api.post("/api/v1/surveys", json=_survey(journey, questions))
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {
        "questions.2.type": [f"a survey has one {kind} question at most"]
    }
    assert count_rows(Survey) == count_rows(Question) == 0


def test_choice_and_text_questions_may_repeat(api, journey):
    questions = [
        _question("what", "choice", **_options()),
        _question("where", "choice", **_options()),
        _question("why", "text"),
    ]
    assert api.post("/api/v1/surveys", json=_survey(journey, questions)).status_code == 201
    questions = [_question("nps", "nps"), _question("good", "text"), _question("bad", "text")]
    assert api.post("/api/v1/surveys", json=_survey(journey, questions)).status_code == 201


def test_an_edit_to_two_nps_questions_is_422_and_changes_nothing(api, survey):
    questions = [_question("nps", "nps"), _question("nps_fitter", "nps")]
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": questions})
    assert response.status_code == 422, response.json
    assert "questions.1.type" in response.json["error"]["fields"]
    shown = api.get(f"/api/v1/surveys/{survey['id']}").json
    assert [q["type"] for q in shown["questions"]] == ["nps", "csat", "text"]


def test_an_import_with_two_csat_questions_is_422_and_stores_nothing(
    api, journey, survey, count_rows
):
    document = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    document["surveys"][0]["questions"][2] = _question("csat_fitter", "csat")
    response = api.post("/api/v1/journeys/import", json=document)
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {
        "surveys.0.questions.2.type": ["a survey has one csat question at most"]
    }
    assert count_rows(Journey) == count_rows(Survey) == 1
