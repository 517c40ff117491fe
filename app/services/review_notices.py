"""Telling a reviewer, in their language, what a moderator decided: a thin, idempotent email job.

The notice text is written into the moderation log when the decision is taken; this job only
mails it (queue "email"), so the log shows what the reviewer was told even when mail is down.
"""

from sqlalchemy import select

from app import locks, timestamps
from app.extensions import db
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
