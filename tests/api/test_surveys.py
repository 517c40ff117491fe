"""Surveys: 1-3 typed questions per phase, texts per locale, versioned once answered."""

import threading

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Question, Response, Survey
from tests.conftest import SURVEY_QUESTIONS, wait_for_lock_waits


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
    assert survey["questions"][1]["text"] == {
        "nl": "Hoe tevreden bent u?",
        "en": "How satisfied are you?",
    }
    assert api.get(f"/api/v1/surveys/{survey['id']}").json["id"] == survey["id"]
    listed = api.get("/api/v1/surveys?phase=levering").json["items"]
    assert [item["id"] for item in listed] == [survey["id"]]
    assert api.get("/api/v1/surveys?phase=aankoop").json["items"] == []


def test_a_half_translated_survey_speaks_only_its_own_language(api, journey, client, brand):
    """One question without English: English customers get the whole survey in Dutch, not
    two questions in English and one in Dutch."""
    questions = [
        {**SURVEY_QUESTIONS[0]},
        {"key": "why", "type": "text", "text": "Waarom?"},
        {
            "key": "pick",
            "type": "choice",
            "text": {"nl": "Kies", "en": "Pick"},
            "options": [
                {"key": "a", "label": {"nl": "A", "en": "A"}},
                {"key": "b", "label": {"nl": "B", "en": "B"}},
            ],
        },
    ]

    def widget_texts():
        served = client.get(
            "/w/v1/survey",
            query_string={"site_key": brand.site_key, "phase": "levering", "locale": "en"},
            headers={"Origin": "https://shop.example"},
        )
        assert served.status_code == 200, served.get_data(as_text=True)
        return served.json["locale"], [q["text"] for q in served.json["questions"]]

    half = api.post("/api/v1/surveys", json=_survey(journey, questions=questions))
    assert half.status_code == 201, half.json
    assert half.json["locales"] == ["nl"]
    assert widget_texts() == ("nl", ["Hoe waarschijnlijk…?", "Waarom?", "Kies"])
    questions[1]["text"] = {"nl": "Waarom?", "en": "Why?"}
    questions[2]["options"][1]["label"] = {"nl": "B"}  # now an option lacks English
    assert api.patch(f"/api/v1/surveys/{half.json['id']}", json={"questions": questions}).json[
        "locales"
    ] == ["nl"]
    questions[2]["options"][1]["label"]["en"] = "B"
    whole = api.patch(f"/api/v1/surveys/{half.json['id']}", json={"questions": questions})
    assert whole.json["locales"] == ["nl", "en"]
    assert widget_texts() == ("en", ["How likely…?", "Why?", "Pick"])


def test_every_text_needs_the_surveys_own_language(api, journey, survey, count_rows):
    """An English text alone on a Dutch survey would be shown to its Dutch customers."""
    english_only = {"key": "why", "type": "text", "text": {"en": "Why?"}}
    option = {
        "key": "pick",
        "type": "choice",
        "text": "Kies",
        "options": [{"key": "a", "label": "A"}, {"key": "b", "label": {"en": "B"}}],
    }
    before = (count_rows(Survey), count_rows(Question))
    response = api.post("/api/v1/surveys", json=_survey(journey, questions=[english_only, option]))
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "questions.0.text.nl",
        "questions.1.options.1.label.nl",
    }
    patched = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": [english_only]})
    assert patched.status_code == 422
    assert set(patched.json["error"]["fields"]) == {"questions.0.text.nl"}
    assert (count_rows(Survey), count_rows(Question)) == before


def test_a_survey_keeps_its_language(api, journey, count_rows):
    english = api.post(
        "/api/v1/surveys",
        json=_survey(journey, locale="en", questions=[{"key": "n", "type": "nps", "text": "?"}]),
    ).json
    plain = {"questions": [{"key": "n", "type": "nps", "text": "How likely?"}]}
    changed = api.patch(f"/api/v1/surveys/{english['id']}", json=plain)
    assert changed.json["questions"][0]["text"] == {"en": "How likely?"}  # its own language
    assert changed.json["locales"] == ["en"]
    before = (count_rows(Survey), count_rows(Question))
    refused = api.patch(f"/api/v1/surveys/{english['id']}", json={**plain, "locale": "nl"})
    assert refused.status_code == 422 and "locale" in refused.json["error"]["fields"]
    assert (count_rows(Survey), count_rows(Question)) == before


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


def test_switching_an_older_version_on_switches_the_others_off(api, survey):
    """A rollback: both versions stayed active, and new answers went to either."""
    api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}})
    url = f"/api/v1/surveys/{survey['id']}"
    newer = api.patch(url, json={"questions": [{"key": "nps", "type": "nps", "text": "Nieuw?"}]})
    assert api.patch(url, json={"active": True}).json["active"] is True
    assert api.get(f"/api/v1/surveys/{newer.json['id']}").json["active"] is False
    listed = api.get("/api/v1/surveys?active=true").json["items"]
    assert [item["id"] for item in listed] == [survey["id"]]


# --- concurrent edits --------------------------------------------------------------------------


