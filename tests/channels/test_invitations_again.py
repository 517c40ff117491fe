"""Failed invitations: why each failed, the contact budget's ask given back, and sending them
again (one by id, or all that failed for a passing reason) from the API, the dashboard and the
CLI, with a real SMTP server (aiosmtpd)."""

from datetime import timedelta

import pytest

from app.models import Contact, Invitation
from app.services import invitations, mailer
from tests.channels.helpers import Inbox, Refusing, assert_error
from tests.dashboard.conftest import Dashboard, users  # noqa: F401 — the fixture, for logins

pytestmark = pytest.mark.smtp

AGAIN = "/api/v1/invitations/failed/retry"


def again(invitation_id: int) -> str:
    return f"/api/v1/invitations/{invitation_id}/retry"


@pytest.fixture
def customers(api):
    """Three customers with an address each: klant-1, klant-2, klant-3."""
    for n in (1, 2, 3):
        response = api.post(
            "/api/v1/customers",
            json={"external_id": f"klant-{n}", "email": f"klant{n}@example.nl", "locale": "nl"},
        )
        assert response.status_code == 201, response.json
    return [f"klant-{n}" for n in (1, 2, 3)]


def invite(api, survey, customer="klant-1"):
    response = api.post(
        "/api/v1/invitations", json={"customer": customer, "survey_id": survey["id"]}
    )
    assert response.status_code == 202, response.json
    return response.json


@pytest.fixture
def outage(db, monkeypatch):
    """fail(api, survey, customer): an invitation that met a day of SMTP outage, failed as
    "temporary"; the server answers again afterwards (the test's mail server)."""

    def down(session, message):
        raise mailer.MailError("ConnectionRefusedError: [Errno 111] Connection refused")

    def fail(api, survey, customer="klant-1") -> int:
        with monkeypatch.context() as patched:
            patched.setattr(mailer.Session, "send", down)
            invitation_id = invite(api, survey, customer)["id"]
            invitation = db.session.get(Invitation, invitation_id)
            assert invitation.status == "queued"
            invitation.created_at -= timedelta(hours=25)
            db.session.commit()
            assert invitations.deliver_many([invitation_id]).outcomes == {"failed": 1}
        return invitation_id

    return fail


def test_a_refused_address_fails_gives_its_ask_back_and_says_why(
    api, survey, customers, mail_server, db, count_rows
):
    mail_server(Refusing("550 5.1.1 mailbox unknown"))
    failed = invite(api, survey)
    assert (failed["status"], failed["failure"]) == ("failed", "refused")
    assert failed["last_error"].startswith("550 5.1.1")
    assert count_rows(Contact) == 0  # she was never asked
    listing = api.get("/api/v1/invitations").json
    assert listing["counts"]["failed_by_reason"] == {"refused": 1}

    # the address corrected, a new invitation to the same phase is not held back by the budget
    api.post("/api/v1/customers", json={"external_id": "klant-1", "email": "anna@example.nl"})
    inbox = mail_server(Inbox())
    assert invite(api, survey)["status"] == "sent"
    assert inbox.envelopes[0].rcpt_tos == ["anna@example.nl"]
    assert count_rows(Contact) == 1


def test_after_an_outage_the_failed_are_sent_again(
    api, survey, customers, outage, smtp_server, db, count_rows
):
    ids = [outage(api, survey, customer) for customer in customers]
    assert count_rows(Contact) == 0
    assert api.get("/api/v1/invitations").json["counts"]["failed_by_reason"] == {"temporary": 3}

    response = api.post(AGAIN)
    assert response.status_code == 202, response.json
    assert response.json == {"queued": 3, "skipped": {}, "remaining": 0, "not_active": 0}
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "klant1@example.nl",
        "klant2@example.nl",
        "klant3@example.nl",
    ]
    db.session.expire_all()
    for invitation in db.session.query(Invitation).filter(Invitation.id.in_(ids)):
        assert (invitation.status, invitation.failure, invitation.last_error) == (
            "sent",
            None,
            None,
        )
        assert invitation.queued_at is not None and invitation.contact_id is not None
    assert count_rows(Contact) == 3  # asked now, once each
    # nothing left: a second call sends nothing
    assert api.post(AGAIN).json == {"queued": 0, "skipped": {}, "remaining": 0, "not_active": 0}
    assert len(smtp_server.envelopes) == 3


