"""Invitations on reach: a survey with `invite_after_hours` is emailed to a customer that long
after a journey event first brings them to its phase. The event schedules the invitation; the
sweep asks the contact budget for it once it is due, and sends it (a real SMTP server)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Contact, Invitation, Response, Survey
from app.models.base import utcnow
from app.services import invitations, unsubscribes
from tests.channels.helpers import assert_error
from tests.dashboard.conftest import Dashboard, users  # noqa: F401 — the fixture, for logins

pytestmark = pytest.mark.smtp


def reach(api, journey, customer="klant-1", phase="levering", hours_ago=0.0, **extra):
    occurred = datetime.now(UTC) - timedelta(hours=hours_ago)
    body = {
        "customer": customer,
        "journey_id": journey["id"],
        "phase": phase,
        "occurred_at": occurred.isoformat(),
    }
    response = api.post("/api/v1/events", json=body, **extra)
    assert response.status_code == 201, response.json
    return response.json


def scheduled(db) -> list[Invitation]:
    db.session.expire_all()
    return list(db.session.query(Invitation).filter_by(status="scheduled").order_by(Invitation.id))


def sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def come_due(db) -> None:
    for invitation in scheduled(db):
        invitation.queued_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_an_event_schedules_the_invitation_and_the_sweep_sends_it_when_due(
    app, api, journey, inviting, anna, smtp_server, db, count_rows
):
    reach(api, journey, hours_ago=1)
    [invitation] = scheduled(db)
    assert (invitation.survey_id, invitation.locale) == (inviting["id"], "en")  # hers
    due = invitation.queued_at - (utcnow() - timedelta(hours=1))
    assert timedelta(hours=47, minutes=59) < due <= timedelta(hours=48)
    assert count_rows(Contact) == 0  # not asked yet: the budget decides when it is due
    listed = api.get("/api/v1/invitations", query_string={"status": "scheduled"}).json
    assert [item["id"] for item in listed["items"]] == [invitation.id]
    assert listed["items"][0]["queued_at"] is not None
    assert listed["counts"]["scheduled"] == 1

    assert "scheduled invitations due" not in sweep(app)  # not due yet: nothing happens
    assert smtp_server.envelopes == []
    come_due(db)
    assert 'scheduled invitations due: {"queued": 1, "skipped": {}}' in sweep(app)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna@example.nl"]]
    db.session.expire_all()
    sent = db.session.get(Invitation, invitation.id)
    assert sent.status == "sent" and sent.contact_id is not None
    assert count_rows(Contact) == 1
    assert sweep(app).strip() == "nothing waiting"  # once


def test_only_a_first_reach_of_a_phase_whose_survey_invites_schedules(
    api, journey, inviting, anna, db
):
    reach(api, journey)
    reach(api, journey)  # again: not a first reach
    reach(api, journey, phase="orientatie")  # its survey does not invite
    assert len(scheduled(db)) == 1


def test_an_old_event_schedules_nothing(api, journey, inviting, anna, db):
    """An import of past events must not mail every customer in it at once; an event whose
    invitation fell due less than a day ago is still sent, now."""
    reach(api, journey, hours_ago=24 * 5)
    assert scheduled(db) == []
    reach(api, journey, customer="klant-2", hours_ago=60)
    [late] = scheduled(db)
    assert late.queued_at <= utcnow()


def test_events_in_a_batch_schedule_each_first_reach_once(api, journey, inviting, db):
    now = datetime.now(UTC).isoformat()
    items = [
        {"customer": customer, "journey_id": journey["id"], "phase": "levering", "occurred_at": now}
        for customer in ("k1", "k2", "k1")
    ]
    response = api.post("/api/v1/events/batch", json={"items": items})
    assert response.status_code == 201, response.json
    assert sorted(i.customer.external_id for i in scheduled(db)) == ["k1", "k2"]


def test_a_retried_event_schedules_once(api, journey, inviting, anna, db):
    headers = {"Idempotency-Key": "delivered-1001"}
    first = reach(api, journey, headers=headers)
    again = api.post(
        "/api/v1/events",
        json={
            "customer": "klant-1",
            "journey_id": journey["id"],
            "phase": "levering",
            "occurred_at": first["occurred_at"],
        },
        headers=headers,
    )
    assert again.status_code in (200, 201), again.json
    assert len(scheduled(db)) == 1


def test_when_due_the_budget_and_the_customer_decide(
    app, api, journey, inviting, survey, smtp_server, db
):
    """Due, each is asked as a new invitation is: a customer asked meanwhile, one who
    unsubscribed and one who answered the phase meanwhile are skipped; one who had no address
    when the event came but has one now is sent."""
    for n in (1, 2, 3):
        api.post(
            "/api/v1/customers",
            json={"external_id": f"klant-{n}", "email": f"klant{n}@example.nl"},
        )
    for customer in ("klant-1", "klant-2", "klant-3", "klant-4"):
        reach(api, journey, customer=customer)
    # klant-1 invited by hand meanwhile; klant-2 unsubscribed; klant-3 answered the phase
    invited = api.post(
        "/api/v1/invitations", json={"customer": "klant-1", "survey_id": survey["id"]}
    )
    assert invited.json["status"] == "sent"
    brand_id = db.session.get(Survey, survey["id"]).brand_id
    unsubscribes.suppress(brand_id, "klant2@example.nl")
    db.session.commit()
    answered = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "klant-3", "answers": {"nps": 9}},
    )
    assert answered.status_code == 202, answered.json
    api.post("/api/v1/customers", json={"external_id": "klant-4", "email": "klant4@example.nl"})
    come_due(db)
    assert invitations.queue_due() == {
        "queued": 1,
        "skipped": {"min_days_between": 1, "unsubscribed": 1, "answered": 1},
    }
    sweep(app)
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "klant1@example.nl",  # the invitation by hand
        "klant4@example.nl",
    ]


def test_a_survey_switched_off_or_no_longer_inviting_skips_what_was_scheduled(
    api, journey, inviting, anna, smtp_server, db
):
    reach(api, journey)
    reach(api, journey, customer="klant-2")
    [first, second] = scheduled(db)
    api.patch(f"/api/v1/surveys/{inviting['id']}", json={"invite_after_hours": None})
    come_due(db)
    assert invitations.queue_due()["skipped"] == {"invite_turned_off": 2}
    assert db.session.get(Invitation, first.id).skip_reason == "invite_turned_off"
    assert smtp_server.envelopes == []


def test_an_unsubscribe_before_it_is_due_skips_it(api, client, journey, inviting, anna, db):
    from app.services import survey_tokens

    reach(api, journey)
    [invitation] = scheduled(db)
    token = survey_tokens.unsubscribe_token(invitation.brand_id, invitation.customer_id)
    unsubscribes.unsubscribe(token)
    db.session.expire_all()
    skipped = db.session.get(Invitation, invitation.id)
    assert (skipped.status, skipped.skip_reason) == ("skipped", "unsubscribed")


def test_a_new_version_keeps_inviting(api, journey, inviting, anna, db):
    reach(api, journey, customer="someone")  # an answer makes the next edit a new version
    api.post(
        "/api/v1/responses",
        json={"survey_id": inviting["id"], "customer": "someone", "answers": {"nps": 8}},
    )
    questions = [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk?", "required": True}]
    version = api.patch(f"/api/v1/surveys/{inviting['id']}", json={"questions": questions}).json
    assert version["id"] != inviting["id"] and version["invite_after_hours"] == 48
    reach(api, journey)
    assert scheduled(db)[-1].survey_id == version["id"]


@pytest.mark.parametrize("bad", [-1, 2161, "48", 4.5, True])
def test_a_bad_delay_is_422_and_changes_nothing(api, survey, bad, db):
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"invite_after_hours": bad})
    error = assert_error(response, 422)
    assert "invite_after_hours" in error["fields"]
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).invite_after_hours is None


@pytest.mark.usefixtures("users")
def test_the_dashboard_sets_the_delay_and_lists_what_is_scheduled(app, api, journey, survey, db):
    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    url = f"/dashboard/surveys/{survey['id']}"
    page = editor.html(url)
    assert 'name="invite_after_hours"' in page
    form = {
        "name": "Levering",
        "active": "on",
        "invite_after_hours": "24",
        "questions.0.key": "nps",
        "questions.0.type": "nps",
        "questions.0.text.nl": "Hoe waarschijnlijk is het dat u ons aanbeveelt?",
        "questions.0.required": "on",
    }
    assert editor.post(url, form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).invite_after_hours == 24
    reach(api, journey)
    page = editor.html("/dashboard/invitations?status=scheduled")
    assert "1 scheduled" in page and "due " in page
    assert "due over an hour ago" not in page
    for invitation in scheduled(db):  # no cron runs the sweep
        invitation.queued_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    page = editor.html("/dashboard/invitations")
    assert "1 scheduled invitation was due over an hour ago and waits" in page
    assert editor.post(url, {**form, "invite_after_hours": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).invite_after_hours is None


def test_two_sweeps_at_once_ask_for_each_once(app, api, journey, inviting, db):
    """Two cron sweeps overlapping: each due invitation is queued (and its ask spent) once."""
    from tests.conftest import at_once

    for n in range(6):
        api.post(
            "/api/v1/customers",
            json={"external_id": f"k{n}", "email": f"k{n}@example.nl"},
        )
        reach(api, journey, customer=f"k{n}")
    come_due(db)
    outcomes = at_once(app, invitations.queue_due)
    assert sum(outcome["queued"] for outcome in outcomes) == 6
    assert db.session.query(Contact).count() == 6


def test_a_journey_exported_and_imported_keeps_inviting(api, journey, inviting):
    document = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    [exported] = [s for s in document["surveys"] if s["phase"] == "levering"]
    assert exported["invite_after_hours"] == 48
    document["journey"]["name"] = "Badkamer (kopie)"
    imported = api.post("/api/v1/journeys/import", json=document)
    assert imported.status_code == 201, imported.json
    [survey] = [s for s in imported.json["surveys"] if s["phase"] == "levering"]
    assert survey["invite_after_hours"] == 48


def test_a_new_version_keeps_what_was_already_scheduled(api, journey, inviting, anna, db):
    """Edited into a new version between the event and the due moment (a typo fixed after
    the first answers): the invitation goes out for the version that invites now."""
    reach(api, journey)
    api.post(
        "/api/v1/responses",
        json={"survey_id": inviting["id"], "customer": "x", "answers": {"nps": 8}},
    )
    questions = [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk nu?", "required": True}]
    version = api.patch(f"/api/v1/surveys/{inviting['id']}", json={"questions": questions}).json
    assert version["id"] != inviting["id"]
    come_due(db)
    assert invitations.queue_due() == {"queued": 1, "skipped": {}}
    db.session.expire_all()
    [invitation] = db.session.query(Invitation).filter_by(status="queued").all()
    assert invitation.survey_id == version["id"]


def test_a_batch_newest_first_does_not_mail_history(api, journey, inviting, anna, db):
    """A customer's first arrival is her earliest event in a batch, whatever the order the
    batch lists them in (exports often list the newest first)."""
    now = datetime.now(UTC)
    for customer, days in (("klant-1", (0, 10)), ("klant-2", (10, 0))):
        items = [
            {
                "customer": customer,
                "journey_id": journey["id"],
                "phase": "levering",
                "occurred_at": (now - timedelta(days=d)).isoformat(),
            }
            for d in days
        ]
        assert api.post("/api/v1/events/batch", json={"items": items}).status_code == 201
    assert scheduled(db) == []


def _answered(api, db, survey_id: int, customer: str, hours_ago: float) -> None:
    response = api.post(
        "/api/v1/responses",
        json={"survey_id": survey_id, "customer": customer, "answers": {"nps": 9}},
    )
    assert response.status_code == 202, response.json
    db.session.expire_all()
    answer = db.session.query(Response).filter(Response.id == response.json["id"]).one()
    answer.created_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()


def test_answered_counts_from_her_arrival_not_from_when_the_event_was_posted(
    api, journey, inviting, db
):
    """A nightly sync posts yesterday's delivery today: an answer given since the delivery
    skips her; one given before it does not, whoever else is due in the same sweep."""
    for n in (1, 2):
        api.post(
            "/api/v1/customers", json={"external_id": f"klant-{n}", "email": f"k{n}@example.nl"}
        )
    _answered(api, db, inviting["id"], "klant-1", hours_ago=10)
    reach(api, journey, customer="klant-1", hours_ago=20)  # answered since she arrived
    _answered(api, db, inviting["id"], "klant-2", hours_ago=2)
    reach(api, journey, customer="klant-2")  # answered before she arrived
    come_due(db)
    assert invitations.queue_due() == {"queued": 1, "skipped": {"answered": 1}}
    db.session.expire_all()
    [queued] = db.session.query(Invitation).filter_by(status="queued").all()
    assert queued.customer.external_id == "klant-2"


def test_the_language_is_hers_when_it_is_due(api, journey, inviting, db):
    """The event came first (a bare customer), the shop's upsert with address and language
    after it: both are read when it is due."""
    reach(api, journey, customer="klant-9")
    api.post(
        "/api/v1/customers",
        json={"external_id": "klant-9", "email": "k9@example.nl", "locale": "en"},
    )
    come_due(db)
    assert invitations.queue_due()["queued"] == 1
    db.session.expire_all()
    assert db.session.query(Invitation).one().locale == "en"


@pytest.mark.postgres
def test_one_event_sent_twice_at_once_schedules_once(app, api, journey, inviting, anna, db):
    """A client's retry that crosses the first try (both wait for the customer's lock): one
    event, one first arrival, one scheduled invitation."""
    from tests.conftest import Contenders

    headers = {**api._headers(None), "Idempotency-Key": "levering-1001"}
    body = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}

    def post():
        return app.test_client().post("/api/v1/events", json=body, headers=headers)

    held = ("SELECT id FROM customer WHERE external_id = 'klant-1' FOR UPDATE", {})
    with Contenders([post, post], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 201]
    assert len(scheduled(db)) == 1


def test_a_worker_kicks_the_due_ones_without_cron(api, journey, inviting, anna, smtp_server, db):
    """A worker looks for due scheduled invitations at its start and every few minutes (RQ's
    maintenance): a job asks for them and sends them, as the sweep would."""
    from app.services import worker

    reach(api, journey)
    assert worker.kick_due_invitations() is False  # not due yet: no job
    come_due(db)
    assert worker.kick_due_invitations() is True  # inline here: the job ran
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna@example.nl"]]
    assert worker.kick_due_invitations() is False


@pytest.mark.redis
def test_a_real_worker_sends_the_due_ones(redis_app, smtp_server):
    """A burst worker against the real Redis: its start kicks the job that asks for the due
    invitations, which it runs, and then the sending job that one queued."""
    from app.extensions import db as _db
    from app.services import worker as worker_module
    from tests.conftest import reached_on_arrival

    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_TLS=False)
    with redis_app.app_context():
        reached_on_arrival("Op tijd", "op-tijd")
        [invitation_id] = _db.session.scalars(
            select(Invitation.id).where(Invitation.status == "scheduled")
        ).all()
        worker_module.run(burst=True)
        assert _db.session.get(Invitation, invitation_id).status == "sent"
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["k1@example.nl"]]


def test_a_job_that_fails_half_way_leaves_none_queued_without_a_job(
    api, journey, inviting, anna, smtp_server, db, monkeypatch
):
    """Each chunk's queued are sent by jobs queued as soon as it is committed: a failure in a
    later chunk leaves none of the earlier ones queued for nobody (no cron runs here)."""
    from app.services import worker

    api.post("/api/v1/customers", json={"external_id": "klant-2", "email": "bob@example.nl"})
    reach(api, journey)
    reach(api, journey, customer="klant-2")
    come_due(db)
    monkeypatch.setattr(invitations, "_AGAIN_CHUNK", 1)
    real, calls = invitations._still_asked, []

    def fails_the_second_chunk(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a fault in the second chunk")
        return real(*args)

    monkeypatch.setattr(invitations, "_still_asked", fails_the_second_chunk)
    assert worker.kick_due_invitations() is False  # the job failed (inline: logged)
    monkeypatch.setattr(invitations, "_still_asked", real)
    assert worker.kick_due_invitations() is True  # the next look asks for the rest
    db.session.expire_all()
    assert sorted(i.status for i in db.session.query(Invitation)) == ["sent", "sent"]


def test_a_job_that_took_its_limit_says_there_is_more(api, journey, inviting, db, monkeypatch):
    """A large import drains without waiting for the workers' next look (a kick: below, with
    Redis); inline, the web process's next look takes the rest, not a round within this one."""
    for n in range(3):
        reach(api, journey, customer=f"k{n}")
    come_due(db)
    monkeypatch.setattr(invitations, "AGAIN_PER_CALL", 2)
    monkeypatch.setattr(invitations, "_AGAIN_CHUNK", 1)
    kicked = []
    monkeypatch.setattr(invitations.queue, "kick", lambda name, func: kicked.append(func))
    first = invitations.ask_due_job()
    assert first == {"queued": 0, "skipped": {"no_email": 2}, "reminders": {}, "more": True}
    second = invitations.ask_due_job()
    assert second == {"queued": 0, "skipped": {"no_email": 1}, "reminders": {}, "more": False}
    assert kicked == []


@pytest.mark.redis
def test_with_workers_a_job_that_took_its_limit_kicks_the_next(redis_app, monkeypatch):
    from app.extensions import db as _db
    from app.pipeline import email_jobs
    from app.services import customers
    from tests.conftest import brand_with_survey

    with redis_app.app_context():
        brand, _key, journey, survey = brand_with_survey("Veel", "veel")
        survey.invite_after_hours = 0
        _db.session.commit()
        for n in range(3):
            customers.record_event(
                brand, {"customer": f"k{n}", "journey_id": journey.id, "phase": survey.phase.key}
            )
        monkeypatch.setattr(invitations, "AGAIN_PER_CALL", 2)
        kicked = []
        monkeypatch.setattr(invitations.queue, "kick", lambda name, func: kicked.append(func))
        assert invitations.ask_due_job()["more"] is True
        assert kicked == [email_jobs.ask_due_invitations]
