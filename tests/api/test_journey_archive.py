"""Archiving, restoring and deleting a journey through the API: it stops asking, keeps its
history, and leaves the other journeys as they were."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invitation, Journey, Phase, Question, Review, Survey, SurveyLink
from tests.channels.helpers import assert_error, link_path, widget_survey
from tests.conftest import JOURNEY, new_survey


def archive(api, journey_id, status=200):
    answer = api.post(f"/api/v1/journeys/{journey_id}/archive")
    assert answer.status_code == status, answer.json
    return answer.json


def unarchive(api, journey_id, status=200):
    answer = api.post(f"/api/v1/journeys/{journey_id}/unarchive")
    assert answer.status_code == status, answer.json
    return answer.json


def active(survey_id) -> bool:
    db.session.expire_all()
    return db.session.get(Survey, survey_id).active


def copy_of(api, journey_id) -> dict:
    """The "Badkamer (2)" an import of the journey's own export makes."""
    document = api.get(f"/api/v1/journeys/{journey_id}/export").json
    created = api.post("/api/v1/journeys/import", json=document)
    assert created.status_code == 201, created.json
    return created.json


@pytest.fixture
def site(brand, survey):
    return {"site_key": brand.site_key, "survey_id": survey["id"]}


def test_an_archived_journey_says_so_and_its_surveys_ask_nobody(api, journey, survey):
    assert journey["archived"] is False and journey["archived_at"] is None
    archived = archive(api, journey["id"])
    assert archived["archived"] is True and archived["archived_at"].endswith("Z")
    assert not active(survey["id"])
    assert api.get(f"/api/v1/journeys/{journey['id']}").json["archived"] is True
    listed = api.get("/api/v1/journeys").json["items"]
    assert [(item["id"], item["archived"]) for item in listed] == [(journey["id"], True)]
    assert api.get("/api/v1/journeys?archived=false").json["items"] == []
    assert [item["id"] for item in api.get("/api/v1/journeys?archived=true").json["items"]] == [
        journey["id"]
    ]
    assert api.get(f"/api/v1/surveys/{survey['id']}").json["active"] is False


def test_a_second_archive_is_harmless_and_a_restore_brings_back_the_surveys_that_asked(
    api, journey, survey
):
    switched_off = new_survey(api, journey["id"], phase="aankoop")
    off = api.patch(f"/api/v1/surveys/{switched_off['id']}", json={"active": False})
    assert off.status_code == 200
    first = archive(api, journey["id"])
    again = archive(api, journey["id"])
    assert again["archived_at"] == first["archived_at"]

    restored = unarchive(api, journey["id"])
    assert restored["archived"] is False and restored["archived_at"] is None
    assert active(survey["id"]) and not active(switched_off["id"])  # as they were
    assert unarchive(api, journey["id"])["archived"] is False  # a second restore: nothing


def test_another_brands_journey_is_404_and_unchanged(api, other_brand):
    journey_id = other_brand["journey_id"]
    for answer in (
        api.post(f"/api/v1/journeys/{journey_id}/archive"),
        api.post(f"/api/v1/journeys/{journey_id}/unarchive"),
        api.delete(f"/api/v1/journeys/{journey_id}"),
    ):
        assert_error(answer, 404, "not_found")
    db.session.expire_all()
    assert db.session.get(Journey, journey_id).archived_at is None
    assert active(other_brand["survey_id"])


@pytest.mark.parametrize("path", ["/api/v1/journeys/0/archive", "/api/v1/journeys/99999/unarchive"])
def test_an_unknown_journey_is_404(api, path):
    assert_error(api.post(path), 404, "not_found")


def test_an_archived_journey_is_read_only_until_restored(api, journey, survey, count_rows):
    archive(api, journey["id"])
    surveys, links = count_rows(Survey), count_rows(SurveyLink)
    body = {"journey_id": journey["id"], "phase": "aankoop", "locale": "nl"}
    body["questions"] = [{"key": "nps", "type": "nps", "text": "Aanbevelen?"}]
    refusals = [
        api.post("/api/v1/surveys", json=body),
        api.patch(f"/api/v1/surveys/{survey['id']}", json={"active": True}),
        api.post("/api/v1/links", json={"journey_id": journey["id"], "phase": "levering"}),
        api.post(
            f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints",
            json={"name": "Showroom", "channel": "showroom"},
        ),
    ]
    for answer in refusals:
        assert_error(answer, 409, "journey_archived")
    assert (count_rows(Survey), count_rows(SurveyLink)) == (surveys, links)
    assert not active(survey["id"])
    unarchive(api, journey["id"])
    assert api.post("/api/v1/surveys", json=body).status_code == 201