def test_sent_again_the_retry_hours_count_from_then(
    api, survey, customers, outage, db, monkeypatch
):
    """A day-old invitation sent again while the server is still down is queued for retries,
    not failed at its first refusal (MAIL_RETRY_HOURS count from when it was queued again)."""
    invitation_id = outage(api, survey)

    def busy(session, message):
        raise mailer.MailError("421 4.3.2 try again later")

    monkeypatch.setattr(mailer.Session, "send", busy)
    assert api.post(again(invitation_id)).json["status"] == "queued"
    invitation = db.session.get(Invitation, invitation_id)
    db.session.refresh(invitation)
    assert (invitation.status, invitation.last_error) == ("queued", "421 4.3.2 try again later")


def test_one_sent_again_by_id(api, survey, customers, mail_server, db):
    mail_server(Refusing())
    invitation_id = invite(api, survey)["id"]
    inbox = mail_server(Inbox())
    api.post("/api/v1/customers", json={"external_id": "klant-1", "email": "anna@example.nl"})
    response = api.post(again(invitation_id))
    assert response.status_code == 202, response.json
    assert (response.json["id"], response.json["status"]) == (invitation_id, "sent")
    assert response.json["failure"] is None
    assert inbox.envelopes[0].rcpt_tos == ["anna@example.nl"]
    # sent now: sending it again is a 409, and nothing goes out
    assert_error(api.post(again(invitation_id)), 409, "conflict")
    assert len(inbox.envelopes) == 1


def test_the_bulk_leaves_refused_addresses_alone(api, survey, customers, outage, mail_server, db):
    mail_server(Refusing())
    refused = invite(api, survey, "klant-1")["id"]
    down = outage(api, survey, "klant-2")
    inbox = mail_server(Inbox())
    assert api.post(AGAIN).json["queued"] == 1
    assert [e.rcpt_tos[0] for e in inbox.envelopes] == ["klant2@example.nl"]
    assert db.session.get(Invitation, refused).status == "failed"
    assert db.session.get(Invitation, down).status == "sent"


def test_sent_again_within_the_contact_budget(
    api, survey, journey, customers, outage, smtp_server, db
):
    """A customer asked since the failure is skipped with the rule, and nothing is sent; one
    who unsubscribed since is skipped as unsubscribed."""
    from tests.conftest import new_survey

    first = outage(api, survey, "klant-1")
    second = outage(api, survey, "klant-2")
    other = new_survey(api, journey["id"], phase="orientatie")
    assert invite(api, other, "klant-1")["status"] == "sent"  # asked about another phase
    from app.services import unsubscribes

    unsubscribes.suppress(db.session.get(Invitation, second).brand_id, "klant2@example.nl")
    db.session.commit()

    response = api.post(again(first))
    assert (response.json["status"], response.json["skip_reason"]) == (
        "skipped",
        "min_days_between",
    )
    result = api.post(AGAIN).json
    assert result == {"queued": 0, "skipped": {"unsubscribed": 1}, "remaining": 0, "not_active": 0}
    assert len(smtp_server.envelopes) == 1
    assert db.session.query(Contact).count() == 1


def test_what_cannot_be_sent_again(api, survey, customers, outage, other_brand, smtp_server, db):
    from tests.conftest import ApiClient

    failed = outage(api, survey, "klant-1")
    sent = invite(api, survey, "klant-2")["id"]
    skipped = invite(api, survey, "klant-2")["id"]
    assert_error(api.post(again(sent)), 409)
    error = assert_error(api.post(again(skipped)), 409)
    assert error["fields"] == {"status": ["skipped"]}
    assert_error(api.post(again(999_999)), 404)
    other = ApiClient(api.client, other_brand["key"])
    assert_error(other.post(again(failed)), 404)
    assert other.post(AGAIN).json["queued"] == 0
    assert_error(api.client.post(again(failed)), 401)
    # the survey switched off: 422 for one, left out (and counted) by the bulk
    assert api.patch(f"/api/v1/surveys/{survey['id']}", json={"active": False}).status_code == 200
    error = assert_error(api.post(again(failed)), 422)
    assert "survey_id" in error["fields"]
    assert api.post(AGAIN).json == {"queued": 0, "skipped": {}, "remaining": 0, "not_active": 1}
    db.session.expire_all()
    invitation = db.session.get(Invitation, failed)
    assert (invitation.status, invitation.failure) == ("failed", "temporary")
    assert len(smtp_server.envelopes) == 1  # klant-2's one


def test_one_already_queued_again_is_answered_as_it_is(
    api, survey, customers, outage, db, monkeypatch
):
    """A retry of the request (the first reply lost) queues nothing twice."""
    invitation_id = outage(api, survey)
    monkeypatch.setattr(invitations, "enqueue", lambda ids: len(ids))  # a worker's, later
    assert api.post(again(invitation_id)).json["status"] == "queued"
    assert api.post(again(invitation_id)).json["status"] == "queued"
    assert db.session.query(Contact).count() == 1


