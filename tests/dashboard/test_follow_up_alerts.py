"""Follow-up alerts ("close the loop"): a dashboard user opts in on Your account, the pipeline
writes an alert per opted-in user for each answer that needs a follow-up, and a job mails each
user one email listing their pending alerts, once."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from app.extensions import db as _db
from app.models import Alert, Response, User
from app.pipeline import email_jobs
from app.services import alerts, follow_up, mailer, processing
from tests.channels.helpers import Greylisting, Inbox, Refusing, free_port
from tests.conftest import brand_with_survey, new_survey
from tests.dashboard.conftest import answer

NEGATIVE = "Levering te laat en de tegels waren beschadigd"
EFFORT = [{"key": "effort", "type": "ces", "text": {"nl": "Hoeveel moeite?", "en": "How easy?"}}]


def stored_alerts() -> set[tuple[int, int, str]]:
    _db.session.expire_all()
    return {
        (alert.user_id, alert.response_id, alert.status)
        for alert in _db.session.scalars(select(Alert))
    }


def stored_user(user_id: int) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user_id)


def opt_in(user: User, phases=()) -> None:
    user.alerts_on, user.alert_phases = True, list(phases)
    _db.session.commit()


@pytest.fixture
def not_queued(monkeypatch):
    """The alerts' jobs cannot be queued (Redis is down): the alerts stay pending."""
    monkeypatch.setattr(alerts, "enqueue", lambda pairs: 0)


@pytest.fixture
def customer(api):
    created = api.post("/api/v1/customers", json={"external_id": "klant-1", "email": "anna@x.nl"})
    assert created.status_code == 201, created.json
    return created.json


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