def _edits_at_once(app, api, survey_id, texts, holding, meanwhile=None):
    """PATCH the survey's first question to each of `texts`, each from its own thread, while
    `holding` (a connection in a transaction) keeps its locks; once all of them wait on a lock,
    `meanwhile` runs, then the locks go. Returns the replies."""
    replies, errors = [], []

    def edit(wording):
        client = app.test_client()
        first = {**SURVEY_QUESTIONS[0], "text": {"nl": wording}}
        body = {"questions": [first, *SURVEY_QUESTIONS[1:]]}
        try:
            reply = client.patch(
                f"/api/v1/surveys/{survey_id}", json=body, headers=api._headers(None)
            )
            replies.append(reply)
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)

    editors = [threading.Thread(target=edit, args=(wording,)) for wording in texts]
    for editor in editors:
        editor.start()
    try:
        assert wait_for_lock_waits(db.engine, count=len(texts)), "the edits never all waited"
        if meanwhile is not None:
            meanwhile()
    finally:
        holding.rollback()
        holding.close()
        for editor in editors:
            editor.join(30)
    assert not any(editor.is_alive() for editor in editors), "an edit hung"
    assert errors == []
    return replies


def _holding(survey_id: int, *statements: str):
    """A second connection that holds the row locks `statements` take until rolled back."""
    connection = db.engine.connect()
    connection.begin()
    for statement in statements:
        connection.execute(text(statement), {"id": survey_id})
    return connection


def _family(survey) -> list[Survey]:
    db.session.expire_all()
    return db.session.scalars(
        select(Survey).where(Survey.family_id == survey["family_id"]).order_by(Survey.version)
    ).all()


@pytest.mark.postgres
def test_two_edits_of_an_answered_survey_make_two_versions_one_active(app, api, survey):
    """Both waited, then each deactivated the family as its snapshot knew it: the first's new
    version stayed active beside the second's, and ?active=true listed two."""
    api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 8}})
    db.session.commit()
    holding = _holding(survey["id"], "SELECT id FROM survey WHERE id = :id FOR UPDATE")
    replies = _edits_at_once(app, api, survey["id"], ["Versie A?", "Versie B?"], holding)
    assert sorted(reply.status_code for reply in replies) == [200, 200]
    assert sorted(reply.json["version"] for reply in replies) == [2, 3]
    family = _family(survey)
    assert [(s.version, s.active) for s in family] == [(1, False), (2, False), (3, True)]
    last = next(reply.json for reply in replies if reply.json["version"] == 3)
    assert family[2].questions[0].text == last["questions"][0]["text"]  # the later edit wins
    listed = api.get("/api/v1/surveys", query_string={"active": "true"}).json["items"]
    assert [item["version"] for item in listed] == [3]


@pytest.mark.postgres
def test_two_edits_of_an_unanswered_survey_apply_one_after_the_other(app, api, survey):
    """The second edit used to delete questions the first had already replaced (0 rows),
    then insert its own beside the first's: a 500 on question's unique (survey_id, key)."""
    db.session.commit()
    # the first edit to come holds the survey and waits at the DELETE of its questions
    holding = _holding(
        survey["id"], "SELECT id FROM question WHERE survey_id = :id ORDER BY id LIMIT 1 FOR UPDATE"
    )
    replies = _edits_at_once(app, api, survey["id"], ["Versie A?", "Versie B?"], holding)
    assert [reply.status_code for reply in replies] == [200, 200]
    family = _family(survey)
    assert [(s.id, s.version) for s in family] == [(survey["id"], 1)]  # edited in place
    assert [q.key for q in family[0].questions] == ["nps", "csat", "why"]
    assert family[0].questions[0].text["nl"] in {"Versie A?", "Versie B?"}


@pytest.mark.postgres
def test_an_answer_that_comes_while_an_edit_waits_makes_the_edit_a_new_version(app, api, survey):
    """The edit read "no answers" before it held anything: an answer stored meanwhile was
    left on a survey whose questions the edit then replaced in place, and read as an answer to
    questions it was never asked."""
    db.session.commit()
    # The survey FOR KEY SHARE (as an answer's foreign-key check takes it) and a question:
    # an edit that locks the survey waits before it looks for answers, and one that does not
    # waits after it has looked, at the DELETE of the questions. An answer waits for neither.
    holding = _holding(
        survey["id"],
        "SELECT id FROM survey WHERE id = :id FOR KEY SHARE",
        "SELECT id FROM question WHERE survey_id = :id ORDER BY id LIMIT 1 FOR UPDATE",
    )
    answered = []

    def answer():
        client = app.test_client()
        body = {"survey_id": survey["id"], "answers": {"nps": 3}}
        answered.append(client.post("/api/v1/responses", json=body, headers=api._headers(None)))

    def answer_meanwhile():
        answering = threading.Thread(target=answer)
        answering.start()
        answering.join(10)  # it does not queue behind the edit's wait for FOR UPDATE
        assert not answering.is_alive(), "the answer waited for the edit"

    replies = _edits_at_once(
        app, api, survey["id"], ["Een heel andere vraag?"], holding, answer_meanwhile
    )
    assert [reply.status_code for reply in answered] == [202]
    assert [reply.status_code for reply in replies] == [200]
    family = _family(survey)
    assert [(s.version, s.active) for s in family] == [(1, False), (2, True)]
    stored = db.session.scalars(select(Response)).one()
    assert stored.survey_id == survey["id"]
    assert family[0].questions[0].text["nl"] == "Hoe waarschijnlijk…?"  # as it was answered
    assert family[1].questions[0].text["nl"] == "Een heel andere vraag?"