def test_at_most_so_many_a_call_and_the_rest_is_said(
    api, brand, survey, customers, outage, smtp_server
):
    for customer in customers:
        outage(api, survey, customer)
    first = invitations.send_failed_again(brand, limit=2)
    assert (first["queued"], first["remaining"]) == (2, 1)
    assert invitations.send_failed_again(brand, limit=2)["queued"] == 1
    assert len(smtp_server.envelopes) == 3


def test_an_email_that_could_not_be_made_fails_as_a_fault(
    api, survey, customers, smtp_server, db, monkeypatch
):
    from app.services import invitation_mail

    def broken(*args, **kwargs):
        raise KeyError("subject")

    with monkeypatch.context() as patched:
        patched.setattr(invitation_mail, "build", broken)
        invitation_id = invite(api, survey)["id"]
        invitation = db.session.get(Invitation, invitation_id)
        invitation.created_at -= timedelta(hours=25)
        db.session.commit()
        invitations.deliver_many([invitation_id])
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation_id)
    assert (invitation.status, invitation.failure) == ("failed", "fault")
    assert db.session.query(Contact).count() == 0
    assert api.post(AGAIN).json["queued"] == 1  # fixed since
    assert len(smtp_server.envelopes) == 1


@pytest.mark.usefixtures("users")
def test_the_dashboard_sends_the_failed_again(app, api, survey, customers, outage, mail_server, db):
    mail_server(Refusing())
    refused = invite(api, survey, "klant-1")["id"]
    outage(api, survey, "klant-2")
    inbox = mail_server(Inbox())
    viewer = Dashboard(app.test_client())
    viewer.login("viewer@testbad.example")
    page = viewer.html("/dashboard/invitations?status=failed")
    assert "Failed — address refused by the mail server: 1; mail server down or busy: 1." in page
    assert "Send again" not in page and "for a passing reason again" not in page
    assert viewer.post("/dashboard/invitations/failed/retry").status_code == 403
    assert viewer.post(f"/dashboard/invitations/{refused}/retry").status_code == 403

    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    page = editor.html("/dashboard/invitations?status=failed")
    assert "Send the 1 that failed for a passing reason again" in page
    assert page.count(">Send again</button>") == 2
    csrf_less = editor.post("/dashboard/invitations/failed/retry", csrf=False)
    assert csrf_less.status_code == 400
    assert len(inbox.envelopes) == 0

    response = editor.post("/dashboard/invitations/failed/retry")
    assert response.status_code == 302
    assert "1 failed invitation queued again." in editor.html(response.location)
    # the refused one, once its address is corrected
    api.post("/api/v1/customers", json={"external_id": "klant-1", "email": "anna@example.nl"})
    response = editor.post(f"/dashboard/invitations/{refused}/retry?status=failed")
    assert response.location.endswith("/dashboard/invitations?status=failed")
    assert f"Invitation {refused} is queued again." in editor.html(response.location)
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == [
        "anna@example.nl",
        "klant2@example.nl",
    ]
    # sent now: a second click says why nothing happened
    response = editor.post(f"/dashboard/invitations/{refused}/retry")
    assert "only a failed one can be sent again" in editor.html(response.location)
    assert editor.post("/dashboard/invitations/999999/retry").status_code == 404