# --- the account page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_every_role_opts_in_on_the_account_page(as_role, users, journey, role):
    page = as_role(role)
    html = page.html("/dashboard/account")
    assert "Follow-up alerts: email me when an answer needs a follow-up" in html
    # named as the map names them: in the brand's language (Dutch), not in English
    assert 'name="phases" value="levering"' in html and "Levering &amp; montage" in html
    assert "Delivery" not in html
    assert not stored_user(users[role].id).alerts_on  # off until asked for

    response = page.post("/dashboard/account/alerts", {"alerts_on": "on", "scope": "all"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/account#alerts")
    user = stored_user(users[role].id)
    assert user.alerts_on is True and user.alert_phases == []
    html = page.html("/dashboard/account")
    assert f"Follow-up alerts are on: they go to {role}@testbad.example." in html
    assert 'id="alerts-on" checked' in html


def test_the_emails_link_opens_the_account_page_at_the_alerts_after_login(client, users):
    """The email's link carries ?section=alerts: the login page drops a #fragment, and the
    page puts the focus (and so the view) on the alerts choice itself."""
    from tests.dashboard.conftest import Dashboard

    reader = Dashboard(client)
    gone = reader.get("/dashboard/account?section=alerts")
    assert gone.status_code == 302
    assert "next=/dashboard/account?section%3Dalerts" in gone.headers["Location"]
    assert reader.login("owner@testbad.example").status_code == 302
    html = reader.html("/dashboard/account?section=alerts")
    assert 'id="alerts-on" autofocus' in html
    assert "autofocus" not in reader.html("/dashboard/account")


def test_a_choice_of_phases_is_stored_and_shown(dash, users, journey):
    form = {"alerts_on": "on", "scope": "selected", "phases": ["levering", "aankoop"]}
    assert dash.post("/dashboard/account/alerts", form).status_code == 302
    assert stored_user(users["owner"].id).alert_phases == ["levering", "aankoop"]
    html = dash.html("/dashboard/account")
    assert 'value="levering" id="alerts-phase-3" checked' in html
    assert 'value="orientatie" id="alerts-phase-1">' in html  # not chosen
    assert 'value="selected" id="alerts-selected" checked' in html

    # off again: nothing is sent, and the choice of phases is kept for next time
    form = {"scope": "selected", "phases": ["aankoop"]}
    assert dash.post("/dashboard/account/alerts", form).status_code == 302
    user = stored_user(users["owner"].id)
    assert user.alerts_on is False and user.alert_phases == ["aankoop"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"alerts_on": "maybe"}, "alerts_on"),
        ({"alerts_on": "on", "scope": "some"}, "scope"),
        ({"alerts_on": "on", "scope": "selected"}, "phases"),  # only these, and none ticked
        (
            {"alerts_on": "on", "scope": "selected", "phases": ["levering", "bestaat-niet"]},
            "phases",
        ),
        ({"alerts_on": "on", "scope": "selected", "phases": ["x" * 49]}, "phases"),
    ],
)
def test_bad_values_are_a_422_with_the_form_errors_and_nothing_stored(
    dash, users, journey, form, field
):
    response = dash.post("/dashboard/account/alerts", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please correct the marked fields." in html
    assert f'id="err-{field}"' in html
    user = stored_user(users["owner"].id)
    assert user.alerts_on is False and user.alert_phases == []


def test_a_hand_made_clash_of_field_names_is_a_422(dash, users):
    response = dash.post("/dashboard/account/alerts", {"alerts_on": "on", "alerts_on.x": "1"})
    assert response.status_code == 422
    assert stored_user(users["owner"].id).alerts_on is False


def test_another_brands_phase_key_is_refused(dash, users, journey, db):
    from app.services import brands, journeys

    other, _ = brands.create_brand("Ander Bad", "ander-bad", "nl")
    journeys.create_journey(
        other, {"name": "Ander", "phases": [{"key": "installatie", "name": "Installatie"}]}
    )
    form = {"alerts_on": "on", "scope": "selected", "phases": ["installatie"]}
    response = dash.post("/dashboard/account/alerts", form)
    assert response.status_code == 422
    assert "not a phase of this brand: installatie" in response.get_data(as_text=True)
    assert 'value="installatie"' not in dash.html("/dashboard/account")
    assert stored_user(users["owner"].id).alerts_on is False


def test_a_form_without_its_csrf_token_is_refused(dash, users):
    response = dash.post("/dashboard/account/alerts", {"alerts_on": "on"}, csrf=False)
    assert response.status_code == 400
    assert stored_user(users["owner"].id).alerts_on is False


def test_every_form_on_the_account_page_carries_a_csrf_token(dash):
    from tests.dashboard.conftest import TOKEN

    html = dash.html("/dashboard/account")
    assert len(TOKEN.findall(html)) == html.count("<form")


# --- the pipeline writes the alerts -------------------------------------------------------------


@pytest.mark.smtp
def test_the_pipeline_alerts_each_opted_in_user_once_per_answer_that_needs_it(
    api, journey, survey, users, other_brand, smtp_server
):
    from tests.conftest import ApiClient

    opt_in(users["owner"])
    opt_in(users["viewer"], phases=["aankoop"])  # effort on aankoop only, not levering
    other_user = User(
        brand=other_brand["brand"],
        email="iemand@anderbad.example",
        role="owner",
        password_hash=users["owner"].password_hash,
    )
    _db.session.add(other_user)
    opt_in(other_user)
    effort = new_survey(api, journey["id"], "aankoop", EFFORT)

    detractor = answer(api, survey, 6)
    passive = answer(api, survey, 7, 3, "Prima")
    low_csat = answer(api, survey, 8, 2)
    negative = answer(api, survey, 9, 4, NEGATIVE)
    high_effort = api.post(
        "/api/v1/responses", json={"survey_id": effort["id"], "answers": {"effort": 6}}
    ).json["id"]
    low_effort = api.post(
        "/api/v1/responses", json={"survey_id": effort["id"], "answers": {"effort": 5}}
    ).json["id"]
    other = ApiClient(api.client, other_brand["key"])
    theirs = other.post(
        "/api/v1/responses", json={"survey_id": other_brand["survey_id"], "answers": {"nps": 0}}
    ).json["id"]

    owner, viewer = users["owner"].id, users["viewer"].id
    assert stored_alerts() == {
        (owner, detractor, "sent"),
        (owner, low_csat, "sent"),
        (owner, negative, "sent"),
        (owner, high_effort, "sent"),
        (viewer, high_effort, "sent"),
        (other_user.id, theirs, "sent"),
    }
    assert passive not in {response for _, response, _ in stored_alerts()}
    assert low_effort not in {response for _, response, _ in stored_alerts()}
    # inline, each answer is a batch of its own: one email per user and answer here
    recipients = sorted(str(message["To"]) for message in smtp_server.messages)
    assert recipients == sorted(
        ["owner@testbad.example"] * 4 + ["viewer@testbad.example", "iemand@anderbad.example"]
    )

    # the pipeline again: a processed answer is not processed twice, and no alert is made twice
    assert processing.process_batch([detractor, high_effort, theirs]) == []
    assert len(stored_alerts()) == 6 and len(smtp_server.messages) == 6


@contextmanager
def statements():
    executed = []

    def count(conn, cursor, statement, parameters, context, executemany):
        executed.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)


