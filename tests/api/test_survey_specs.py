"""Intake validates against a held copy of the survey: it must never outlive a change."""

from app.models import Response
from app.services import survey_specs
from tests.channels.helpers import assert_error
from tests.conftest import SURVEY_QUESTIONS

NEW_QUESTIONS = [{"key": "ces", "type": "ces", "text": "Hoeveel moeite?", "required": True}]


def post(api, survey_id, answers):
    return api.post("/api/v1/responses", json={"survey_id": survey_id, "answers": answers})


def test_an_edit_of_an_unanswered_survey_counts_at_once(api, survey, count_rows):
    assert post(api, survey["id"], {"nps": 99}).status_code == 422  # the copy is held now
    edited = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": NEW_QUESTIONS})
    assert edited.status_code == 200, edited.json
    assert edited.json["id"] == survey["id"]  # unanswered: changed in place, same id

    assert "answers.nps" in assert_error(post(api, survey["id"], {"nps": 9}), 422)["fields"]
    assert post(api, survey["id"], {"ces": 2}).status_code == 202
    assert count_rows(Response) == 1


def test_an_answered_survey_edit_is_a_new_version_and_the_old_still_validates(api, survey):
    assert post(api, survey["id"], {"nps": 9}).status_code == 202
    edited = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": NEW_QUESTIONS})
    assert edited.json["id"] != survey["id"]
    assert post(api, survey["id"], {"nps": 8}).status_code == 202  # links already sent still work
    assert post(api, edited.json["id"], {"ces": 3}).status_code == 202
    assert post(api, edited.json["id"], {"nps": 3}).status_code == 422


def test_a_held_copy_expires(app, db, api, survey, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(survey_specs.time, "monotonic", lambda: clock[0])
    assert post(api, survey["id"], {"nps": 9}).status_code == 202
    spec = survey_specs.get(_brand(db), survey["id"])
    assert [q.key for q in spec.questions] == [q["key"] for q in SURVEY_QUESTIONS]

    # Another process changed the questions (simulated behind the ORM's back).
    db.session.execute(db.text("DELETE FROM question WHERE key = 'csat'"))
    db.session.commit()
    assert survey_specs.get(_brand(db), survey["id"]).question("csat") is not None

    clock[0] += app.config["SURVEY_SPEC_SECONDS"] + 1
    assert survey_specs.get(_brand(db), survey["id"]).question("csat") is None


def test_a_held_copy_never_stores_an_answer_against_other_questions(api, db, survey, count_rows):
    """Another process edited the unanswered survey in place while this one held the old
    questions: the answer was validated by those and stored against the new ones (for up to
    SURVEY_SPEC_SECONDS; and in any process, when the edit committed during the INSERT)."""
    assert post(api, survey["id"], {"nps": 99}).status_code == 422  # the copy is held now
    # The other process's edit, behind this one's ORM: "why" becomes "reason".
    db.session.execute(db.text("UPDATE question SET key = 'reason' WHERE key = 'why'"))
    db.session.execute(db.text("UPDATE survey SET revision = revision + 1"))
    db.session.commit()
    assert survey_specs.get(_brand(db), survey["id"]).question("why") is not None  # stale
    refused = post(api, survey["id"], {"nps": 9, "why": "Te laat"})
    assert "answers.why" in assert_error(refused, 422)["fields"]  # checked again, afresh
    assert post(api, survey["id"], {"nps": 9, "reason": "Te laat"}).status_code == 202
    assert count_rows(Response) == 1


def test_another_brands_survey_is_404_even_when_held(api, other_brand, survey):
    from tests.conftest import ApiClient

    theirs = ApiClient(api.client, other_brand["key"])
    assert post(theirs, other_brand["survey_id"], {"nps": 9}).status_code == 202  # held now
    assert_error(post(api, other_brand["survey_id"], {"nps": 9}), 404)


def _brand(db):
    from app.models import Brand

    return db.session.scalar(db.select(Brand.id).where(Brand.slug == "testbad"))