def test_the_cli_sends_the_failed_again(app, api, survey, customers, outage, mail_server, db):
    import json

    mail_server(Refusing())
    refused = invite(api, survey, "klant-1")["id"]
    outage(api, survey, "klant-2")
    outage(api, survey, "klant-3")
    inbox = mail_server(Inbox())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invitation", "retry", "--brand", "testbad"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "queued": 2,
        "skipped": {},
        "remaining": 0,
        "not_active": 0,
    }
    result = runner.invoke(args=["invitation", "retry", "--brand", "testbad", "--id", str(refused)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"id": refused, "status": "sent", "skip_reason": None}
    result = runner.invoke(args=["invitation", "retry", "--brand", "testbad", "--id", "0"])
    assert result.exit_code != 0 and "invitation not found" in result.output
    assert len(inbox.envelopes) == 3


def test_openapi_documents_sending_again(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "202" in paths["/api/v1/invitations/failed/retry"]["post"]["responses"]
    assert "409" in str(paths["/api/v1/invitations/{invitation_id}/retry"]["post"])


@pytest.mark.postgres
def test_sent_again_at_once_by_two_clicks_and_a_script_each_goes_once(
    app, api, survey, customers, outage, smtp_server, db
):
    """Two bulk requests and one by id, all waiting on a customer's lock: each invitation is
    queued (and sent) once and asks the budget once."""
    from tests.conftest import Contenders, api_post

    ids = [outage(api, survey, customer) for customer in customers]
    requests = [
        api_post(app, api, AGAIN),
        api_post(app, api, AGAIN),
        api_post(app, api, again(ids[0])),
    ]
    held = ("SELECT id FROM customer WHERE external_id = 'klant-1' FOR UPDATE", {})
    with Contenders(requests, *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) in ([202, 202, 202], [202, 202, 409])
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "klant1@example.nl",
        "klant2@example.nl",
        "klant3@example.nl",
    ]
    assert db.session.query(Contact).count() == 3
    db.session.expire_all()
    assert {i.status for i in db.session.query(Invitation)} == {"sent"}


@pytest.mark.parametrize("budget", ["default", "off"])
def test_two_clicks_at_once_send_once_and_ask_once(
    app, api, brand, survey, customers, outage, smtp_server, db, monkeypatch, budget
):
    """The second click comes while the first has read "failed" and not yet queued it. On
    SQLite (`make run`, which ignores row locks) it must wait for the first one's commit, or
    both sent (budget off), or the second sent and the first wrote "skipped" over a sent one."""
    import threading

    if budget == "off":
        brand.contact_policy = {"min_days_between": 0, "same_phase_days": 0, "max_per_journey": 0}
        db.session.commit()
    invitation_id = outage(api, survey)
    real, replies = invitations._queue_again, []

    def second_click_meanwhile(brand, phase, pairs):
        if not replies:
            replies.append(None)
            second = threading.Thread(
                target=lambda: replies.append(
                    app.test_client().post(again(invitation_id), headers=api._headers(None))
                )
            )
            second.start()
            second.join(0.5)  # on PostgreSQL it waits for this one's locks: let it
        return real(brand, phase, pairs)

    monkeypatch.setattr(invitations, "_queue_again", second_click_meanwhile)
    first = api.post(again(invitation_id))
    assert first.status_code == 202, first.json
    for _ in range(100):  # the second click, once the first committed
        if len(replies) == 2:
            break
        threading.Event().wait(0.1)
    assert replies[1].status_code in (202, 409), replies[1].json
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation_id)
    assert invitation.status == "sent"
    assert len(smtp_server.envelopes) == 1
    assert db.session.query(Contact).count() == 1


def test_an_answered_failed_invitation_is_not_mailed_again(
    api, survey, customers, outage, smtp_server, db
):
    """A temporary failure may have reached her after all (the server took a copy before the
    connection was lost): once she answered, its link is used and it is not sent again."""
    invitation_id = outage(api, survey)
    invitation = db.session.get(Invitation, invitation_id)
    invitation.used_at = invitation.created_at + timedelta(hours=2)
    db.session.commit()
    assert api.post(AGAIN).json == {"queued": 0, "skipped": {}, "remaining": 0, "not_active": 0}
    error = assert_error(api.post(again(invitation_id)), 409)
    assert error["fields"] == {"status": ["answered"]}
    assert smtp_server.envelopes == []