def test_the_widget_no_longer_opens_its_survey_and_falls_to_the_next_journey(
    client, api, journey, survey, site
):
    copy = copy_of(api, journey["id"])
    copy_survey = copy["surveys"][0]["id"]
    assert widget_survey(client, site).json["survey_id"] == survey["id"]  # the oldest asks

    archive(api, journey["id"])
    assert widget_survey(client, site).json["survey_id"] == copy_survey
    aimed = widget_survey(client, site, journey=journey["id"])
    assert_error(aimed, 404, "not_found")

    archive(api, copy["journey"]["id"])
    assert_error(widget_survey(client, site), 404, "not_found")
    unarchive(api, journey["id"])
    assert widget_survey(client, site).json["survey_id"] == survey["id"]


def test_its_reusable_links_close_and_reopen_with_a_restore(client, api, journey, survey):
    link = api.post("/api/v1/links", json={"journey_id": journey["id"], "phase": "levering"}).json
    page = link_path(link["url"])
    assert client.get(page).status_code == 200
    archive(api, journey["id"])
    assert client.get(page).status_code == 410
    unarchive(api, journey["id"])
    assert client.get(page).status_code == 200


def test_invitations_sent_close_and_the_reminders_and_scheduled_ones_are_settled(
    client, api, journey, survey, smtp_server
):
    body = {"remind_after_days": 3, "invite_after_hours": 2}
    assert api.patch(f"/api/v1/surveys/{survey['id']}", json=body).status_code == 200
    for key in ("k1", "k2"):
        api.post("/api/v1/customers", json={"external_id": key, "email": f"{key}@example.nl"})
    sent = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    assert sent.status_code == 202, sent.json
    event = {"customer": "k2", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    scheduled = db.session.scalar(select(Invitation.id).where(Invitation.status == "scheduled"))
    assert scheduled is not None
    page = link_path(_link(smtp_server.messages[0]))
    assert client.get(page).status_code == 200

    archive(api, journey["id"])
    db.session.expire_all()
    invitation = db.session.get(Invitation, sent.json["id"])
    assert (invitation.remind_at, invitation.reminder_skip_reason) == (None, "survey_not_active")
    settled = db.session.get(Invitation, scheduled)
    assert (settled.status, settled.skip_reason) == ("skipped", "survey_not_active")
    assert client.get(page).status_code == 410  # the survey is closed
    unarchive(api, journey["id"])
    assert client.get(page).status_code == 200  # until the date the email gave


def test_an_invitation_still_queued_is_not_mailed_once_archived(
    api, journey, survey, smtp_server, monkeypatch
):
    """Queued behind a slow job or a mail server that was down when its journey was archived:
    it went out with a link that opened "closed" (a review of the day's features). Skipped
    before its email instead, its ask given back, as for a survey switched off meanwhile."""
    from app.models import Contact
    from app.services import invitations

    monkeypatch.setattr(invitations, "enqueue", lambda ids: 0)  # it stays queued
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    made = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    assert made.json["status"] == "queued", made.json
    archive(api, journey["id"])
    assert invitations.deliver(made.json["id"]) == "skipped"
    assert smtp_server.messages == []
    shown = api.get(f"/api/v1/invitations/{made.json['id']}").json
    assert (shown["status"], shown["skip_reason"]) == ("skipped", "survey_not_active")
    assert db.session.query(Contact).count() == 0  # the ask given back


@pytest.mark.postgres
def test_two_renames_at_once_do_not_deadlock(app, api, brand, journey, monkeypatch):
    """Both held the journey FOR SHARE (the archive check), then one waited for the brand's
    lock and the other for the journey's: a deadlock, a 503 for one (a review)."""
    import contextlib
    import threading

    from app import locks
    from app.models import Brand
    from app.services import journey_editor

    barrier, lock_brand = threading.Barrier(2, timeout=5), locks.lock_brand

    def both_at_the_brand(brand_id):
        # reached by both only when neither holds the journey alone; broken (after its
        # timeout) when the second waits for the journey's lock, as it should
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return lock_brand(brand_id)

    monkeypatch.setattr(locks, "lock_brand", both_at_the_brand)
    errors = []

    def rename(name):
        with app.app_context():
            try:
                journey_editor.rename_journey(
                    db.session.get(Brand, brand.id), journey["id"], {"name": name}
                )
            except Exception as error:  # noqa: BLE001 — reported below
                errors.append(repr(error)[:300])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=rename, args=(name,)) for name in ("Een", "Twee")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Journey, journey["id"]).name in ("Een", "Twee")


def _link(message) -> str:
    import re

    html = message.get_body(("html",)).get_content()
    return re.findall(r'href="([^"]+/s/[^"?]+)', html)[0]


