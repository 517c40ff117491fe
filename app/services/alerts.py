"""Sending follow-up alerts: one email per dashboard user listing their pending alerts.

The pipeline writes the alerts (services.follow_up) and queues a job per user after its
commit (queue "email", app.pipeline.email_jobs). The job takes that user's pending alerts
under row locks, checks each again (alerts still on, the phase still chosen, the answer still
there, not marked handled, its customer not erased), mails what is left in one message and
marks every alert sent, skipped or, after a permanent refusal (or MAIL_RETRY_HOURS of a
temporary one), failed.
A second run finds no pending alert and sends nothing. Alerts left pending (Redis down, SMTP
down longer than the job's retries) are sent by the workers' looks every few minutes
(worker.kick_due_mail; without Redis, the web process's: due_looks) once LEFT_AFTER old, and by
`flask pipeline sweep`.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app import locks
from app.extensions import db, queue
from app.models import Alert, Brand, Customer, FollowUpHandled, Phase, Response, Survey, User
from app.models.alert import FAILED, PENDING, SENT, SKIPPED
from app.models.base import utcnow
from app.services import alert_mail, mailer

log = logging.getLogger(__name__)

WRITTEN_OUT = 20  # answers written out in one email; the rest are counted, with a link
# An alert still pending this long after it was made is past its job's retries (10, 60 and
# 300 s) or lost its job (Redis was down): the looks mail it. Sooner, its job may be coming.
LEFT_AFTER = timedelta(minutes=15)
LEFT_USERS = 200  # users whose alerts one look's job mails; the rest wait for the next look
KICK = "email:alerts-left"  # its own kick: the invitations' job coalesces apart


def enqueue(pairs: list[tuple[int, int]]) -> int:
    """Queue a job per user for these (alert id, user id) pairs; returns the jobs queued.

    Never raises: it runs after the pipeline's commit, which must not be undone by it. An
    alert whose job could not be queued stays pending for `flask pipeline sweep`."""
    from app.pipeline import email_jobs

    queued = 0
    for alert_ids in by_user(pairs):
        try:
            queued += queue.enqueue("email", email_jobs.send_follow_up_alerts, alert_ids)
        except Exception:
            log.exception("could not queue follow-up alerts %s; the sweep will", alert_ids)
    return queued


def deliver(alert_ids: list[int]) -> dict[str, int]:
    """Mail the pending alerts of the users these alerts belong to: one email per user.
    Returns how many alerts were sent, skipped, failed or kept for a retry; raises MailError
    after a temporary failure, once every user was tried, so that the queue retries."""
    outcomes, done = _deliver(_users_of(alert_ids))
    if isinstance(done.error, mailer.MailError):
        raise done.error
    return dict(outcomes)


def send_waiting(alert_ids: list[int]) -> dict[str, int]:
    """deliver() for the sweep: alerts kept for a retry are counted as "retry", not raised."""
    return dict(_deliver(_users_of(alert_ids))[0])


def _users_of(alert_ids: list[int]) -> list[int]:
    """The users with pending alerts among these, in user order."""
    return sorted(
        db.session.scalars(
            select(Alert.user_id)
            .where(Alert.id.in_(list(alert_ids)), Alert.status == PENDING)
            .distinct()
        )
    )


def _deliver(user_ids: list[int], seconds: float | None = None) -> tuple[Counter, mailer.Round]:
    """Each user's email, with all their pending alerts, over one SMTP conversation
    (mailer.send_each: a server that does not answer at all ends the round, and the other
    users' alerts wait for the retry or the sweep rather than each for SMTP_TIMEOUT; a user's
    email that cannot be made does not stop the next users'). The alerts by outcome, and the
    round."""
    outcomes: Counter = Counter()

    def one(user_id: int, session: mailer.Session) -> None:
        sent, error = _send_to(user_id, session)  # in a transaction of its own
        outcomes.update(sent)
        if error is not None:
            raise error

    def fault(user_id: int, error: Exception) -> str:
        outcomes.update(_note_fault(user_id, error))
        return "noted"

    return outcomes, mailer.send_each(user_ids, one, fault, seconds, "follow-up alerts of user")


def _note_fault(user_id: int, error: Exception) -> Counter:
    """A user's email that could not be made (a bug, bad data): their pending alerts keep the
    error and are retried, and fail once MAIL_RETRY_HOURS have passed, as a refused email's,
    rather than stopping every sweep at this user."""
    pending = db.session.scalars(
        select(Alert).where(Alert.user_id == user_id, Alert.status == PENDING)
    ).all()
    outcomes = Counter(mailer.note_fault(alert, error) for alert in pending)
    db.session.commit()
    return outcomes


def _claim(user_id: int) -> list[Alert]:
    """The user's pending alerts, locked until the commit (locks.claimed)."""
    return locks.claimed(Alert, Alert.user_id == user_id, Alert.status == PENDING)


def _facts(response_ids: list[int]) -> dict[int, tuple[str, object, bool]]:
    """{response id: (phase key, customer's erased_at, handled)} for the answers still there."""
    rows = db.session.execute(
        select(Response.id, Phase.key, Customer.erased_at, FollowUpHandled.response_id)
        .join(Phase, Phase.id == Response.phase_id)
        .outerjoin(Customer, Customer.id == Response.customer_id)
        .outerjoin(FollowUpHandled, FollowUpHandled.response_id == Response.id)
        .where(Response.id.in_(response_ids))
    )
    return {
        response_id: (key, erased_at, handled is not None)
        for response_id, key, erased_at, handled in rows
    }


def skip_reason(user: User | None, facts: tuple[str, object, bool] | None) -> str | None:
    """Why an alert is no longer sent, decided when it would be sent; None: send it."""
    if user is None:
        return "the user is removed"
    if not user.alerts_on:
        return "the user turned follow-up alerts off"
    if facts is None:
        return "the answer is deleted"
    phase_key, erased_at, handled = facts
    if user.alert_phases and phase_key not in user.alert_phases:
        return "the user no longer wants alerts for this phase"
    if erased_at is not None:
        return "the customer is erased"
    if handled:
        return "the answer was marked handled"
    return None


def _send_to(user_id: int, session: mailer.Session) -> tuple[Counter, mailer.MailError | None]:
    """One email with the user's pending alerts: (alerts by outcome, a temporary failure)."""
    outcomes: Counter = Counter()
    claimed = _claim(user_id)
    if not claimed:
        db.session.rollback()
        return outcomes, None
    user = db.session.get(User, user_id, populate_existing=True)
    facts = _facts([alert.response_id for alert in claimed])
    kept = []
    for alert in claimed:
        reason = skip_reason(user, facts.get(alert.response_id))
        if reason:
            alert.status, alert.error = SKIPPED, reason
            outcomes[SKIPPED] += 1
        else:
            kept.append(alert)
    if not kept:
        db.session.commit()
        return outcomes, None
    message = alert_mail.build(
        db.session.get(Brand, user.brand_id),
        user,
        _written_out([alert.response_id for alert in kept[:WRITTEN_OUT]]),
        total=len(kept),
        # the same for a retry of these alerts: the receiver can drop a second copy
        message_id=mailer.message_id("alert", kept[0].id, kept[-1].created_at),
    )
    for alert in kept:
        alert.attempts += 1
    try:
        session.send(message)
    except mailer.MailError as error:
        for alert in kept:
            alert.error = str(error)[:300]
            # A 5xx for the address (no such mailbox): no retry can deliver it.
            if mailer.given_up(error, alert.created_at):
                alert.status = FAILED
        failed = sum(alert.status == FAILED for alert in kept)
        db.session.commit()
        if failed:
            outcomes[FAILED] += failed
            log.warning("follow-up alerts of user %s failed for good: %s", user_id, error)
        if failed < len(kept):
            outcomes["retry"] += len(kept) - failed
        return outcomes, None if failed == len(kept) else error
    now = utcnow()
    for alert in kept:
        alert.status, alert.sent_at, alert.error = SENT, now, None
    db.session.commit()
    outcomes[SENT] += len(kept)
    return outcomes, None


def _written_out(response_ids: list[int]) -> list[Response]:
    responses = db.session.scalars(
        select(Response)
        .where(Response.id.in_(response_ids))
        .options(
            selectinload(Response.survey).selectinload(Survey.questions),
            selectinload(Response.phase).selectinload(Phase.journey),
            selectinload(Response.customer),
        )
    )
    by_id = {response.id: response for response in responses}
    return [by_id[response_id] for response_id in response_ids if response_id in by_id]


def _left(now: datetime) -> tuple:
    return Alert.status == PENDING, Alert.created_at <= now - LEFT_AFTER


def any_left(now: datetime | None = None) -> bool:
    """Whether an alert was left pending past its job (the looks ask: one indexed read)."""
    found = db.session.scalar(select(Alert.id).where(*_left(now or utcnow())).limit(1))
    return found is not None


def send_left_job() -> dict[str, int]:
    """The `email` queue's job that the looks kick while alerts are left: mails them as the
    sweep does (each user's pending alerts in one email), for LEFT_USERS users at most, those
    tried least first, so that one user's mailbox that keeps refusing does not hold back the
    others'. One the server would not take yet waits for the next look, not for RQ's retries:
    this job does not raise for it. Out of time, or its worker stopping, it leaves the rest to
    a new job."""
    from app.pipeline import email_jobs

    queue.take_kick(KICK)
    user_ids = db.session.scalars(
        select(Alert.user_id)
        .where(*_left(utcnow()))
        .group_by(Alert.user_id)
        .order_by(func.max(Alert.attempts), func.min(Alert.id))
        .limit(LEFT_USERS)
    ).all()
    db.session.rollback()  # end the read: each user's email has a transaction of its own
    outcomes, done = _deliver(list(user_ids), mailer.JOB_SECONDS)
    if done.left and not queue.inline:
        queue.kick("email", email_jobs.send_alerts_left, key=KICK)
    return dict(outcomes)


def waiting(limit: int = 100_000) -> list[tuple[int, int]]:
    """(alert id, user id) of the alerts still pending, oldest first: for the sweep."""
    return [
        (alert_id, user_id)
        for alert_id, user_id in db.session.execute(
            select(Alert.id, Alert.user_id)
            .where(Alert.status == PENDING)
            .order_by(Alert.id)
            .limit(limit)
        )
    ]


def by_user(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Alert ids grouped per user (one email each), in user order."""
    groups: dict[int, list[int]] = {}
    for alert_id, user_id in pairs:
        groups.setdefault(user_id, []).append(alert_id)
    return [groups[user_id] for user_id in sorted(groups)]


def skip_erased(response_ids: list[int]) -> int:
    """Erasure (services.privacy): pending alerts about these answers are never sent."""
    if not response_ids:
        return 0
    result = db.session.execute(
        update(Alert)
        .where(Alert.response_id.in_(response_ids), Alert.status == PENDING)
        .values(status=SKIPPED, error="the customer is erased")
    )
    return result.rowcount or 0
