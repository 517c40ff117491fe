"""Reminders: a survey's `remind_after_days` sends one reminder, that many days after its
emailed invitation went out, to a customer who has not answered; the workers' due job and the
sweep send it (a real SMTP server)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Contact, Invitation, Response, Survey
from app.models.base import utcnow
from app.services import reminders, survey_tokens, unsubscribes
from tests.channels.helpers import Inbox, Refusing, assert_error, form_fields, link_path
from tests.dashboard.conftest import Dashboard, users  # noqa: F401 — the fixture, for logins

pytestmark = pytest.mark.smtp


@pytest.fixture
def reminding(api, survey):
    """The delivery survey, with a reminder three days after its invitation."""
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 3})
    assert response.status_code == 200, response.json
    assert response.json["remind_after_days"] == 3
    return response.json


@pytest.fixture
def anna(api):
    response = api.post(
        "/api/v1/customers",
        json={"external_id": "klant-1", "email": "anna@example.nl", "locale": "nl"},
    )
    assert response.status_code == 201, response.json


def invite(api, survey, customer="klant-1") -> int:
    response = api.post(
        "/api/v1/invitations", json={"customer": customer, "survey_id": survey["id"]}
    )
    assert response.status_code == 202, response.json
    return response.json["id"]


def fresh(db, invitation_id) -> Invitation:
    db.session.expire_all()
    return db.session.get(Invitation, invitation_id)


def come_due(db, *invitation_ids) -> None:
    db.session.expire_all()
    for invitation_id in invitation_ids:
        db.session.get(Invitation, invitation_id).remind_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def due_reminders(api, survey, db, count: int) -> None:
    """`count` customers invited, each invitation's reminder due."""
    ids = []
    for n in range(count):
        api.post("/api/v1/customers", json={"external_id": f"k{n}", "email": f"k{n}@example.nl"})
        ids.append(invite(api, survey, customer=f"k{n}"))
    come_due(db, *ids)


def sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def score_link(message, score: int = 8) -> str:
    import re

    html = message.get_body(("html",)).get_content()
    return link_path(re.findall(r'href="([^"]+/s/[^"?]+)\?score=(\d+)"', html)[score][0])


def answer(client, link: str) -> None:
    fields = form_fields(client.get(link).get_data(as_text=True))
    assert client.post(link, data={**fields, "q_nps": "8"}).status_code == 200


def test_an_unanswered_invitation_is_reminded_once_in_its_thread(
    app, api, client, survey, reminding, anna, smtp_server, db, count_rows
):
    invitation_id = invite(api, survey)
    invitation = fresh(db, invitation_id)
    assert invitation.remind_at - invitation.sent_at == timedelta(days=3)
    assert "reminders due" not in sweep(app)  # not due yet
    assert len(smtp_server.messages) == 1
    contacts = count_rows(Contact)

    come_due(db, invitation_id)
    assert 'reminders due: {"sent": 1}' in sweep(app)
    first, reminder = smtp_server.messages
    assert reminder["Subject"] == "Testbad: we horen nog graag hoe het was (Levering & montage)"
    assert reminder["In-Reply-To"] == first["Message-ID"] == reminder["References"]
    assert reminder["Message-ID"] != first["Message-ID"]
    text = reminder.get_body(("plain",)).get_content()
    assert "Dit is de enige herinnering die we sturen." in text
    assert reminder["To"] == first["To"]
    assert count_rows(Contact) == contacts  # no new ask of the contact budget
    reminded = fresh(db, invitation_id)
    assert reminded.reminded_at is not None and reminded.remind_at is None
    assert reminded.expires_at == invitation.expires_at  # the date the first email gave

    assert "reminders due" not in sweep(app)  # once
    assert len(smtp_server.messages) == 2
    listed = api.get("/api/v1/invitations").json
    assert listed["items"][0]["reminded_at"] is not None
    assert listed["counts"]["reminded"] == 1
    assert listed["counts"]["answered_after_reminder"] == 0
    answer(client, score_link(reminder))
    counts = api.get("/api/v1/invitations").json["counts"]
    assert (counts["answered"], counts["answered_after_reminder"]) == (1, 1)


def test_without_remind_after_days_no_reminder_is_planned(api, survey, anna, smtp_server, db):
    invitation = fresh(db, invite(api, survey))
    assert invitation.status == "sent" and invitation.remind_at is None
    assert reminders.any_due(utcnow() + timedelta(days=60)) is False


