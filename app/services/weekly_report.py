"""The weekly report: on Monday, the week that ended, mailed to every dashboard user who asked.

The workers' looks every few minutes (worker.kick_due_mail; without Redis, the web process's:
due_looks) and `flask pipeline sweep` call `make_due`, which writes one `weekly_report` row per
opted-in user for the last whole week (Monday to Sunday, the brand's days: brand_days) unless
that user has one for it, then mail the pending rows. The unique (user, week) makes a look or
sweep that runs again, or two at once, send nothing twice; a temporary SMTP failure leaves the
row pending for the next look, until MAIL_RETRY_HOURS after it was made (then failed, as
alerts).

Only the last week is made: if nothing looked for three weeks, one report is sent, not three.
A user who turns the report on mid-week gets the week that ended at the next look.
"""

import logging
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select

from app import locks, timestamps
from app.extensions import db, queue
from app.models import Brand, User, WeeklyReport
from app.models.base import utcnow
from app.models.weekly_report import FAILED, PENDING, SENT, SKIPPED
from app.services import mailer, trends, upserts, weekly_report_mail

log = logging.getLogger(__name__)


def last_whole_week(now: datetime, zone_name: str | None) -> date:
    """The Monday of the last week that has ended by `now` in that zone: in Amsterdam the
    week ends at Sunday's midnight there, an hour before it ends in UTC."""
    today = timestamps.local_day(now, zone_name)
    return trends.period_start(today, "week") - timedelta(days=7)


def set_report(user_id: int, on: bool) -> User:
    user = db.session.get(User, user_id)
    user.weekly_report_on = bool(on)
    db.session.commit()
    return user


def _due(now: datetime, limit: int | None = None) -> list[tuple[int, date]]:
    """(user id, week) of the opted-in users without a report of their last whole week. Per
    time zone of their brands (a handful): that zone's week, and its users without a row for
    it (the unique (user, week) index answers each), at most `limit` in all."""
    zones = db.session.scalars(
        select(Brand.time_zone)
        .join(User, User.brand_id == Brand.id)
        .where(User.weekly_report_on.is_(True))
        .distinct()
        .order_by(Brand.time_zone)
    ).all()
    due: list[tuple[int, date]] = []
    for zone in zones:
        week = last_whole_week(now, zone)
        reported = exists().where(WeeklyReport.user_id == User.id, WeeklyReport.week_start == week)
        users = (
            select(User.id)
            .join(Brand, Brand.id == User.brand_id)
            .where(User.weekly_report_on.is_(True), Brand.time_zone == zone, ~reported)
            .order_by(User.id)
            .limit(None if limit is None else limit - len(due))
        )
        due += [(user_id, week) for user_id in db.session.scalars(users)]
        if limit is not None and len(due) >= limit:
            break
    return due


def make_due(now: datetime | None = None) -> int:
    """A pending report of the last whole week for every opted-in user without one; returns
    how many were made. Idempotent: the unique (user, week) ignores the rows already there."""
    now = now or utcnow()
    due = _due(now)
    if not due:
        db.session.rollback()
        return 0
    rows = [
        {"user_id": uid, "week_start": week, "created_at": now, "status": PENDING, "attempts": 0}
        for uid, week in due
    ]
    # RETURNING: a multi-row insert's rowcount is not the rows made on psycopg
    made = upserts.insert_ignore(
        WeeklyReport, ("user_id", "week_start"), rows, returning=True
    ).all()
    db.session.commit()
    return len(made)


def any_due(now: datetime | None = None) -> bool:
    """Whether a report is to be made or is waiting to be mailed: the workers' and the web
    process's looks (worker.kick_due_mail) ask every few minutes; a few small reads."""
    waiting_one = db.session.scalar(
        select(WeeklyReport.id).where(WeeklyReport.status == PENDING).limit(1)
    )
    return waiting_one is not None or bool(_due(now or utcnow(), limit=1))


# Reports one job mails; more waiting kick the next job at once (Monday morning at a large
# instance), so that no job runs for long and a stopping worker leaves the rest to the others.
PER_JOB = 200
KICK = "email:weekly-reports"  # its own kick: the invitations' job coalesces apart


def send_due_job() -> dict[str, int]:
    """The `email` queue's job that the looks kick while a report is due: makes the reports of
    the week that ended and mails those waiting (make_due, then a round of PER_JOB, those
    tried least first), as the sweep does. Reports a temporary failure kept pending wait for
    the next look (every few minutes), not for RQ's retries: this job does not raise for them.
    A round that ran out of time (or whose worker stops) or mailed all it took kicks the next
    job at once."""
    from app.pipeline import email_jobs

    queue.take_kick(KICK)
    make_due()
    report_ids = waiting(limit=PER_JOB)
    if not report_ids:
        return {}
    outcomes, done = _round(report_ids, mailer.JOB_SECONDS)
    # Not after those the server would not take yet: a kick now would only ask it again.
    settled = sum(n for outcome, n in outcomes.items() if outcome != "retry")
    more = done.left or settled >= PER_JOB
    # Inline (the web process's looks) the next round is the next look.
    if more and not queue.inline:
        queue.kick("email", email_jobs.send_weekly_reports_due, key=KICK)
    return outcomes