def test_its_history_and_the_other_journeys_figures_do_not_change(api, brand, journey, survey):
    from tests.reviews.helpers import answer, review_of, set_policy

    copy = copy_of(api, journey["id"])
    set_policy(brand)
    review = review_of(answer(api, survey, nps=9))
    assert review.status == "published"
    answer(api, {"id": copy["surveys"][0]["id"]}, nps=3, consent=False)
    stats = api.get(f"/api/v1/journeys/{journey['id']}/stats").json
    other = api.get(f"/api/v1/journeys/{copy['journey']['id']}/stats").json
    reviews = api.get("/api/v1/reviews").json

    archive(api, journey["id"])
    assert api.get(f"/api/v1/journeys/{journey['id']}/stats").json == stats
    assert api.get(f"/api/v1/journeys/{copy['journey']['id']}/stats").json == other
    assert api.get("/api/v1/reviews").json == reviews
    assert db.session.get(Review, review.id).status == "published"
    unarchive(api, journey["id"])
    assert api.get(f"/api/v1/journeys/{journey['id']}/stats").json == stats


def test_the_export_says_it_is_archived_and_its_copy_asks_again(api, journey, survey):
    archive(api, journey["id"])
    document = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    assert document["archived_at"] is not None
    assert [item["active"] for item in document["surveys"]] == [True]  # as restored
    copy = api.post("/api/v1/journeys/import", json=document).json
    assert copy["journey"]["archived"] is False and copy["surveys"][0]["active"] is True


def test_a_journey_without_history_is_deleted_for_good(api, count_rows):
    mistake = api.post("/api/v1/journeys", json={**JOURNEY, "name": "Vergissing"}).json
    new_survey(api, mistake["id"])
    api.post("/api/v1/links", json={"journey_id": mistake["id"], "phase": "levering"})
    answer = api.delete(f"/api/v1/journeys/{mistake['id']}")
    assert answer.status_code == 204 and not answer.data
    assert [count_rows(model) for model in (Journey, Phase, Survey, Question, SurveyLink)] == [
        0,
        0,
        0,
        0,
        0,
    ]
    assert_error(api.delete(f"/api/v1/journeys/{mistake['id']}"), 404, "not_found")
    assert_error(api.get(f"/api/v1/journeys/{mistake['id']}"), 404, "not_found")


@pytest.mark.parametrize("history", ["answer", "event", "invitation"])
def test_a_journey_with_history_is_409_and_stays(api, journey, survey, count_rows, history):
    if history == "answer":
        api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 7}})
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    if history == "event":
        body = {"customer": "k1", "journey_id": journey["id"], "phase": "aankoop"}
        assert api.post("/api/v1/events", json=body).status_code == 201
    if history == "invitation":
        body = {"customer": "k1", "survey_id": survey["id"]}
        assert api.post("/api/v1/invitations", json=body).status_code == 202
    error = assert_error(api.delete(f"/api/v1/journeys/{journey['id']}"), 409)
    assert error["code"] == "journey_has_history" and "archive it instead" in error["message"]
    assert (count_rows(Journey), count_rows(Phase), count_rows(Survey)) == (1, 3, 1)
    archive(api, journey["id"])  # what it offers instead
    assert_error(api.delete(f"/api/v1/journeys/{journey['id']}"), 409, "journey_has_history")


@pytest.mark.postgres
def test_an_invitation_made_while_it_is_deleted_waits_and_is_not_lost_quietly(
    app, api, journey, survey, monkeypatch
):
    """Made between the look for history and the deletes, an invitation waits for the delete
    (which holds the journey, its phases and its surveys: what an invitation and its ask refer
    to) and then fails, rather than being taken away with its survey (whose foreign key
    cascades) without a word."""
    import threading

    from app.models import Invitation
    from app.services import journey_archive
    from tests.conftest import api_post, wait_for_lock_waits

    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    looked, go = threading.Event(), threading.Event()
    has_history = journey_archive.has_history

    def look_then_pause(found):
        result = has_history(found)
        looked.set()
        go.wait(10)
        return result

    monkeypatch.setattr(journey_archive, "has_history", look_then_pause)
    brand_id = db.session.get(Journey, journey["id"]).brand_id

    def delete():
        with app.app_context():
            from app.models import Brand

            journey_archive.delete_journey(db.session.get(Brand, brand_id), journey["id"])
            db.session.remove()

    deleting = threading.Thread(target=delete)
    deleting.start()
    assert looked.wait(10)
    replies = []
    body = {"customer": "k1", "survey_id": survey["id"]}
    inviting = threading.Thread(
        target=lambda: replies.append(api_post(app, api, "/api/v1/invitations", body)())
    )
    inviting.start()
    waited = wait_for_lock_waits(db.engine, count=1)
    go.set()
    deleting.join(30)
    inviting.join(30)
    assert waited, "the invitation did not wait for the delete"
    db.session.expire_all()
    assert db.session.get(Journey, journey["id"]) is None
    assert db.session.query(Invitation).count() == 0
    # told it did not happen, and why: not a 500, which says the server is broken
    assert replies and replies[0].status_code == 409
    assert replies[0].get_json()["error"]["code"] == "deleted_meanwhile"
    # tried again, the survey is plainly gone
    assert_error(api.post("/api/v1/invitations", json=body), 404)