def test_a_queued_invitation_answered_before_its_retry_is_not_mailed_again(
    api, survey, customers, smtp_server, db, monkeypatch
):
    def lost_after_data(session, message):
        raise mailer.MailError("SMTPServerDisconnected: Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr(mailer.Session, "send", lost_after_data)
        invitation_id = invite(api, survey)["id"]
    invitation = db.session.get(Invitation, invitation_id)
    invitation.used_at = invitation.created_at  # the copy the server had taken was answered
    db.session.commit()
    assert invitations.deliver_many([invitation_id]).outcomes == {"sent": 1}
    assert smtp_server.envelopes == []
    assert db.session.query(Contact).count() == 1  # she was asked


def test_a_customers_second_failed_invitation_is_decided_by_the_budget(
    api, survey, journey, customers, outage, smtp_server, db
):
    """One ask at a time: her oldest is sent, then the budget decides on the next as on a new
    invitation (the default's 14 days between asks: skipped)."""
    from tests.conftest import new_survey

    other = new_survey(api, journey["id"], phase="orientatie")
    first = outage(api, survey, "klant-1")
    contacts = db.session.query(Contact).all()
    assert contacts == []
    second = outage(api, other, "klant-1")
    result = api.post(AGAIN).json
    assert result == {
        "queued": 1,
        "skipped": {"min_days_between": 1},
        "remaining": 0,
        "not_active": 0,
    }
    db.session.expire_all()
    assert db.session.get(Invitation, first).status == "sent"
    assert db.session.get(Invitation, second).skip_reason == "min_days_between"
    assert len(smtp_server.envelopes) == 1


@pytest.mark.usefixtures("users")
def test_the_button_counts_what_it_sends(app, api, survey, journey, customers, outage, smtp_server):
    from tests.conftest import new_survey

    outage(api, survey, "klant-1")
    other = new_survey(api, journey["id"], phase="orientatie")
    outage(api, other, "klant-2")
    api.patch(f"/api/v1/surveys/{other['id']}", json={"active": False})
    editor = Dashboard(app.test_client())
    editor.login("editor@testbad.example")
    page = editor.html("/dashboard/invitations")
    assert "Send the 1 that failed for a passing reason again" in page
    api.patch(f"/api/v1/surveys/{survey['id']}", json={"active": False})
    page = editor.html("/dashboard/invitations")
    assert "mail server down or busy: 2" in page and "for a passing reason again" not in page


def test_skipped_before_sending_gives_the_ask_back(api, client, survey, customers, db, monkeypatch):
    """Unsubscribed between the invitation and its email (the link in an earlier email, or
    at send time): she was never asked by it."""
    from app.services import unsubscribes

    monkeypatch.setattr(invitations, "enqueue", lambda ids: len(ids))  # a worker's, later
    first = invite(api, survey, "klant-1")["id"]
    second = invite(api, survey, "klant-2")["id"]
    assert db.session.query(Contact).count() == 2
    klant1 = db.session.get(Invitation, first).customer
    brand_id = klant1.brand_id
    unsubscribes.suppress(brand_id, "klant2@example.nl")  # checked again at send time
    db.session.commit()
    assert invitations.deliver_many([second]).outcomes == {"skipped": 1}
    assert db.session.query(Contact).count() == 1
    from app.services import survey_tokens

    token = survey_tokens.unsubscribe_token(brand_id, klant1.id)
    unsubscribes.unsubscribe(token)
    db.session.expire_all()
    assert db.session.get(Invitation, first).status == "skipped"
    assert db.session.query(Contact).count() == 0


@pytest.mark.postgres
def test_sent_again_while_an_erasure_commits_is_a_404(
    app, api, survey, customers, outage, smtp_server
):
    from sqlalchemy import text

    from tests.conftest import Contenders, api_post

    invitation_id = outage(api, survey, "klant-1")
    held = ("SELECT id FROM customer WHERE external_id = 'klant-1' FOR UPDATE", {})
    with Contenders([api_post(app, api, again(invitation_id))], *held) as race:
        race.holding.execute(text("DELETE FROM invitation WHERE id = :id"), {"id": invitation_id})
    [reply] = race.replies
    assert_error(reply, 404)


@pytest.mark.postgres
def test_an_unsubscribe_while_her_email_goes_out_keeps_its_ask(
    app, api, survey, customers, smtp_server, db, monkeypatch
):
    """The unsubscribe waits for the sender that is mailing her queued invitation; that one is
    sent then, and its ask stays counted."""
    import threading
    import time

    from app.extensions import db as _db
    from app.services import survey_tokens, unsubscribes
    from tests.conftest import slow_mail, wait_for_lock_waits

    monkeypatch.setattr(invitations, "enqueue", lambda ids: len(ids))  # a worker's, below
    invitation_id = invite(api, survey)["id"]
    invitation = db.session.get(Invitation, invitation_id)
    ask = invitation.contact_id
    token = survey_tokens.unsubscribe_token(invitation.brand_id, invitation.customer_id)
    slow_mail(monkeypatch, 1.0)
    outcome = []

    def worker():
        with app.app_context():
            outcome.append(invitations.deliver(invitation_id))
            _db.session.remove()

    def unsubscriber():
        with app.app_context():
            unsubscribes.unsubscribe(token)
            _db.session.remove()

    sender = threading.Thread(target=worker)
    sender.start()
    time.sleep(0.3)  # it has claimed the invitation and talks to the server
    unsubscribing = threading.Thread(target=unsubscriber)
    unsubscribing.start()
    assert wait_for_lock_waits(_db.engine, 1)
    sender.join(10)
    unsubscribing.join(10)
    db.session.expire_all()
    assert outcome == ["sent"] and db.session.get(Invitation, invitation_id).status == "sent"
    assert db.session.get(Contact, ask) is not None
