"""Telling a reviewer, in their language, what a moderator decided or that the brand replied:
a thin, idempotent email job.

The notice text is written into the moderation log when the decision (or the first reply) is
taken; this job only mails it (queue "email"), so the log shows what the reviewer was told even
when mail is down.
"""

from sqlalchemy import select

from app import locks, timestamps
from app.extensions import db, queue
from app.models import Brand
from app.models.base import utcnow
from app.models.review import ModerationEntry
from app.services import mailer, unsubscribes


def send_notice(entry_id: int) -> bool:
    """Mail one moderation notice; a notice already sent is not sent again.

    The log line is locked while the mail goes out: a second run waits and finds it sent,
    and an erasure waits too, then blanks what this run wrote (an SMTP error can hold the
    address) instead of this run writing the notice back over the erasure."""
    entry = db.session.scalar(
        locks.locked(select(ModerationEntry).where(ModerationEntry.id == entry_id))
    )
    if entry is None or not entry.notice or entry.notice.get("status") == "sent":
        return False
    customer = entry.review.customer
    notice = dict(entry.notice)
    if not unsubscribes.may_email(customer):  # no address, or it (or she) unsubscribed
        notice["status"] = "no_address"
        entry.notice = notice
        db.session.commit()
        return False
    brand = db.session.get(Brand, entry.brand_id)
    headers = {
        "From": mailer.sender(brand.name),
        # the same on a retry: the receiver can drop a second copy
        "Message-ID": mailer.message_id("notice", entry.id, entry.created_at),
        "Content-Language": notice.get("locale") or "en",
    }
    if notice.get("reply_to"):  # the text says "reply to this message" only then
        headers["Reply-To"] = notice["reply_to"]
    try:
        mailer.send_mail(customer.email, notice["subject"], notice["text"], None, headers)
    except mailer.MailError as error:
        notice.update(
            status="failed", error=str(error)[:200], attempts=notice.get("attempts", 0) + 1
        )
        if error.permanent:  # a 5xx for this address: no retry can deliver it
            notice["permanent"] = True
        entry.notice = notice
        db.session.commit()
        if error.permanent:
            return False
        raise  # RQ retries with backoff; inline mode logs it and the log keeps "failed"
    notice.update(status="sent", sent_at=timestamps.iso_utc(utcnow()))
    entry.notice = notice
    db.session.commit()
    return True


# A notice not sent yet that a job may still deliver; "not_sent" and "no_address" are final.
UNSENT = ("pending", "queued", "failed")
MAX_ATTEMPTS = 8  # after the job's own retries, a few more sweeps; then it stays "failed"


def waiting_ids(limit: int = 10_000) -> list[int]:
    """Notices left behind: their job lost with Redis or never queued (Redis down, a crash
    between the decision and the queueing), or failed while SMTP was down longer than the
    job's retries. Never one the server refused for good."""
    status = ModerationEntry.notice["status"].as_string()
    rows = db.session.execute(
        select(ModerationEntry.id, ModerationEntry.notice)
        .where(status.in_(UNSENT))
        .order_by(ModerationEntry.id)
        .limit(limit)
    )
    return [
        entry_id
        for entry_id, notice in rows
        if not notice.get("permanent") and notice.get("attempts", 0) < MAX_ATTEMPTS
    ]


def enqueue(entry_ids: list[int]) -> int:
    """Queue these notices again; a notice sent meanwhile is not sent twice (send_notice)."""
    return sum(bool(queue.enqueue("email", send_notice, entry_id)) for entry_id in entry_ids)
