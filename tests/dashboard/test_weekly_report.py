"""The weekly report: a dashboard user turns it on on Your account; `flask pipeline sweep`
makes a report of the week that ended for every such user and mails it, once per user and
week, whatever the retries; it says per journey how each phase did against the week before,
what to fix first, and what is open, and nothing about any one customer."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Journey, User, WeeklyReport
from app.models.base import utcnow
from app.pipeline import email_jobs
from app.services import follow_up, mailer, trends, weekly_report, weekly_report_mail
from tests.channels.helpers import Greylisting, Refusing
from tests.conftest import at_once, brand_with_survey, slow_mail
from tests.dashboard.conftest import add_rollup, answer

THIS_WEEK = trends.period_start(utcnow().date(), "week")


def stored_reports() -> set[tuple[int, date, str]]:
    _db.session.expire_all()
    return {
        (report.user_id, report.week_start, report.status)
        for report in _db.session.scalars(select(WeeklyReport))
    }


def turn_on(*users: User) -> None:
    for user in users:
        _db.session.get(User, user.id).weekly_report_on = True
    _db.session.commit()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["pipeline", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


# --- the account page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_every_role_turns_the_report_on_and_off(as_role, users, role):
    page = as_role(role)
    html = page.html("/dashboard/account")
    assert "Weekly report: email me the week that ended, every Monday" in html
    assert not _db.session.get(User, users[role].id).weekly_report_on  # off until asked for

    response = page.post("/dashboard/account/weekly-report", {"weekly_report_on": "on"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/account#report")
    _db.session.expire_all()
    assert _db.session.get(User, users[role].id).weekly_report_on is True
    html = page.html("/dashboard/account")
    assert (
        f"The weekly report is on: last week&#39;s goes to {role}@testbad.example at the next"
        " send round, then each week&#39;s on Monday." in html
    )
    assert 'id="report-on" checked' in html

    assert page.post("/dashboard/account/weekly-report", {}).status_code == 302  # unticked
    _db.session.expire_all()
    assert _db.session.get(User, users[role].id).weekly_report_on is False
    assert "The weekly report is off." in page.html("/dashboard/account")


def test_a_bad_value_is_a_422_and_nothing_is_stored(dash, users):
    response = dash.post("/dashboard/account/weekly-report", {"weekly_report_on": "maybe"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="report-on" aria-invalid="true" aria-describedby="err-weekly_report_on"' in html
    assert 'id="err-weekly_report_on"' in html
    _db.session.expire_all()
    assert _db.session.get(User, users["owner"].id).weekly_report_on is False


def test_a_form_without_its_csrf_token_is_refused(dash, users):
    response = dash.post("/dashboard/account/weekly-report", {"weekly_report_on": "on"}, csrf=False)
    assert response.status_code == 400
    _db.session.expire_all()
    assert _db.session.get(User, users["owner"].id).weekly_report_on is False


def test_the_emails_link_opens_the_account_page_at_the_report(dash):
    assert 'id="report-on" autofocus' in dash.html("/dashboard/account?section=report")


def test_the_preview_shows_last_weeks_report_with_its_text_escaped(dash, api, journey, users):
    _db.session.get(Journey, journey["id"]).name = "Kopen <b>nu</b>"
    _db.session.commit()
    html = dash.html("/dashboard/account/weekly-report")
    words = weekly_report_mail.week_words(THIS_WEEK - timedelta(days=7))
    assert f"What the weekly report says about the last whole week, {words} (Monday" in html
    assert "It is off:" in html
    assert "Kopen &lt;b&gt;nu&lt;/b&gt;" in html and "<b>nu</b>" not in html
    # the links are links, and only the report's own
    assert '<a href="http://127.0.0.1:5000/dashboard?journey=' in html


def test_the_preview_needs_a_login(client):
    response = client.get("/dashboard/account/weekly-report")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- what it says -----------------------------------------------------------------------------


def test_it_compares_each_phase_with_the_week_before(api, brand, journey, survey, users):
    journey_row = _db.session.get(Journey, journey["id"])
    levering = next(phase for phase in journey_row.phases if phase.key == "levering")
    week = THIS_WEEK - timedelta(days=7)
    add_rollup(brand, levering.id, week + timedelta(days=2), 20, 10, 10, csat=(4, 40))
    add_rollup(brand, levering.id, week - timedelta(days=3), 10, 10, 20)
    add_rollup(brand, levering.id, week + timedelta(days=7), 99, 0, 0)  # the week after: not in
    _db.session.commit()

    text = weekly_report_mail.text(brand, users["owner"], week)
    first, last = week, week + timedelta(days=6)
    assert f"This is the week of {weekly_report_mail.week_words(week)} (Monday to Sunday" in text
    assert "  40 answers (the week before 40)." in text
    # NPS 25 against −25, 40 answers each: weighed, and more than chance
    assert (
        "  - Delivery: 40 answers (the week before 40); NPS +25 (the week before −25): +50,"
        " more than chance; CSAT 4.0 of 5" in text
    )
    assert "  - Orientation: 0 answers (the week before 0)\n" in text
    assert f"/dashboard?journey={journey['id']}&from={first}&to={last}" in text
    assert "Follow-ups: none open." in text
    assert "Reviews: 0 new in the week; 0 wait for moderation." in text
    assert "Loyalty points: 0 earned and 0 redeemed in the week, by 0 customers." in text
    assert "/dashboard/account?section=report#report" in text


def test_too_few_answers_are_not_weighed(brand, journey, users):
    journey_row = _db.session.get(Journey, journey["id"])
    phase = journey_row.phases[0]
    week = THIS_WEEK - timedelta(days=7)
    add_rollup(brand, phase.id, week, 3, 0, 1)
    add_rollup(brand, phase.id, week - timedelta(days=1), 1, 0, 1)
    _db.session.commit()
    text = weekly_report_mail.text(brand, users["owner"], week)
    assert "NPS +50 (the week before 0), too few answers to weigh the change" in text


def test_nps_reads_as_on_the_dashboard_and_the_change_adds_up():
    """12.5 is 12.5 (it read "+12", Python's half to even); the change is the difference of
    the two scores shown: 27.4 against 20.6 read "+27 (the week before +21): +7"."""
    from app.pipeline import nps

    def figure(promoters, passives, detractors):
        counts = nps.NpsCounts(promoters, passives, detractors)
        return {"nps": nps.summary(counts)}

    now, before = figure(29, 38, 13), figure(49, 48, 27)  # 20.0 and 17.7 over 80 and 124
    assert now["nps"]["score"] == 20.0 and before["nps"]["score"] == 17.7
    words = weekly_report_mail.nps_words(now, before)
    assert words == "NPS +20 (the week before +17.7): +2.3, within chance"
    before = figure(3, 1, 2)  # 16.7
    assert weekly_report_mail.nps_words(figure(2, 5, 1), before).startswith("NPS +12.5 (")
    assert weekly_report_mail.nps_words(figure(1, 5, 2), before).startswith("NPS −12.5 (")


def test_a_journey_without_answers_says_so(brand, journey, users):
    text = weekly_report_mail.text(brand, users["owner"], THIS_WEEK)
    assert "  No answers this week or the week before." in text


def test_a_brand_without_a_journey_is_told_where_to_start(brand, users):
    text = weekly_report_mail.text(brand, users["owner"], THIS_WEEK)
    assert "Testbad has no journey yet: http://127.0.0.1:5000/dashboard" in text


def test_a_brand_whose_journeys_are_all_archived_is_not_told_it_has_none(
    api, brand, journey, users
):
    assert api.post(f"/api/v1/journeys/{journey['id']}/archive").status_code == 200
    text = weekly_report_mail.text(brand, users["owner"], THIS_WEEK)
    assert "has no journey yet" not in text
    assert "Every journey of Testbad is archived; restore one at " in text


def test_open_follow_ups_per_phase_and_nothing_about_any_customer(
    api, brand, journey, survey, users
):
    api.post("/api/v1/customers", json={"external_id": "klant-77", "email": "anna@example.nl"})
    flagged = [
        answer(api, survey, 2, text="Monteur kwam niet, slechte service", customer="klant-77"),
        answer(api, survey, 3),
        answer(api, survey, 1),
    ]
    answer(api, survey, 10, text="Top")
    follow_up.mark_handled(brand, flagged[2], "owner@testbad.example")
    text = weekly_report_mail.text(brand, users["owner"], THIS_WEEK)
    assert (
        "Follow-ups: 2 answers need a follow-up and are not marked handled, 2 of them from"
        " the week." in text
    )
    assert (
        f"- Delivery: 2 open, 2 from the week: http://127.0.0.1:5000/dashboard/journeys/"
        f"{journey['id']}/phases/levering?show=follow_up#verbatims" in text
    )
    # figures only: no answer, name or address reaches a mailbox an erasure cannot reach
    for private in ("klant-77", "anna@example.nl", "Monteur kwam niet"):
        assert private not in text
    # last week's report counts them open, none from that week
    earlier = weekly_report_mail.text(brand, users["owner"], THIS_WEEK - timedelta(days=7))
    assert "- Delivery: 2 open, 0 from the week:" in earlier


def test_another_brands_journeys_and_answers_stay_out(client, api, brand, journey, survey, users):
    other, _, _, other_survey = brand_with_survey("Concurrent <BV>", "concurrent")
    add_rollup(other, other_survey.phase_id, THIS_WEEK, 50, 0, 0)
    _db.session.commit()
    text = weekly_report_mail.text(brand, users["owner"], THIS_WEEK)
    assert "Concurrent" not in text
    assert "  No answers this week or the week before." in text


@pytest.mark.parametrize(
    ("monday", "words"),
    [
        (date(2026, 11, 23), "23–29 November 2026"),
        (date(2026, 11, 30), "30 November – 6 December 2026"),
        (date(2026, 12, 28), "28 December 2026 – 3 January 2027"),
    ],
)
def test_the_week_in_words(monday, words):
    assert weekly_report_mail.week_words(monday) == words


# --- made once per user and week --------------------------------------------------------------


def test_the_last_whole_week_is_the_one_that_ended_where_the_brand_is():
    monday = date(2026, 11, 30)
    for hours in (0, 1, 24 * 6 + 22):  # any moment of the week after, in UTC
        now = datetime.combine(monday, datetime.min.time()) + timedelta(hours=hours)
        assert weekly_report.last_whole_week(now, "UTC") == date(2026, 11, 23)
        assert weekly_report.last_whole_week(now, "Europe/Amsterdam") == date(2026, 11, 23)
    # Sunday 23:30 UTC is Monday 00:30 in Amsterdam: that week has ended there, not in UTC
    late = datetime(2026, 11, 29, 23, 30)
    assert weekly_report.last_whole_week(late, "UTC") == date(2026, 11, 16)
    assert weekly_report.last_whole_week(late, "Europe/Amsterdam") == date(2026, 11, 23)
    # and Monday 03:00 UTC is still Sunday evening in New York
    early = datetime(2026, 11, 30, 3, 0)
    assert weekly_report.last_whole_week(early, "America/New_York") == date(2026, 11, 16)


def test_each_brand_gets_the_week_that_ended_in_its_time_zone(brand, users, db):
    from app.models import User
    from app.services import brands

    west, _ = brands.create_brand("West Bad")
    west.time_zone = "America/New_York"
    db.session.add(User(brand=west, email="o@west.example", password_hash="x", role="owner"))
    db.session.commit()
    turn_on(users["owner"], db.session.query(User).filter_by(email="o@west.example").one())
    # Monday 00:30 in Amsterdam, Sunday 18:30 in New York
    assert weekly_report.make_due(datetime(2026, 11, 29, 23, 30)) == 2
    weeks = {week for _, week, _ in stored_reports()}
    assert weeks == {date(2026, 11, 23), date(2026, 11, 16)}


def test_a_report_is_made_once_per_opted_in_user_and_week(brand, users):
    turn_on(users["owner"], users["viewer"])
    now = datetime(2026, 11, 30, 6, 0)
    assert weekly_report.make_due(now) == 2
    assert weekly_report.make_due(now) == 0  # the sweep runs every few minutes
    assert weekly_report.make_due(now + timedelta(days=6)) == 0  # still the same week
    week = date(2026, 11, 23)
    assert stored_reports() == {
        (users["owner"].id, week, "pending"),
        (users["viewer"].id, week, "pending"),
    }
    # three weeks without a sweep: one report, of the last week, not three
    assert weekly_report.make_due(now + timedelta(days=21)) == 2
    assert {row[1] for row in stored_reports()} == {week, date(2026, 12, 14)}


# --- sent by the sweep ------------------------------------------------------------------------


@pytest.mark.smtp
def test_the_sweep_mails_each_report_once(app, brand, journey, users, smtp_server):
    turn_on(users["owner"], users["editor"])
    output = sweep(app)
    assert "weekly reports: 2 sent" in output
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "editor@testbad.example",
        "owner@testbad.example",
    ]
    message = smtp_server.messages[0]
    last = THIS_WEEK - timedelta(days=7)
    assert message["Subject"] == (f"Testbad: your week, {weekly_report_mail.week_words(last)}")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "en"
    assert "This is the week of" in text_of(message)
    assert sweep(app).strip() == "nothing waiting"  # a second sweep sends nothing
    assert len(smtp_server.envelopes) == 2
    assert {status for _, _, status in stored_reports()} == {"sent"}


@pytest.mark.smtp
def test_a_report_turned_off_before_it_is_sent_is_skipped(app, brand, users, smtp_server):
    turn_on(users["owner"])
    weekly_report.make_due()
    _db.session.get(User, users["owner"].id).weekly_report_on = False
    _db.session.commit()
    assert "weekly reports: 1 skipped" in sweep(app)
    assert smtp_server.envelopes == []


@pytest.mark.smtp
def test_a_temporary_failure_is_retried_with_the_same_message_id(app, brand, users, mail_server):
    server = mail_server(Greylisting())
    turn_on(users["owner"])
    assert "weekly reports: 1 retry" in sweep(app)
    [report] = _db.session.scalars(select(WeeklyReport)).all()
    assert (report.status, report.attempts) == ("pending", 1)
    assert report.error.startswith("451 4.7.1 greylisted")

    assert email_jobs.send_weekly_report(report.id) == "sent"  # a job's retry, or the sweep
    assert len(server.envelopes) == 1
    assert server.messages[0]["Message-ID"] in server.refused[0].content.decode()
    assert email_jobs.send_weekly_report(report.id) is None  # nothing left to send
    assert len(server.envelopes) == 1


@pytest.mark.smtp
def test_a_permanent_refusal_fails_the_report_at_once(app, brand, users, mail_server):
    mail_server(Refusing())
    turn_on(users["owner"])
    assert "weekly reports: 1 failed" in sweep(app)
    _db.session.expire_all()
    [report] = _db.session.scalars(select(WeeklyReport)).all()
    assert report.status == "failed" and report.error.startswith("550 5.1.1")
    assert sweep(app).strip() == "nothing waiting"  # not made again for that week


def test_the_job_raises_a_temporary_failure_so_the_queue_retries(brand, users, monkeypatch):
    def busy(session, message):
        raise mailer.MailError("421 4.3.2 busy")

    monkeypatch.setattr(mailer.Session, "send", busy)
    turn_on(users["owner"])
    weekly_report.make_due()
    [report_id] = weekly_report.waiting()
    with pytest.raises(mailer.MailError):
        email_jobs.send_weekly_report(report_id)
    report = _db.session.get(WeeklyReport, report_id)
    report.created_at -= timedelta(hours=24)  # MAIL_RETRY_HOURS of trying
    _db.session.commit()
    assert weekly_report.send_waiting([report_id]) == {"failed": 1}


def test_a_removed_user_takes_their_reports_along(dash, brand, users):
    turn_on(users["viewer"])
    weekly_report.make_due()
    assert dash.post(f"/dashboard/team/{users['viewer'].id}/remove", {}).status_code == 302
    assert stored_reports() == set()


@pytest.mark.postgres
@pytest.mark.smtp
def test_two_sweeps_at_once_send_a_report_once(app, brand, users, smtp_server, monkeypatch):
    turn_on(users["owner"])
    weekly_report.make_due()
    [report_id] = weekly_report.waiting()
    _db.session.commit()
    slow_mail(monkeypatch)
    outcomes = at_once(app, lambda: weekly_report.send_waiting([report_id]))
    assert len(smtp_server.envelopes) == 1
    assert sorted(outcomes, key=len) == [{}, {"sent": 1}]


def test_a_server_that_does_not_answer_ends_the_round(app, brand, users, monkeypatch):
    from tests.channels.helpers import free_port

    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    turn_on(users["owner"], users["editor"], users["viewer"])
    assert "weekly reports: 1 retry" in sweep(app)  # one tried; two wait for the next sweep
    assert sorted(r.attempts for r in _db.session.scalars(select(WeeklyReport))) == [0, 0, 1]


@pytest.mark.smtp
def test_a_report_that_cannot_be_made_does_not_stop_the_others(
    app, brand, users, smtp_server, monkeypatch
):
    build = weekly_report_mail.build

    def broken_for_the_owner(brand, user, week, message_id, **kwargs):
        if user.email.startswith("owner"):
            raise ValueError("a bug in the report")
        return build(brand, user, week, message_id, **kwargs)

    monkeypatch.setattr(weekly_report_mail, "build", broken_for_the_owner)
    turn_on(users["owner"], users["editor"])
    assert "weekly reports: 1 retry, 1 sent" in sweep(app)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["editor@testbad.example"]]
    _db.session.expire_all()
    [stuck] = _db.session.scalars(select(WeeklyReport).where(WeeklyReport.status == "pending"))
    assert (stuck.attempts, stuck.error) == (1, "ValueError: a bug in the report")
    stuck.created_at -= timedelta(hours=24)  # MAIL_RETRY_HOURS of trying: failed, not for ever
    _db.session.commit()
    assert "weekly reports: 1 failed" in sweep(app)


@pytest.mark.smtp
def test_a_round_computes_a_brands_figures_once_for_all_its_readers(
    app, brand, users, smtp_server, monkeypatch
):
    """The brand's week reads the same to each user (seconds of queries at a large brand):
    one computation per round, each reader's email otherwise what `text` makes for them."""
    figures = weekly_report_mail.figures
    computed = []

    def counted(brand, week_start):
        computed.append((brand.id, week_start))
        return figures(brand, week_start)

    monkeypatch.setattr(weekly_report_mail, "figures", counted)
    turn_on(users["owner"], users["editor"], users["viewer"])
    assert "weekly reports: 3 sent" in sweep(app)
    assert len(computed) == 1
    monkeypatch.setattr(weekly_report_mail, "figures", figures)
    _db.session.expire_all()
    readers = {user.email: user for user in users.values()}
    for message in smtp_server.messages:
        reader = readers[message["To"]]
        assert text_of(message) == weekly_report_mail.text(brand, reader, computed[0][1])


@pytest.mark.smtp
def test_the_sweep_mails_the_reports_over_one_conversation(app, brand, users, mail_server):
    """Monday's reports to every user pay the connect and login once."""
    from tests.channels.helpers import Peers

    server = mail_server(Peers())
    turn_on(users["owner"], users["editor"], users["viewer"])
    assert "weekly reports: 3 sent" in sweep(app)
    assert len(set(server.peers)) == 1