def test_the_step_costs_one_query_without_subscribers_and_never_writes_twice(
    api, survey, users, db, not_queued
):
    ids = [answer(api, survey, score) for score in (2, 9, 4)]  # nobody opted in yet
    assert stored_alerts() == set()
    batch = [(response, None) for response in db.session.scalars(select(Response))]
    with statements() as executed:
        follow_up.make_alerts(batch)
    assert len(executed) == 1  # the users with alerts on: none

    opt_in(users["editor"], phases=["levering"])
    batch = [(response, None) for response in db.session.scalars(select(Response))]
    for _ in range(2):  # twice: the unique (user, response) turns the second into nothing
        with statements() as executed:
            follow_up.make_alerts(batch)
        assert len(executed) == 3  # the users, the phase keys, one INSERT for every alert
    db.session.commit()
    editor = users["editor"].id
    assert stored_alerts() == {(editor, ids[0], "pending"), (editor, ids[2], "pending")}


# --- the email --------------------------------------------------------------------------------


@pytest.mark.smtp
def test_one_email_per_user_lists_their_pending_alerts_and_a_second_run_sends_nothing(
    app, api, survey, users, customer, smtp_server, not_queued, journey
):
    opt_in(users["owner"])
    first = answer(api, survey, 3, 2, NEGATIVE, customer="klant-1")
    answer(api, survey, 0)
    answer(api, survey, 9, 1)
    pending = sorted(_db.session.scalars(select(Alert.id)))
    assert len(pending) == 3 and smtp_server.messages == []

    assert email_jobs.send_follow_up_alerts(pending[:1]) == {"sent": 3}  # all of the user's
    [message] = smtp_server.messages
    assert message["To"] == "owner@testbad.example"
    assert message["Subject"] == "Testbad: 3 answers need a follow-up (Delivery)"
    assert message["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<alert-1\.[0-9a-f]{20}@phasewise\.local>", message["Message-ID"])
    body = text_of(message)
    created = _db.session.get(Response, first).created_at
    assert f"1. Delivery (Badkamer), {created.day} " in body and f"{created:%H:%M} UTC" in body
    assert "Why: NPS detractor (0-6); low CSAT (1 or 2); negative written answer" in body
    assert "How likely…? 3 (of 0-10)" in body  # the question in English, as the dashboard
    assert "How satisfied are you? 2 (of 1-5)" in body
    assert f"Written answer:\n     > {NEGATIVE}\n" in body
    assert "Customer: klant-1, anna@x.nl" in body
    phase_link = (
        f"http://127.0.0.1:5000/dashboard/journeys/{journey['id']}/phases/levering"
        "?show=follow_up#verbatims"  # the list where an answer without text is found too
    )
    assert body.count(f"Open it in the dashboard: {phase_link}\n") == 3
    assert "3. Delivery (Badkamer)" in body and "And " not in body
    assert "you turned on follow-up alerts for Testbad (all phases)" in body
    assert "http://127.0.0.1:5000/dashboard/account?section=alerts#alerts" in body
    assert {status for *_, status in stored_alerts()} == {"sent"}

    assert email_jobs.send_follow_up_alerts(pending) == {}  # again: nothing is pending
    assert len(smtp_server.messages) == 1


@pytest.mark.smtp
def test_twenty_answers_are_written_out_and_the_rest_counted(
    api, survey, users, smtp_server, not_queued
):
    opt_in(users["viewer"])
    for _ in range(22):
        answer(api, survey, 1)
    assert alerts.send_waiting([1]) == {"sent": 22}
    [message] = smtp_server.messages
    body = text_of(message)
    assert message["Subject"] == "Testbad: 22 answers need a follow-up (Delivery)"
    assert "20. Delivery" in body and "21. " not in body
    assert "And 2 more: see each phase's answers that need a follow-up in the dashboard," in body
    assert "phases/levering?show=follow_up#verbatims\n\n-- " in body