def test_an_english_customer_is_reminded_in_english(app, api, survey, reminding, smtp_server, db):
    api.post(
        "/api/v1/customers",
        json={"external_id": "k-en", "email": "bob@example.com", "locale": "en"},
    )
    invitation_id = invite(api, survey, customer="k-en")
    come_due(db, invitation_id)
    sweep(app)
    reminder = smtp_server.messages[-1]
    assert reminder["Subject"] == "Testbad: we would still love to hear how it went (Delivery)"
    assert "This is the only reminder we send." in reminder.get_body(("plain",)).get_content()


def _answered_by_link(app, api, client, survey, smtp_server, db, invitation_id):
    answer(client, score_link(smtp_server.messages[0]))


def _answered_otherwise(app, api, client, survey, smtp_server, db, invitation_id):
    response = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "klant-1", "answers": {"nps": 9}},
    )
    assert response.status_code == 202, response.json


def _unsubscribed(app, api, client, survey, smtp_server, db, invitation_id):
    invitation = fresh(db, invitation_id)
    unsubscribes.unsubscribe(
        survey_tokens.unsubscribe_token(invitation.brand_id, invitation.customer_id)
    )


def _switched_off(app, api, client, survey, smtp_server, db, invitation_id):
    assert api.patch(f"/api/v1/surveys/{survey['id']}", json={"active": False}).status_code == 200


def _turned_off(app, api, client, survey, smtp_server, db, invitation_id):
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": None})
    assert response.status_code == 200, response.json


def _link_expiring(app, api, client, survey, smtp_server, db, invitation_id):
    fresh(db, invitation_id).expires_at = utcnow() + timedelta(hours=20)
    db.session.commit()


@pytest.mark.parametrize(
    "meanwhile, reason",
    [
        (_answered_by_link, "answered"),
        (_answered_otherwise, "answered"),
        (_unsubscribed, "unsubscribed"),
        (_switched_off, "survey_not_active"),
        (_turned_off, "reminder_turned_off"),
        (_link_expiring, "expiring"),
    ],
)
def test_a_reminder_no_longer_wanted_is_skipped_for_good(
    app, api, client, survey, reminding, anna, smtp_server, db, meanwhile, reason
):
    invitation_id = invite(api, survey)
    meanwhile(app, api, client, survey, smtp_server, db, invitation_id)
    come_due(db, invitation_id)
    assert 'reminders due: {"skipped": 1}' in sweep(app)
    assert len(smtp_server.messages) == 1  # the invitation only
    skipped = fresh(db, invitation_id)
    assert (skipped.reminder_skip_reason, skipped.remind_at, skipped.reminded_at) == (
        reason,
        None,
        None,
    )
    assert api.get("/api/v1/invitations").json["items"][0]["reminder_skip_reason"] == reason


def test_an_answer_by_the_link_takes_the_reminder_off_at_once(
    app, api, client, survey, reminding, anna, smtp_server, db
):
    """The Invitations page and the API said "reminder due" for an answered invitation until
    the due job skipped it (trial walkthrough)."""
    invitation_id = invite(api, survey)
    assert fresh(db, invitation_id).remind_at is not None
    _answered_by_link(app, api, client, survey, smtp_server, db, invitation_id)
    shown = api.get(f"/api/v1/invitations/{invitation_id}").json
    assert (shown["remind_at"], shown["reminder_skip_reason"]) == (None, "answered")
    assert api.get("/api/v1/invitations").json["counts"]["reminders_planned"] == 0
    assert reminders.any_due(utcnow() + timedelta(days=60)) is False