def waiting(limit: int = 100_000) -> list[int]:
    """The ids of the reports still pending, those tried least first, then oldest: a report
    the server keeps refusing for a while goes behind the others, not before them each time."""
    return list(
        db.session.scalars(
            select(WeeklyReport.id)
            .where(WeeklyReport.status == PENDING)
            .order_by(WeeklyReport.attempts, WeeklyReport.id)
            .limit(limit)
        )
    )


def _claim(report_id: int) -> WeeklyReport | None:
    """The report if it is still pending, locked until the commit (locks.claimed)."""
    found = locks.claimed(
        WeeklyReport, WeeklyReport.id == report_id, WeeklyReport.status == PENDING
    )
    return found[0] if found else None


def _note_fault(report_id: int, error: Exception) -> str:
    """A report that cannot be built (a fault, not the mail server) is kept for a retry and,
    MAIL_RETRY_HOURS on, failed, as a refused one: it must not stop the reports after it,
    sweep after sweep. "retry", "failed", or "gone" (no longer pending)."""
    report = db.session.get(WeeklyReport, report_id)
    if report is None or report.status != PENDING:
        return "gone"
    outcome = mailer.note_fault(report, error)
    db.session.commit()
    return outcome


def _send_one(report_id: int, session: mailer.Session, known: dict) -> str | None:
    """Mail one pending report: its outcome, or None when there was nothing to do; raises the
    temporary failure that keeps it pending. `known`: the brands' figures a round has
    computed, by (brand id, week); `session`: the round's SMTP conversation."""
    report = _claim(report_id)
    if report is None:
        db.session.rollback()
        return None
    user = db.session.get(User, report.user_id, populate_existing=True)
    if not user.weekly_report_on:
        report.status, report.error = SKIPPED, "the user turned the weekly report off"
        db.session.commit()
        return SKIPPED
    brand = db.session.get(Brand, user.brand_id)
    # A brand's week reads the same to each of its users: its figures (seconds of queries at a
    # large brand) are computed once per round, the reader's lines added to each.
    figures = known.get((brand.id, report.week_start))
    if figures is None:
        figures = weekly_report_mail.figures(brand, report.week_start)
        known[(brand.id, report.week_start)] = figures
    message = weekly_report_mail.build(
        brand,
        user,
        report.week_start,
        # the same for a retry of this report: the receiver can drop a second copy
        message_id=mailer.message_id("weekly-report", report.id, report.created_at),
        brand_figures=figures,
    )
    report.attempts += 1
    try:
        session.send(message)
    except mailer.MailError as error:
        report.error = str(error)[:300]
        if mailer.given_up(error, report.created_at):
            report.status = FAILED
            log.warning("the weekly report %s failed for good: %s", report.id, error)
        db.session.commit()
        if report.status == FAILED:
            return FAILED
        raise
    report.status, report.sent_at, report.error = SENT, utcnow(), None
    db.session.commit()
    return SENT


def _round(report_ids: list[int], seconds: float | None = None) -> tuple[dict, mailer.Round]:
    """These reports over one SMTP conversation (mailer.send_each: Monday's reports to every
    user pay the connect and login once; a server that does not answer at all ends the round,
    and the rest wait rather than each for SMTP_TIMEOUT). The reports by outcome (one kept
    pending by the server counted as "retry"), and the round."""
    known: dict = {}  # this round's figures per brand and week
    kept: Counter = Counter()

    def one(report_id: int, session: mailer.Session) -> str | None:
        try:
            return _send_one(report_id, session, known)
        except mailer.MailError:
            kept["retry"] += 1
            raise

    done = mailer.send_each(report_ids, one, _note_fault, seconds, "weekly report")
    outcomes = done.outcomes + kept
    outcomes.pop("gone", None)  # another sender's, or removed meanwhile
    return dict(outcomes), done


def deliver(report_id: int) -> str | None:
    """The job's (`pipeline sweep --enqueue`): mail one report; raises MailError after a
    temporary failure, so that the queue retries."""
    outcomes, done = _round([report_id])
    if isinstance(done.error, mailer.MailError):
        raise done.error
    return next(iter(outcomes), None)


def send_waiting(report_ids: list[int]) -> dict[str, int]:
    """The sweep's: mail these reports over one SMTP conversation; one kept for a retry is
    counted as "retry"."""
    return _round(report_ids)[0]


def preview(user: User, now: datetime | None = None) -> dict:
    """What the next report to `user` would say, for the account page: the last whole week."""
    brand = db.session.get(Brand, user.brand_id)
    week = last_whole_week(now or utcnow(), brand.time_zone)
    return {
        "week": weekly_report_mail.week_words(week),
        "subject": weekly_report_mail.subject(brand, week),
        "text": weekly_report_mail.text(brand, user, week),
    }