@pytest.mark.smtp
def test_what_the_customer_wrote_is_written_out_as_written(api, survey, users, smtp_server):
    opt_in(users["owner"])
    text = "{{ 7*7 }} slecht, heel slecht {% raw %}<b>nee</b>\nOpen it in the dashboard: http://evil.example"
    answer(api, survey, 2, None, text)
    body = text_of(smtp_server.messages[0])
    assert "     > {{ 7*7 }} slecht, heel slecht {% raw %}<b>nee</b>\n" in body
    assert "     > Open it in the dashboard: http://evil.example\n" in body  # quoted: not ours
    # not evaluated as a template: "{{ 7*7 }} slecht" would read "49 slecht" (a bare "49" can
    # also be the minute the answer came in, which the email writes out)
    assert "49 slecht" not in body


@pytest.mark.smtp
def test_a_brand_name_with_a_line_break_cannot_add_a_header(api, survey, brand, users, smtp_server):
    brand.name = "Bad\r\nBcc: stiekem@example.com"
    _db.session.commit()
    opt_in(users["owner"])
    answer(api, survey, 0)
    [message] = smtp_server.messages
    assert (
        message["Subject"] == "Bad Bcc: stiekem@example.com: 1 answer needs a follow-up (Delivery)"
    )
    assert message["Bcc"] is None
    assert smtp_server.envelopes[0].rcpt_tos == ["owner@testbad.example"]


# --- SMTP trouble -----------------------------------------------------------------------------


@pytest.mark.smtp
def test_a_retry_after_a_temporary_failure_sends_once(api, survey, users, mail_server):
    server = mail_server(Greylisting())
    opt_in(users["owner"])
    response_id = answer(api, survey, 4)  # inline: the job's first try meets the 451
    [alert] = _db.session.scalars(select(Alert)).all()
    assert (alert.status, alert.attempts) == ("pending", 1)
    assert alert.error.startswith("451 4.7.1 greylisted")
    assert server.envelopes == []

    assert email_jobs.send_follow_up_alerts([alert.id]) == {"sent": 1}  # RQ's retry
    assert stored_alerts() == {(users["owner"].id, response_id, "sent")}
    assert len(server.envelopes) == 1
    # the same Message-ID as the refused try: a receiver that took it after all drops a copy
    refused = server.refused[0].content.decode()
    assert server.messages[0]["Message-ID"] in refused
    assert email_jobs.send_follow_up_alerts([alert.id]) == {}
    assert len(server.envelopes) == 1


@pytest.mark.smtp
def test_a_permanent_refusal_fails_the_alerts_at_once(api, survey, users, mail_server):
    mail_server(Refusing())
    opt_in(users["editor"])
    answer(api, survey, 1)
    [alert] = _db.session.scalars(select(Alert)).all()
    assert (alert.status, alert.attempts) == ("failed", 1)
    assert alert.error.startswith("550 5.1.1 mailbox unknown")
    assert email_jobs.send_follow_up_alerts([alert.id]) == {}  # nothing left to retry


def test_a_temporary_failure_keeps_the_alert_pending_for_the_sweep_until_a_day_passed(
    api, survey, users, monkeypatch, not_queued
):
    """Every pipeline job tries the user's pending alerts: four failing jobs within seconds of
    an SMTP outage used to fail them for good, and the sweep found nothing to send. A server
    down or busy now fails an alert only once it has waited MAIL_RETRY_HOURS."""
    from datetime import timedelta

    from app.services import mailer

    def busy(session, message):
        raise mailer.MailError("421 4.3.2 busy")

    def take(session, message):
        sent.append(message)

    sent = []
    monkeypatch.setattr(mailer.Session, "send", busy)
    opt_in(users["owner"])
    answer(api, survey, 5)
    [alert_id] = _db.session.scalars(select(Alert.id)).all()
    for _ in range(6):  # more tries than the job's retries
        with pytest.raises(mailer.MailError):
            email_jobs.send_follow_up_alerts([alert_id])
    alert = _db.session.get(Alert, alert_id)
    assert (alert.status, alert.attempts, alert.error) == ("pending", 6, "421 4.3.2 busy")

    monkeypatch.setattr(mailer.Session, "send", take)  # the server is back: the sweep sends
    assert alerts.send_waiting([alert_id]) == {"sent": 1} and len(sent) == 1

    answer(api, survey, 4)
    [late] = _db.session.scalars(select(Alert).where(Alert.status == "pending")).all()
    late.created_at -= timedelta(hours=24)
    _db.session.commit()
    monkeypatch.setattr(mailer.Session, "send", busy)
    assert alerts.send_waiting([late.id]) == {"failed": 1}  # a day of trying: failed now