def test_a_new_version_meanwhile_still_reminds(app, api, survey, reminding, anna, smtp_server, db):
    """An edit after the first answers makes a new version and leaves the invitation's own
    inactive; its link still opens, so its reminder still goes."""
    invitation_id = invite(api, survey)
    api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "x", "answers": {"nps": 8}},
    )
    questions = [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk?", "required": True}]
    version = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": questions}).json
    assert version["id"] != survey["id"]
    come_due(db, invitation_id)
    assert 'reminders due: {"sent": 1}' in sweep(app)


def test_a_refused_reminder_is_not_tried_again(app, api, survey, reminding, anna, db, mail_server):
    inbox = mail_server(Refusing())
    invitation_id = invite(api, survey)
    invitation = fresh(db, invitation_id)
    invitation.status, invitation.sent_at = "sent", utcnow()  # as if refused only later
    db.session.commit()
    come_due(db, invitation_id)
    sweep(app)
    refused = fresh(db, invitation_id)
    assert (refused.reminder_skip_reason, refused.remind_at) == ("refused", None)
    assert inbox.envelopes == []


def test_a_server_down_leaves_the_reminder_due_for_the_next_sweep(
    app, api, survey, reminding, anna, smtp_server, db, mail_server
):
    from tests.channels.helpers import free_port

    invitation_id = invite(api, survey)
    come_due(db, invitation_id)
    port = smtp_server.port
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
    assert "SMTP unreachable: 1 reminders left for the next sweep" in result.output
    waiting = fresh(db, invitation_id)
    assert waiting.reminded_at is None and reminders.any_due()  # due again now
    app.config["SMTP_PORT"] = port
    assert 'reminders due: {"sent": 1}' in sweep(app)
    assert len(smtp_server.messages) == 2


def test_a_job_run_twice_reminds_once(api, survey, reminding, anna, smtp_server, db):
    """A retried or duplicated job finds the reminder sent."""
    invitation_id = invite(api, survey)
    come_due(db, invitation_id)
    now = utcnow()
    assert reminders.take_due(now) == [[invitation_id]]
    assert reminders.send_job([invitation_id], now) == {"sent": 1}
    assert reminders.send_job([invitation_id], now) == {"gone": 1}
    assert len(smtp_server.messages) == 2


def test_a_due_reminder_handed_to_a_job_is_not_taken_again_until_its_lease_ends(
    api, survey, reminding, anna, smtp_server, db
):
    invitation_id = invite(api, survey)
    come_due(db, invitation_id)
    planned = fresh(db, invitation_id).remind_at
    now = utcnow()
    assert reminders.take_due(now) == [[invitation_id]]
    assert reminders.take_due(utcnow()) == []  # the job has it
    assert reminders.any_due() is False
    later = utcnow() + reminders.LEASE + timedelta(minutes=1)
    assert reminders.any_due(later) is True
    assert fresh(db, invitation_id).remind_at == planned  # what the API shows stays the plan
    # a job lost with its worker: a later look takes it again, and the lost job, should it
    # run after all, finds it no longer its own
    assert reminders.take_due(later) == [[invitation_id]]
    assert reminders.send_job([invitation_id], now) == {"gone": 1}
    assert reminders.send_job([invitation_id], later) == {"sent": 1}
    assert len(smtp_server.messages) == 2


def test_two_senders_of_one_taken_reminder_send_it_once(
    app, api, survey, reminding, anna, smtp_server, db
):
    """A job and its duplicate at the same moment (RQ may run a job twice): the claim before
    the email is committed, so on SQLite, which has no row locks, too, one of them sends."""
    from tests.conftest import at_once

    invitation_id = invite(api, survey)
    come_due(db, invitation_id)
    now = utcnow()
    reminders.take_due(now)
    outcomes = at_once(app, lambda: reminders.send_job([invitation_id], now))
    assert sorted(outcome.get("sent", 0) for outcome in outcomes) == [0, 1]
    assert len(smtp_server.messages) == 2


def test_answered_while_the_invitation_waited_for_the_mail_server_is_not_reminded(
    app, api, survey, reminding, anna, smtp_server, db
):
    """She answered in the widget while her invitation waited in the queue: the invitation
    still went, its reminder does not."""
    invitation_id = invite(api, survey)
    invitation = fresh(db, invitation_id)
    response = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "klant-1", "answers": {"nps": 9}},
    )
    assert response.status_code == 202
    invitation.created_at = invitation.sent_at - timedelta(hours=1)  # queued an hour
    answer = db.session.get(Response, response.json["id"])
    answer.created_at = invitation.sent_at - timedelta(minutes=5)  # before the email went
    db.session.commit()
    come_due(db, invitation_id)
    assert 'reminders due: {"skipped": 1}' in sweep(app)
    assert fresh(db, invitation_id).reminder_skip_reason == "answered"


