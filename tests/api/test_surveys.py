"""Surveys: 1-3 typed questions per phase, texts per locale, versioned once answered."""

from app.models import Question, Survey
from tests.conftest import SURVEY_QUESTIONS


def _survey(journey, **changes):
    return {
        "journey_id": journey["id"],
        "phase": "levering",
        "locale": "nl",
        "questions": SURVEY_QUESTIONS,
        **changes,
    }


def test_create_survey_with_texts_per_locale(api, survey):
    assert survey["phase"] == "levering"
    assert survey["version"] == 1 and survey["active"] is True
    assert survey["locales"] == ["nl", "en"]
    assert [q["type"] for q in survey["questions"]] == ["nps", "csat", "text"]
    assert survey["questions"][1]["text"] == {"nl": "Hoe tevreden bent u?"}
    assert api.get(f"/api/v1/surveys/{survey['id']}").json["id"] == survey["id"]
    listed = api.get("/api/v1/surveys?phase=levering").json["items"]
    assert [item["id"] for item in listed] == [survey["id"]]
    assert api.get("/api/v1/surveys?phase=aankoop").json["items"] == []


def test_choice_and_emotion_questions(api, journey):
    body = _survey(
        journey,
        questions=[
            {
                "key": "why",
                "type": "choice",
                "text": "Waarom?",
                "options": [
                    {"key": "price", "label": "Prijs"},
                    {"key": "speed", "label": "Snelheid"},
                ],
            },
            {"key": "feel", "type": "emotion", "text": {"nl": "Gevoel?", "en": "Feeling?"}},
        ],
    )
    response = api.post("/api/v1/surveys", json=body)
    assert response.status_code == 201, response.json
    assert response.json["questions"][0]["options"][1] == {
        "key": "speed",
        "label": {"nl": "Snelheid"},
    }


def test_bad_surveys_are_422_and_store_nothing(api, journey, count_rows):
    nps = {"key": "n", "type": "nps", "text": "x"}
    bad = [
        _survey(journey, questions=[]),
        _survey(
            journey, questions=[nps, {**nps, "key": "a"}, {**nps, "key": "b"}, {**nps, "key": "c"}]
        ),
        _survey(journey, questions=[nps, nps]),
        _survey(journey, questions=[{**nps, "type": "stars"}]),
        _survey(journey, questions=[{"key": "c", "type": "choice", "text": "x"}]),
        _survey(
            journey,
            questions=[
                {**nps, "options": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}
            ],
        ),
        _survey(journey, questions=[{**nps, "text": ""}]),
        _survey(journey, locale="fr"),
        _survey(journey, journey_id="one"),
        {"phase": "levering", "questions": [nps]},
    ]
    for body in bad:
        response = api.post("/api/v1/surveys", json=body)
        assert response.status_code == 422, body
        assert response.json["error"]["fields"]
    assert api.post("/api/v1/surveys", json=_survey(journey, phase="nope")).status_code == 404
    assert count_rows(Survey) == count_rows(Question) == 0


def test_survey_for_another_brands_journey_is_404(api, other_brand, count_rows):
    body = {
        "journey_id": other_brand["journey_id"],
        "phase": "levering",
        "questions": SURVEY_QUESTIONS,
    }
    assert api.post("/api/v1/surveys", json=body).status_code == 404
    assert api.get(f"/api/v1/surveys/{other_brand['survey_id']}").status_code == 404
    assert count_rows(Survey) == 1  # only the other brand's own


def test_survey_without_answers_is_edited_in_place(api, survey):
    changed = api.patch(
        f"/api/v1/surveys/{survey['id']}",
        json={"questions": [{"key": "nps", "type": "nps", "text": "Nieuw?"}]},
    )
    assert changed.status_code == 200
    assert changed.json["id"] == survey["id"] and changed.json["version"] == 1


def test_survey_with_answers_gets_a_new_version(api, survey, count_rows):
    api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}})
    changed = api.patch(
        f"/api/v1/surveys/{survey['id']}",
        json={"questions": [{"key": "nps", "type": "nps", "text": "Nieuw?"}]},
    )
    assert changed.status_code == 200
    assert changed.json["id"] != survey["id"]
    assert changed.json["version"] == 2 and changed.json["family_id"] == survey["id"]
    old = api.get(f"/api/v1/surveys/{survey['id']}").json
    assert old["active"] is False
    assert [q["key"] for q in old["questions"]] == ["nps", "csat", "why"]  # untouched
    assert count_rows(Survey) == 2
