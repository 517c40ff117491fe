"""The team's own mail needs no cron: the workers' looks every few minutes (without Redis, the
web process's: due_looks) make and mail the weekly reports of the week that ended, and mail
the follow-up alerts their jobs left pending, each once, as `flask pipeline sweep` does."""

import threading

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.extensions import queue
from app.models import Alert, User, WeeklyReport
from app.services import alerts, mailer, weekly_report, weekly_report_mail, worker
from tests.channels.helpers import Greylisting, RefusesOne, SlowFor
from tests.conftest import brand_with_survey
from tests.dashboard.conftest import answer

pytestmark = pytest.mark.smtp

NOTHING = {"invitations": False, "weekly_reports": False, "alerts": False}


def turn_on(*users: User) -> None:
    for user in users:
        _db.session.get(User, user.id).weekly_report_on = True
    _db.session.commit()


def statuses(model) -> list[str]:
    _db.session.expire_all()
    return sorted(_db.session.scalars(select(model.status)))


@pytest.fixture
def not_queued(monkeypatch):
    """The alerts' jobs cannot be queued (Redis is down): the alerts stay pending."""
    monkeypatch.setattr(alerts, "enqueue", lambda pairs: 0)


def test_a_look_with_nothing_due_kicks_nothing(brand, users, smtp_server):
    assert worker.kick_due_mail() == NOTHING
    assert smtp_server.envelopes == []


def test_a_look_makes_and_mails_the_weekly_reports_once(brand, users, smtp_server):
    turn_on(users["owner"], users["viewer"])
    assert worker.kick_due_mail() == {**NOTHING, "weekly_reports": True}  # inline: it ran
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "owner@testbad.example",
        "viewer@testbad.example",
    ]
    assert smtp_server.messages[0]["Subject"].startswith("Testbad: your week, ")
    assert statuses(WeeklyReport) == ["sent", "sent"]
    assert worker.kick_due_mail() == NOTHING  # every few minutes: nothing twice
    assert len(smtp_server.envelopes) == 2


def test_a_report_the_server_would_not_take_yet_waits_for_the_next_look(brand, users, mail_server):
    server = mail_server(Greylisting())  # a 451 first, then it takes them
    turn_on(users["owner"])
    assert weekly_report.send_due_job() == {"retry": 1}  # not raised: the next look retries
    assert statuses(WeeklyReport) == ["pending"]
    assert weekly_report.any_due()
    assert worker.kick_due_mail()["weekly_reports"] is True
    assert statuses(WeeklyReport) == ["sent"] and len(server.envelopes) == 1


def test_an_alert_left_pending_is_mailed_by_a_look_once_its_job_is_past(
    api, survey, users, smtp_server, not_queued
):
    users["owner"].alerts_on = True
    _db.session.commit()
    answer(api, survey, 2)
    assert statuses(Alert) == ["pending"]
    # its job may still come (or be between retries): the look leaves it
    assert worker.kick_due_mail() == NOTHING
    alert = _db.session.scalars(select(Alert)).one()
    alert.created_at -= alerts.LEFT_AFTER
    _db.session.commit()
    assert worker.kick_due_mail() == {**NOTHING, "alerts": True}
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["owner@testbad.example"]]
    assert statuses(Alert) == ["sent"]
    assert worker.kick_due_mail() == NOTHING
    assert len(smtp_server.envelopes) == 1


def test_an_alert_the_server_would_not_take_waits_for_the_next_look(
    api, survey, users, mail_server, not_queued
):
    mail_server(Greylisting())
    users["owner"].alerts_on = True
    _db.session.commit()
    answer(api, survey, 2)
    alert = _db.session.scalars(select(Alert)).one()
    alert.created_at -= alerts.LEFT_AFTER
    _db.session.commit()
    assert alerts.send_left_job() == {"retry": 1}  # not raised
    assert statuses(Alert) == ["pending"] and alerts.any_left()


def test_a_look_that_fails_does_not_stop_the_others(brand, users, smtp_server, monkeypatch):
    def broken(now=None):
        raise RuntimeError("the database went away")

    turn_on(users["owner"])
    monkeypatch.setattr(alerts, "any_left", broken)
    assert worker.kick_due_mail() == {**NOTHING, "weekly_reports": True}
    assert len(smtp_server.envelopes) == 1


def left_alerts(api, survey, users, *roles, answers: int = 1) -> None:
    """`answers` detractors, each alerting these users; their alerts left past their jobs."""
    for role in roles:
        users[role].alerts_on = True
    _db.session.commit()
    for _ in range(answers):
        answer(api, survey, 2)
    for alert in _db.session.scalars(select(Alert)):
        alert.created_at -= alerts.LEFT_AFTER
    _db.session.commit()


@pytest.fixture
def stopping_worker():
    """The worker was asked to stop (SIGTERM): jobs finish what they hold, not their round."""
    queue.request_stop()
    yield
    queue.request_stop(False)


def test_a_stopping_worker_mails_one_report_and_leaves_the_rest(
    brand, users, smtp_server, stopping_worker
):
    turn_on(*users.values())
    assert weekly_report.send_due_job() == {"sent": 1}
    assert statuses(WeeklyReport) == ["pending", "pending", "sent"]


def test_a_stopping_worker_mails_one_users_alerts_and_leaves_the_rest(
    api, survey, users, smtp_server, not_queued, stopping_worker
):
    left_alerts(api, survey, users, "owner", "editor", "viewer")
    assert alerts.send_left_job() == {"sent": 1}
    assert statuses(Alert) == ["pending", "pending", "sent"]