def test_a_server_that_will_not_take_it_for_a_day_ends_it(
    app, api, survey, reminding, anna, smtp_server, db, mail_server
):
    """A 4xx leaves the reminder taken, for a look after the lease, not for RQ's retries;
    once MAIL_RETRY_HOURS have passed since it was due, it is skipped as temporary."""
    from tests.channels.helpers import Greylisting

    invitation_id = invite(api, survey)
    come_due(db, invitation_id)
    greylisting = mail_server(Greylisting())
    now = utcnow()
    reminders.take_due(now)
    assert reminders.send_job([invitation_id], now) == {}  # raised nothing: the lease retries
    assert len(greylisting.refused) == 1 and reminders.any_due() is False
    waiting = fresh(db, invitation_id)
    assert (waiting.reminded_at, waiting.reminder_skip_reason) == (None, None)
    waiting.remind_at = utcnow() - timedelta(hours=25)
    waiting.reminder_taken_at = None
    db.session.commit()
    greylisting.refused.clear()
    assert 'reminders due: {"skipped": 1}' in sweep(app)
    assert fresh(db, invitation_id).reminder_skip_reason == "temporary"


def test_a_reminder_after_the_links_life_is_refused(app, api, survey, monkeypatch, db):
    monkeypatch.setitem(app.config, "INVITATION_TOKEN_DAYS", 7)
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 6})
    error = assert_error(response, 422)
    assert "at most 5" in error["fields"]["remind_after_days"][0]
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).remind_after_days is None
    ok = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 5})
    assert ok.status_code == 200, ok.json


def test_two_sweeps_at_once_remind_each_once(app, api, survey, reminding, smtp_server, db):
    from tests.conftest import at_once

    due_reminders(api, survey, db, 6)
    outcomes = at_once(app, reminders.queue_due)
    assert sum(outcome.get("sent", 0) for outcome in outcomes) == 6
    assert len(smtp_server.messages) == 12


def test_a_worker_kicks_the_due_reminders_without_cron(
    api, survey, reminding, anna, smtp_server, db
):
    from app.services import worker

    invitation_id = invite(api, survey)
    assert worker.kick_due_invitations() is False  # not due yet: no job
    come_due(db, invitation_id)
    assert worker.kick_due_invitations() is True  # inline here: the job ran
    assert len(smtp_server.messages) == 2
    assert worker.kick_due_invitations() is False


@pytest.mark.redis
def test_a_real_worker_sends_the_due_reminders(redis_app, smtp_server):
    """A burst worker against the real Redis: its start kicks the due job, which hands the
    reminder to a job of its own, which the worker runs."""
    from app.extensions import db as _db
    from app.models.invitation import SENT
    from app.services import customers
    from app.services import worker as worker_module
    from tests.conftest import brand_with_survey

    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_TLS=False)
    with redis_app.app_context():
        brand, _key, _journey, survey = brand_with_survey("Herinner", "herinner")
        survey.remind_after_days = 2
        customer, _ = customers.upsert(brand, {"external_id": "k1", "email": "k1@example.nl"})
        now = utcnow()
        invitation = Invitation(
            brand_id=brand.id,
            customer_id=customer.id,
            survey_id=survey.id,
            phase_id=survey.phase_id,
            locale="nl",
            status=SENT,
            sent_at=now - timedelta(days=2),
            expires_at=now + timedelta(days=28),
            remind_at=now - timedelta(minutes=1),
        )
        _db.session.add(invitation)
        _db.session.commit()
        invitation_id = invitation.id
        worker_module.run(burst=True)
        _db.session.expire_all()
        assert _db.session.get(Invitation, invitation_id).reminded_at is not None
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["k1@example.nl"]]


@pytest.mark.parametrize("bad", [0, 29, "3", 2.5, True])
def test_a_bad_reminder_delay_is_422_and_changes_nothing(api, survey, bad, db):
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": bad})
    error = assert_error(response, 422)
    assert "remind_after_days" in error["fields"]
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).remind_after_days is None


