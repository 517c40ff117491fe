"""One reminder to a customer who has not answered an emailed invitation, `remind_after_days`
after it was sent, for a survey that asks for one (Survey.remind_after_days).

A reminder is part of the invitation's ask, not a new one: it spends nothing of the contact
budget, links to the same invitation (single use still holds, and the link works until the
date the first email gave) and goes out at most once. It is skipped, and never tried again,
when the customer has answered the phase since she was invited (by its link or otherwise), may
no longer be emailed, the survey was switched off or no longer reminds, or the link stops
working within a day.

Planned when the invitation is sent (remind_at); the workers' due job (invitations.ask_due_job,
kicked every few minutes), a web process's looks without workers (app.due_looks) and `flask
invitation sweep` take the due ones (reminder_taken_at, committed) and hand them to email jobs:
the next look leaves them alone for LEASE. A sender claims each one again, committed, just
before its email (so two senders never both send it, on SQLite too, and no row lock waits on
the mail server: an answer at that moment is not held up), and marks it sent after. A worker
killed between the server's accept and that mark leaves it taken: a look after LEASE sends it
again, with the same Message-ID, which the receiving server may drop.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.extensions import db, queue
from app.models import Brand, Customer, Invitation, Response
from app.models.base import utcnow
from app.models.invitation import SENT, SKIPPED
from app.services import invitations, mailer, send_hours, surveys, unsubscribes

log = logging.getLogger(__name__)

# Why a reminder did not go out: the invitation was made without one (LEFT_OUT), she answered
# (the invitation or the phase since she was invited), may not be emailed, the survey was
# switched off or no longer reminds, the link stops working within LAST_CALL, the server
# refused the address for good or would not take the email for MAIL_RETRY_HOURS, or the
# reminder could not be made.
LEFT_OUT = "left_out"
SKIP_REASONS = (
    LEFT_OUT,
    "answered",
    "unsubscribed",
    "no_email",
    "survey_not_active",
    "reminder_turned_off",
    "expiring",
    "refused",
    "temporary",
    "fault",
)
# A link that stops working within a day is not worth a reminder: she might open it too late.
LAST_CALL = timedelta(days=1)
# How long a reminder taken by a look or a sender is left to it before a look takes it again:
# far beyond a job's minute, so a second job is only ever made for one lost with its worker.
LEASE = timedelta(hours=1)
# The due ones taken in one look (one statement): a job per invitations.PER_JOB of them.
PER_LOOK = 2_000


def plan(brand: Brand, invitation: Invitation, sent_at: datetime) -> None:
    """On sending the invitation (also sending it again): its survey's reminder, if any,
    within the brand's sending hours; none for one made without (LEFT_OUT, which stays)."""
    left_out = invitation.reminder_skip_reason == LEFT_OUT
    days = None if left_out else invitation.survey.remind_after_days
    due = sent_at + timedelta(days=days) if days else None
    invitation.remind_at = send_hours.fit(brand, due) if due else None
    invitation.reminded_at = invitation.reminder_taken_at = None
    invitation.reminder_skip_reason = LEFT_OUT if left_out else None


def _due(now: datetime) -> tuple:
    """The conditions of a reminder due at `now` that no look or sender holds, of a brand
    within its sending hours."""
    return (
        Invitation.remind_at <= now,
        or_(Invitation.reminder_taken_at.is_(None), Invitation.reminder_taken_at <= now - LEASE),
        *send_hours.open_brands(now),
    )


def any_due(now: datetime | None = None) -> bool:
    """Whether a reminder is due (one indexed look)."""
    found = db.session.scalar(select(Invitation.id).where(*_due(now or utcnow())).limit(1))
    return found is not None