# --- checked again when sending ---------------------------------------------------------------


@pytest.mark.smtp
def test_alerts_turned_off_before_sending_are_skipped(
    dash, api, survey, users, smtp_server, not_queued
):
    opt_in(users["owner"])
    answer(api, survey, 2)
    assert dash.post("/dashboard/account/alerts", {"scope": "all"}).status_code == 302
    assert alerts.send_waiting([1]) == {"skipped": 1}
    assert stored_alerts() == {(users["owner"].id, 1, "skipped")}
    assert _db.session.get(Alert, 1).error == "the user turned follow-up alerts off"
    assert smtp_server.messages == []


@pytest.mark.smtp
def test_a_phase_no_longer_chosen_is_skipped_the_others_sent(
    api, journey, survey, users, smtp_server, not_queued
):
    opt_in(users["owner"])
    effort = new_survey(api, journey["id"], "aankoop", EFFORT)
    levering = answer(api, survey, 0)
    aankoop = api.post(
        "/api/v1/responses", json={"survey_id": effort["id"], "answers": {"effort": 7}}
    ).json["id"]
    opt_in(users["owner"], phases=["aankoop"])
    assert alerts.send_waiting([1]) == {"sent": 1, "skipped": 1}
    owner = users["owner"].id
    assert stored_alerts() == {(owner, levering, "skipped"), (owner, aankoop, "sent")}
    body = text_of(smtp_server.messages[0])
    assert "How easy? 7 (of 1-7)" in body and "Why: high effort (CES 6 or 7)" in body
    assert "(aankoop)" in body  # the phases the footer says they chose


@pytest.mark.smtp
def test_a_removed_user_takes_their_alerts_along(dash, api, survey, users, smtp_server, not_queued):
    opt_in(users["viewer"])
    answer(api, survey, 2)
    assert len(stored_alerts()) == 1
    viewer = users["viewer"].id
    assert dash.post(f"/dashboard/team/{viewer}/remove").status_code == 302
    assert stored_alerts() == set()  # ON DELETE CASCADE
    assert alerts.send_waiting([1]) == {}
    assert smtp_server.messages == []


@pytest.mark.smtp
def test_a_customer_erased_before_sending_is_never_named(
    api, survey, users, customer, smtp_server, not_queued
):
    opt_in(users["owner"])
    answer(api, survey, 2, None, NEGATIVE, customer="klant-1")
    assert api.delete("/api/v1/customers/klant-1").status_code == 200
    assert stored_alerts() == {(users["owner"].id, 1, "skipped")}
    assert _db.session.get(Alert, 1).error == "the customer is erased"
    assert alerts.send_waiting([1]) == {}
    assert smtp_server.messages == []


@pytest.mark.smtp
def test_an_answer_deleted_before_sending_takes_its_alert_along(
    api, survey, users, smtp_server, not_queued
):
    opt_in(users["owner"])
    response_id = answer(api, survey, 2)
    _db.session.delete(_db.session.get(Response, response_id))
    _db.session.commit()
    assert stored_alerts() == set()
    assert alerts.send_waiting([1]) == {}


# --- Redis ------------------------------------------------------------------------------------