def test_a_new_version_and_a_journey_document_keep_the_reminder(api, journey, reminding, db):
    api.post(
        "/api/v1/responses",
        json={"survey_id": reminding["id"], "customer": "x", "answers": {"nps": 8}},
    )
    questions = [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk?", "required": True}]
    version = api.patch(f"/api/v1/surveys/{reminding['id']}", json={"questions": questions}).json
    assert version["id"] != reminding["id"] and version["remind_after_days"] == 3
    document = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    [exported] = [s for s in document["surveys"] if s["phase"] == "levering"]
    assert exported["remind_after_days"] == 3
    document["journey"]["name"] = "Badkamer (kopie)"
    imported = api.post("/api/v1/journeys/import", json=document)
    assert imported.status_code == 201, imported.json
    [copy] = [s for s in imported.json["surveys"] if s["phase"] == "levering"]
    assert copy["remind_after_days"] == 3


@pytest.mark.usefixtures("users")
def test_the_dashboard_sets_the_reminder_and_counts_the_reminded(
    app, api, journey, survey, anna, smtp_server, db
):
    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    url = f"/dashboard/surveys/{survey['id']}"
    assert 'name="remind_after_days"' in editor.html(url)
    form = {
        "name": "Levering",
        "active": "on",
        "remind_after_days": "2",
        "questions.0.key": "nps",
        "questions.0.type": "nps",
        "questions.0.text.nl": "Hoe waarschijnlijk is het dat u ons aanbeveelt?",
        "questions.0.required": "on",
    }
    assert editor.post(url, form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).remind_after_days == 2
    invitation_id = invite(api, survey)
    page = editor.html("/dashboard/invitations")
    assert "1 reminder to come" in page and "reminder due " in page
    come_due(db, invitation_id)
    sweep(app)
    page = editor.html("/dashboard/invitations")
    assert "1 reminded, 0 answered after the reminder" in page and "reminded 20" in page
    phase = editor.html(f"/dashboard/journeys/{journey['id']}/phases/levering")
    assert "1 reminded, 0 of them answered after the reminder" in phase
    assert editor.post(url, {**form, "remind_after_days": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).remind_after_days is None
    assert db.session.scalar(select(Response.id)) is None


def test_a_due_job_that_took_its_limit_of_reminders_says_there_is_more(
    api, survey, reminding, smtp_server, db, monkeypatch
):
    from app.services import invitations

    due_reminders(api, survey, db, 3)
    monkeypatch.setattr(reminders, "PER_LOOK", 2)
    first = invitations.ask_due_job()
    assert (first["reminders"], first["more"]) == ({"sent": 2}, True)
    second = invitations.ask_due_job()
    assert (second["reminders"], second["more"]) == ({"sent": 1}, False)


def test_reminders_given_back_to_a_server_that_is_down_are_not_taken_again_at_once(
    app, api, survey, reminding, smtp_server, db, monkeypatch
):
    """Inline, a look that took its limit and gave all back (the server does not answer)
    ends: the next look tries again, not a round within this one, and again, and again."""
    from app.services import invitations
    from tests.channels.helpers import free_port

    due_reminders(api, survey, db, 3)
    monkeypatch.setattr(reminders, "PER_LOOK", 2)
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    taken = []
    real = reminders.take_due
    monkeypatch.setattr(reminders, "take_due", lambda *a: taken.append(1) or real(*a))
    counts = invitations.ask_due_job()
    assert (counts["reminders"], counts["more"]) == ({"left": 2}, False)
    assert len(taken) == 1
    assert reminders.any_due()  # for the next look


# --- an invitation made without its reminder ----------------------------------------------------


def test_an_invitation_made_without_its_reminder_gets_none(
    app, api, survey, reminding, anna, smtp_server, db
):
    response = api.post(
        "/api/v1/invitations",
        json={"customer": "klant-1", "survey_id": survey["id"], "remind": False},
    )
    assert response.status_code == 202, response.json
    assert response.json["reminder_skip_reason"] == "left_out"
    invitation = fresh(db, response.json["id"])
    assert invitation.status == "sent"
    assert (invitation.remind_at, invitation.reminder_skip_reason) == (None, "left_out")
    assert reminders.any_due(utcnow() + timedelta(days=20)) is False
    assert api.get("/api/v1/invitations").json["counts"]["reminders_planned"] == 0
    # one with the reminder, beside it, still gets its own
    api.post("/api/v1/customers", json={"external_id": "klant-2", "email": "piet@example.nl"})
    assert fresh(db, invite(api, survey, customer="klant-2")).remind_at is not None


def test_sent_again_it_still_has_no_reminder(api, survey, reminding, anna, db, mail_server):
    mail_server(Refusing())
    response = api.post(
        "/api/v1/invitations",
        json={"customer": "klant-1", "survey_id": survey["id"], "remind": False},
    )
    assert fresh(db, response.json["id"]).status == "failed"
    mail_server(Inbox())
    again = api.post(f"/api/v1/invitations/{response.json['id']}/retry")
    assert again.status_code == 202, again.json
    invitation = fresh(db, response.json["id"])
    assert invitation.status == "sent"
    assert (invitation.remind_at, invitation.reminder_skip_reason) == (None, "left_out")


@pytest.mark.parametrize("bad", ["false", 0, None, "no"])
def test_a_remind_that_is_no_boolean_is_422_and_stores_nothing(
    api, survey, reminding, anna, bad, count_rows
):
    before = count_rows(Invitation)
    response = api.post(
        "/api/v1/invitations",
        json={"customer": "klant-1", "survey_id": survey["id"], "remind": bad},
    )
    assert "remind" in assert_error(response, 422)["fields"]
    assert count_rows(Invitation) == before


@pytest.mark.usefixtures("users")
def test_a_list_sent_without_the_reminder_gets_none(app, api, survey, reminding, smtp_server, db):
    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    page = editor.html("/dashboard/invitations")
    assert 'name="no_reminder" id="no-reminder">' in page  # unticked unless asked
    sent = editor.post(
        "/dashboard/invitations",
        {"survey_id": str(survey["id"]), "list": "a@example.nl\nb@example.nl", "no_reminder": "on"},
    )
    assert sent.status_code == 302
    listed = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [(i.status, i.remind_at, i.reminder_skip_reason) for i in listed] == [
        ("sent", None, "left_out")
    ] * 2
    assert "no reminder: made without one" in editor.html("/dashboard/invitations")
    # without the box: the survey's reminder
    editor.post("/dashboard/invitations", {"survey_id": str(survey["id"]), "list": "c@example.nl"})
    db.session.expire_all()
    newest = db.session.scalars(select(Invitation).order_by(Invitation.id.desc())).first()
    assert newest.remind_at is not None and newest.reminder_skip_reason is None


@pytest.mark.usefixtures("users")
def test_a_hand_made_no_reminder_value_is_422_and_invites_nobody(
    app, survey, reminding, db, count_rows
):
    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    response = editor.post(
        "/dashboard/invitations",
        {"survey_id": str(survey["id"]), "list": "a@example.nl", "no_reminder": "maybe"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="err-no_reminder"' in html
    assert "tick the box or leave it" in html
    assert count_rows(Invitation) == 0


def test_the_cli_sends_one_without_its_reminder(app, api, survey, reminding, anna, smtp_server, db):
    args = ["invitation", "send", "--brand", "testbad", "--customer", "klant-1"]
    result = app.test_cli_runner().invoke(
        args=[*args, "--survey", str(survey["id"]), "--no-reminder"]
    )
    assert result.exit_code == 0, result.output
    [invitation] = db.session.scalars(select(Invitation)).all()
    assert (invitation.status, invitation.reminder_skip_reason) == ("sent", "left_out")


@pytest.mark.usefixtures("users")
def test_the_surveys_page_says_what_each_survey_emails_by_itself(app, api, survey, db):
    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    assert '<th scope="col">Emails</th>' in editor.html("/dashboard/surveys")
    patch = {"remind_after_days": 3, "invite_after_hours": 48}
    assert api.patch(f"/api/v1/surveys/{survey['id']}", json=patch).status_code == 200
    assert "invites 48 h after reach; reminds after 3 days" in editor.html("/dashboard/surveys")


def test_remind_true_spelled_out_is_the_same_request_as_without_it(
    api, survey, reminding, anna, smtp_server, count_rows
):
    """One Idempotency-Key, a retry that spells out the default: the first invitation, not a
    409 (a body without the field hashes as it did before the field existed)."""
    body = {"customer": "klant-1", "survey_id": survey["id"]}
    headers = {"Idempotency-Key": "order-1001-levering"}
    first = api.post("/api/v1/invitations", json=body, headers=headers)
    again = api.post("/api/v1/invitations", json={**body, "remind": True}, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json["id"] == first.json["id"] and count_rows(Invitation) == 1
    other = api.post("/api/v1/invitations", json={**body, "remind": False}, headers=headers)
    assert_error(other, 409, "idempotency_conflict")