def take_due(now: datetime, limit: int | None = None) -> list[list[int]]:
    """The due reminders, taken at `now` (committed), as rounds of at most
    invitations.PER_JOB of one brand each. Two looks at once take each once: the second one's
    UPDATE finds the first one's rows taken."""
    due = _due(now)
    chosen = select(Invitation.id).where(*due).order_by(Invitation.id).limit(limit or PER_LOOK)
    rows = db.session.execute(
        update(Invitation)
        .where(Invitation.id.in_(chosen.scalar_subquery()), *due)
        .values(reminder_taken_at=now)
        .returning(Invitation.brand_id, Invitation.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return invitations.by_brand_rounds(sorted(rows))


def enqueue(invitation_ids: list[int], taken_at: datetime) -> bool:
    """A job for these reminders taken at `taken_at`; False when it could not be queued
    (inline: never)."""
    from app.pipeline import email_jobs

    if queue.inline:
        return False
    return queue.enqueue("email", email_jobs.send_reminders, invitation_ids, taken_at)


def deliver_many(invitation_ids: list[int], taken_at: datetime, seconds: float | None = None):
    """invitations.deliver_many for the reminders of these invitations taken at `taken_at`."""
    return invitations.deliver_many(
        invitation_ids,
        seconds,
        lambda invitation_id, session: _deliver(invitation_id, taken_at, session),
        _note_fault,
    )


def send_job(invitation_ids: list[int], taken_at: datetime) -> dict[str, int]:
    """The email job's work. What it had no time for goes to a new job; a reminder the server
    would not take yet is not the job's to retry (RQ would fail it within minutes, once an
    hour for a day): it stays taken, and a look after LEASE hands it to a new job."""
    delivery = deliver_many(invitation_ids, taken_at, mailer.JOB_SECONDS)
    if delivery.left:
        enqueue(delivery.left, taken_at)
    if delivery.error is not None:
        log.warning("reminders not sent yet, tried again within the hour: %s", delivery.error)
    return dict(delivery.outcomes)


def queue_due(limit: int | None = None) -> dict[str, int]:
    """The due reminders handed to jobs, or, inline or with Redis down, sent from here over
    one SMTP conversation a round. Once the server does not answer at all, the rest are due
    again at once (given back) for the next sweep. {"queued": n, "sent": n, "skipped": n,
    "left": n}, the outcomes present."""
    now = utcnow()
    rounds = take_due(now, limit)
    outcomes: Counter = Counter()
    for position, invitation_ids in enumerate(rounds):
        if enqueue(invitation_ids, now):
            outcomes["queued"] += len(invitation_ids)
            continue
        delivery = deliver_many(invitation_ids, now)
        outcomes.update({k: n for k, n in delivery.outcomes.items() if k in (SENT, SKIPPED)})
        if delivery.gave_up:
            left = [i for ids in rounds[position:] for i in ids]
            outcomes["left"] += _give_back(left)
            log.warning("%s; %s reminders left for the next sweep", delivery.error, len(left))
            break
    return dict(outcomes)


def _give_back(invitation_ids: list[int]) -> int:
    """Those of these reminders still to go out, due again now: how many."""
    given = db.session.execute(
        update(Invitation)
        .where(Invitation.id.in_(invitation_ids), Invitation.remind_at.is_not(None))
        .values(reminder_taken_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return given


def _claim(invitation_id: int, taken_at: datetime) -> Invitation | None:
    """The invitation, its reminder this sender's (committed) if it is still the one taken
    at `taken_at`; None when it went, was skipped, or a later look took it again."""
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.status == SENT,
            Invitation.remind_at.is_not(None),
            Invitation.reminder_taken_at == taken_at,
        )
        .values(reminder_taken_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    return db.session.get(Invitation, invitation_id, populate_existing=True)


def _skip_reason(invitation: Invitation, customer: Customer | None, now: datetime) -> str | None:
    """Why this reminder is not to go out now, read when it is sent; None: it goes."""
    if invitation.used_at is not None or invitation.response_id is not None:
        return "answered"
    if not unsubscribes.may_email(customer):
        return "no_email" if customer is None or not customer.email else "unsubscribed"
    # The survey as its brand has it now: a new version (an edit after the first answers)
    # leaves the invitation's own inactive, and its link open; switched off, or no longer
    # reminding, the family's live version says so.
    live = surveys.live_version(invitation.survey)
    if live is None:
        return "survey_not_active"
    if live.remind_after_days is None:
        return "reminder_turned_off"
    if invitation.expires_at <= now + LAST_CALL:
        return "expiring"
    # since she was invited: an invitation that waited for the mail server, or one scheduled
    # by her arrival, may have been answered in the widget before its email went
    # (one for an order: an answer about another order of hers, even since, does not)
    about = (
        ()
        if invitation.order_ref is None
        else (Response.order_ref.is_(None) | (Response.order_ref == invitation.order_ref),)
    )
    answered_since = db.session.scalar(
        select(Response.id)
        .where(
            Response.customer_id == invitation.customer_id,
            Response.phase_id == invitation.phase_id,
            Response.created_at >= invitation.created_at,
            *about,
        )
        .limit(1)
    )
    return "answered" if answered_since is not None else None


def _done(invitation: Invitation, skip_reason: str | None = None, now=None) -> str:
    invitation.remind_at = invitation.reminder_taken_at = None
    invitation.reminder_skip_reason = skip_reason
    invitation.reminded_at = None if skip_reason else now
    db.session.commit()
    return SKIPPED if skip_reason else SENT


def _deliver(invitation_id: int, taken_at: datetime, session: mailer.Session) -> str | None:
    """Send one invitation's reminder within a conversation that others share: "sent",
    "skipped", or None when it is no longer this sender's to send. A failure the server may
    get over raises, the reminder left taken for a look after LEASE, until MAIL_RETRY_HOURS
    after it was due; a refusal (5xx) ends it at once."""
    from app.services import invitation_mail

    invitation = _claim(invitation_id, taken_at)
    if invitation is None:
        return None
    now = utcnow()
    customer = db.session.get(Customer, invitation.customer_id, populate_existing=True)
    reason = _skip_reason(invitation, customer, now)
    if reason is not None:
        return _done(invitation, reason)
    brand = db.session.get(Brand, invitation.brand_id)
    with db.session.no_autoflush:
        message = invitation_mail.build(
            brand, invitation, invitations.token_for(invitation), reminder=True
        )
    try:
        session.send(message)
    except mailer.MailError as error:
        if mailer.given_up(error, invitation.remind_at):
            log.warning("reminder of invitation %s not sent: %s", invitation_id, error)
            return _done(invitation, "refused" if error.permanent else "temporary")
        db.session.rollback()
        raise
    return _done(invitation, now=now)


def _note_fault(invitation_id: int, fault: Exception) -> str:
    """A reminder that could not be made (a bug, bad data) is not tried again: a courtesy
    that fails is left out, and the error is in the log. Its sender claimed it just before."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.remind_at.is_not(None))
    )
    if invitation is None:
        db.session.rollback()
        return "gone"
    return _done(invitation, "fault")