@pytest.mark.smtp
def test_redis_down_keeps_alerts_pending_and_the_sweep_sends_them(database_uri, app):
    from aiosmtpd.controller import Controller

    from app import create_app
    from tests.conftest import _normalise, wipe

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    down = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": _normalise(database_uri),
            "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
        },
    )
    try:
        with down.app_context():
            key, survey_id = _brand_with_an_alerted_user("viewer")
        client = down.test_client()
        for score in (2, 10):
            posted = client.post(
                "/api/v1/responses",
                json={"survey_id": survey_id, "answers": {"nps": score}},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert posted.status_code == 202
        runner = down.test_cli_runner()
        result = runner.invoke(args=["pipeline", "sweep"])
        assert result.exit_code == 0, result.output
        assert "processed 2 responses" in result.output
        assert "follow-up alerts: 1 sent" in result.output
        assert len(inbox.messages) == 1
        assert inbox.messages[0]["Subject"] == "Wachtrij: 1 answer needs a follow-up (Delivery)"
        assert runner.invoke(args=["pipeline", "sweep"]).output.strip() == "nothing waiting"
        assert len(inbox.envelopes) == 1
    finally:
        controller.stop()
        with down.app_context():
            _db.session.remove()
            _db.engine.dispose()
        wipe(app)


def _brand_with_an_alerted_user(role: str) -> tuple[str, int]:
    """A brand of a second app (its own app context) whose one user has alerts on: its API
    key and survey id."""
    brand, key, _journey, survey = brand_with_survey("Wachtrij", "wachtrij")
    user = User(brand=brand, email="marketeer@wachtrij.example", role=role)
    user.password_hash, user.alerts_on = "x", True
    _db.session.add(user)
    _db.session.commit()
    return key, survey.id


@pytest.mark.redis
@pytest.mark.smtp
def test_a_worker_sends_the_alert_once_after_the_pipeline_job(redis_app):
    from aiosmtpd.controller import Controller

    from app.services import worker

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=False)
    try:
        with redis_app.app_context():
            key, survey_id = _brand_with_an_alerted_user("editor")
        posted = redis_app.test_client().post(
            "/api/v1/responses",
            json={"survey_id": survey_id, "answers": {"nps": 1}},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert posted.status_code == 202
        assert inbox.envelopes == []  # the web process only queued the pipeline
        with redis_app.app_context():
            worker.run(burst=True)  # the pipeline job, then the alert job it queued
            assert len(inbox.envelopes) == 1
            [alert_id] = _db.session.scalars(select(Alert.id)).all()
            alerts.enqueue([(alert_id, _db.session.get(Alert, alert_id).user_id)])
            worker.run(burst=True)  # the same job again sends nothing
            assert _db.session.get(Alert, alert_id).status == "sent"
        assert len(inbox.envelopes) == 1
    finally:
        controller.stop()
        with redis_app.app_context():
            _db.session.remove()


# --- the phase page's list of answers that need a follow-up ------------------------------------


def test_the_phase_page_lists_every_answer_an_alert_is_about(dash, api, journey, survey, customer):
    """Written or not: the alert's link leads to a list where an NPS-only detractor is found,
    with the customer to contact; the default list stays the written answers."""
    api.post("/api/v1/customers", json={"external_id": "<b>K&2</b>", "email": "k2@x.nl"})
    flagged = {
        answer(api, survey, 3, customer="klant-1"),  # a detractor, nothing written
        answer(api, survey, 8, csat=2),  # a low CSAT, anonymous
        answer(api, survey, 9, text="Slecht, te laat en kapot", customer="<b>K&2</b>"),
    }
    calm = {answer(api, survey, 10), answer(api, survey, 9, text="Prima, netjes gedaan")}
    url = f"/dashboard/journeys/{journey['id']}/phases/levering"
    page = dash.html(f"{url}?show=follow_up")
    shown = {int(found) for found in re.findall(r'data-response="(\d+)"', page)}
    assert shown == flagged, "the list is the alert rule's answers, and only those"
    assert "Answers that need a follow-up" in page
    assert "No written answer." in page and "CSAT 2" in page
    # each customer links to their page in the customer lookup
    link = r'Customer <a href="/dashboard/customers/\d+">'
    assert re.search(link + "klant-1</a> · anna@x.nl", page)
    assert re.search(link + "&lt;b&gt;K&amp;2&lt;/b&gt;</a> · k2@x.nl", page)  # escaped
    assert "An anonymous answer: there is no customer to contact." in page
    written = {int(found) for found in re.findall(r'data-response="(\d+)"', dash.html(url))}
    assert written == {max(flagged), max(calm)}  # the default list: written answers only
    assert dash.get(f"{url}?show=everything").status_code == 422


def test_the_list_and_the_alerts_follow_one_rule(db, api, survey):
    """follow_up.condition() (SQL) says yes exactly where follow_up.reasons() does."""
    for score in range(11):
        for csat in (None, 1, 2, 3, 5):
            answer(api, survey, score, csat=csat, text="heel slecht" if score == 5 else None)
    rows = db.session.execute(select(Response)).scalars().all()
    in_sql = set(db.session.scalars(select(Response.id).where(follow_up.condition())))
    assert in_sql == {r.id for r in rows if follow_up.response_reasons(r)}
    assert 0 < len(in_sql) < len(rows)


@pytest.mark.smtp
def test_two_senders_at_once_mail_the_alerts_once(
    app, api, survey, users, smtp_server, not_queued, monkeypatch
):
    """`make run` serves requests in threads and sends alerts inline: two answers processed
    at once both find the user's pending alert. SQLite ignores FOR UPDATE, so the claim's
    first write takes its one write lock; PostgreSQL skips the locked rows."""
    from tests.conftest import at_once, slow_mail

    opt_in(users["owner"])
    answer(api, survey, 3)
    [alert_id] = _db.session.scalars(select(Alert.id)).all()
    _db.session.commit()
    slow_mail(monkeypatch)
    outcomes = at_once(app, lambda: alerts.deliver([alert_id]))
    assert len(smtp_server.envelopes) == 1
    assert sorted(outcomes, key=len) == [{}, {"sent": 1}]


def test_the_subject_names_the_phases_so_alerts_do_not_thread_as_one():
    from types import SimpleNamespace

    from app.services import alert_mail

    def answer_in(name):
        return SimpleNamespace(phase=SimpleNamespace(display_name=lambda locale: name))

    brand = SimpleNamespace(name="Testbad")
    names = ["Delivery", "Quote", "Delivery", "Use", "Need"]
    assert alert_mail.subject(brand, 1, [answer_in("Delivery")]) == (
        "Testbad: 1 answer needs a follow-up (Delivery)"
    )
    assert alert_mail.subject(brand, 9, [answer_in(n) for n in names]) == (
        "Testbad: 9 answers need a follow-up (Delivery, Quote and 2 more)"
    )


def test_an_email_that_cannot_be_made_does_not_stop_the_other_users(
    api, survey, users, monkeypatch, not_queued
):
    """A bug or bad data in one user's email kept the sweep from every user after it."""
    from datetime import timedelta

    from app.services import alert_mail, mailer

    sent = []
    monkeypatch.setattr(mailer.Session, "send", lambda session, message: sent.append(message))
    build = alert_mail.build

    def broken_for_the_owner(brand, user, responses, total, message_id):
        if user.email.startswith("owner"):
            raise ValueError("a bug in the email")
        return build(brand, user, responses, total, message_id)

    monkeypatch.setattr(alert_mail, "build", broken_for_the_owner)
    opt_in(users["owner"])
    opt_in(users["editor"])
    answer(api, survey, 2)
    ids = list(_db.session.scalars(select(Alert.id).order_by(Alert.id)))
    assert alerts.send_waiting(ids) == {"retry": 1, "sent": 1}
    assert [str(message["To"]) for message in sent] == ["editor@testbad.example"]
    owner_alert = _db.session.scalars(select(Alert).where(Alert.status == "pending")).one()
    assert owner_alert.error == "ValueError: a bug in the email"
    owner_alert.created_at -= timedelta(hours=24)
    _db.session.commit()
    assert alerts.send_waiting(ids) == {"failed": 1}


@pytest.mark.smtp
def test_a_round_mails_its_users_over_one_conversation(api, survey, users, mail_server, not_queued):
    from tests.channels.helpers import Peers

    server = mail_server(Peers())
    for role in ("owner", "editor", "viewer"):
        opt_in(users[role])
    answer(api, survey, 1)
    ids = list(_db.session.scalars(select(Alert.id)))
    assert alerts.send_waiting(ids) == {"sent": 3}
    assert len(server.messages) == 3 and len(set(server.peers)) == 1


def test_a_round_stops_at_a_server_that_does_not_answer(app, api, survey, users, monkeypatch):
    """The other users' alerts wait for the retry, not each for SMTP_TIMEOUT."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens
    monkeypatch.setattr(alerts, "enqueue", lambda pairs: 0)
    for role in ("owner", "editor", "viewer"):
        opt_in(users[role])
    answer(api, survey, 1)
    ids = list(_db.session.scalars(select(Alert.id)))
    with pytest.raises(mailer.MailError):
        email_jobs.send_follow_up_alerts(ids)
    _db.session.expire_all()
    tried = sorted(alert.attempts for alert in _db.session.scalars(select(Alert)))
    assert tried == [0, 0, 1]
    assert {alert.status for alert in _db.session.scalars(select(Alert))} == {"pending"}