def test_a_jobs_time_running_out_is_not_taken_for_the_reports_fault(
    brand, users, smtp_server, monkeypatch
):
    """RQ raises its job timeout inside the job: noted as a fault, the job went on and a
    report the server had taken was mailed again by the next look. It ends the job now."""
    from rq.timeouts import JobTimeoutException

    def out_of_time(*args, **kwargs):
        raise JobTimeoutException("Task exceeded maximum timeout value (300 seconds)")

    turn_on(users["owner"])
    monkeypatch.setattr(weekly_report_mail, "figures", out_of_time)
    with pytest.raises(JobTimeoutException):
        weekly_report.send_due_job()
    report = _db.session.scalars(select(WeeklyReport)).one()
    assert (report.status, report.attempts, report.error) == ("pending", 0, None)


class LateTimer(threading.Timer):
    """The deadline's timer thread 50 ms late, as on a busy worker."""

    def __init__(self, interval, function, *args, **kwargs):
        super().__init__(interval + 0.05, function, *args, **kwargs)


@pytest.mark.parametrize("timer", ["on time", "late"])
def test_one_slow_mailbox_holds_back_only_its_report(
    app, brand, users, mail_server, monkeypatch, timer
):
    """Whichever fires first, the conversation's deadline or smtplib's own read timeout: the
    read's used to pass for a server that does not answer, and end the round."""
    first = min(users.values(), key=lambda user: user.id)
    inbox = mail_server(SlowFor(first.email))
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1)
    if timer == "late":
        monkeypatch.setattr(mailer.threading, "Timer", LateTimer)
    turn_on(*users.values())
    assert weekly_report.send_due_job() == {"retry": 1, "sent": 2}
    assert first.email not in {e.rcpt_tos[0] for e in inbox.envelopes}


def test_reports_the_server_keeps_refusing_go_behind_the_others(
    brand, users, mail_server, monkeypatch
):
    monkeypatch.setattr(weekly_report, "PER_JOB", 2)
    first = min(users.values(), key=lambda user: user.id)
    inbox = mail_server(RefusesOne(first.email, "452 4.2.2 mailbox full"))
    turn_on(*users.values())
    assert weekly_report.send_due_job() == {"retry": 1, "sent": 1}
    # the next look takes the one not tried yet before the refused one again
    assert weekly_report.send_due_job() == {"sent": 1, "retry": 1}
    assert len(inbox.envelopes) == 2 and statuses(WeeklyReport) == ["pending", "sent", "sent"]


def test_a_users_alerts_the_server_keeps_refusing_go_behind_the_others(
    api, survey, users, mail_server, not_queued, monkeypatch
):
    monkeypatch.setattr(alerts, "LEFT_USERS", 1)
    inbox = mail_server(RefusesOne("owner@testbad.example", "452 4.2.2 mailbox full"))
    left_alerts(api, survey, users, "owner", "viewer", answers=3)
    assert alerts.send_left_job() == {"retry": 3}  # the owner's three, in one email
    assert alerts.send_left_job() == {"sent": 3}  # then the viewer's, not the owner's again
    assert [e.rcpt_tos for e in inbox.envelopes] == [["viewer@testbad.example"]]


# --- with workers -------------------------------------------------------------------------


def _opted_in_brand() -> User:
    brand, _key, _journey, _survey = brand_with_survey("Maandag", "maandag")
    user = User(brand=brand, email="lezer@maandag.example", role="viewer")
    user.password_hash, user.weekly_report_on = "x", True
    _db.session.add(user)
    _db.session.commit()
    return user


@pytest.mark.redis
def test_a_real_worker_mails_the_weekly_report_beside_the_due_invitations(redis_app, smtp_server):
    """Each kind of mail has its own kick: the invitations' job coalescing does not swallow
    the weekly reports' (a burst worker's start looks, runs the jobs it kicked, and stops)."""
    from app.services import worker as worker_module
    from tests.conftest import reached_on_arrival

    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_TLS=False)
    with redis_app.app_context():
        reader = _opted_in_brand().email
        reached_on_arrival("Op tijd", "op-tijd")
        worker_module.run(burst=True)
        assert statuses(WeeklyReport) == ["sent"]
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == sorted([reader, "k1@example.nl"])


@pytest.mark.redis
def test_a_job_that_mailed_its_whole_round_kicks_the_next(redis_app, smtp_server, monkeypatch):
    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_TLS=False)
    kicked = []
    monkeypatch.setattr(weekly_report, "PER_JOB", 1)
    with redis_app.app_context():
        _opted_in_brand()
        second = User(brand_id=_db.session.scalars(select(User.brand_id)).first(), role="viewer")
        second.email, second.password_hash, second.weekly_report_on = "b@maandag.example", "x", True
        _db.session.add(second)
        _db.session.commit()
        monkeypatch.setattr(
            weekly_report.queue, "kick", lambda name, func, key=None: kicked.append(key)
        )
        assert weekly_report.send_due_job() == {"sent": 1}
        assert kicked == [weekly_report.KICK]
        assert weekly_report.send_due_job() == {"sent": 1}
        assert weekly_report.send_due_job() == {}
    assert kicked == [weekly_report.KICK] * 2 and len(smtp_server.envelopes) == 2
