"""Reviews: made from consented answers by the pipeline, moderated and replied to by the brand.

Honesty rules (EU Omnibus, UK DMCC, FTC 16 CFR 465) live here: every score gets the same
consent step upstream, the status only depends on the brand's policy and fraud signals (never
on the score), and a review is rejected or removed only on a listed ground, logged with who,
when and why.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

import loyalty
from app import ids, locks, timestamps
from app.errors import AppError
from app.extensions import db, queue
from app.form_of_address import voice
from app.models import Brand, JourneyEvent, Phase, Response
from app.models.base import utcnow
from app.models.review import (
    GROUNDS,
    PENDING,
    PUBLISHED,
    REJECTED,
    REMOVED,
    STATUSES,
    ModerationEntry,
    Review,
    ReviewFlag,
)
from app.numbers import counted, whole
from app.services import mailer, review_effects, review_tally, review_text, unsubscribes
from app.services.privacy import ERASURE_ACTOR
from app.services.review_labels import NOTICES, ground_label, locale_of

log = logging.getLogger(__name__)

SYSTEM = "system"
ACTIONS = ("publish", "reject", "remove")
# Which status each action may start from; anything else is a 409.
TRANSITIONS = {
    "publish": {PENDING: PUBLISHED, REJECTED: PUBLISHED},
    "reject": {PENDING: REJECTED},
    "remove": {PUBLISHED: REMOVED},
}
POLICY_MODES = ("immediate", "moderate")
# review_policy.unverified: follow the phase's mode (the default, as before), or hold every
# unverified review (no journey event, no personal invitation) for a moderator.
UNVERIFIED_MODES = ("follow_phase", "moderate")
# Why a new review waits, in the log's words; the moderator's list shows them too.
HOLD_NOTES = {
    "fraud_signals": "fraud signals: see the review",
    "unverified": "not verified: the brand moderates unverified reviews",
    "phase_policy": "the brand moderates this phase",
}

# Fraud signals: defaults, overridable in the app config.
FRAUD_DEFAULTS = {
    "REVIEW_FRAUD_WINDOW_HOURS": 24,  # "a short time" for reviews from one client
    "REVIEW_FRAUD_MAX_PER_CLIENT": 2,  # more than this many in the window → hold
    "REVIEW_FRAUD_MIN_ELAPSED_MS": 4000,  # faster than this from question to consent → hold
    "REVIEW_DUPLICATE_MIN_CHARS": 12,  # "Prima." twice is not fraud; a copied paragraph is
}


def _setting(name: str):
    return current_app.config.get(name, FRAUD_DEFAULTS[name])


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


# --- from answer to review (a pipeline step) -------------------------------------------------


def policy_mode(brand: Brand, phase_key: str) -> str:
    """The brand's policy for a phase: "immediate" (publish at once) or "moderate" (hold)."""
    policy = brand.review_policy or {}
    mode = (policy.get("phases") or {}).get(phase_key, policy.get("publish", "moderate"))
    return mode if mode in POLICY_MODES else "moderate"


def unverified_mode(brand: Brand) -> str:
    """ "moderate" when the brand holds every unverified review, else "follow_phase"."""
    mode = (brand.review_policy or {}).get("unverified")
    return mode if mode in UNVERIFIED_MODES else "follow_phase"


def hold_reasons(brand: Brand, review: Review, phase_key: str) -> list[str]:
    """Why a new review must wait for a moderator (HOLD_REASONS); none: publish it at once.

    Unverified reviews are the ones anybody can write (the widget, anonymously), so a brand
    that publishes at once may still want a person to look at those first."""
    reasons = []
    if review.fraud_signals:
        reasons.append("fraud_signals")
    if not review.verified and unverified_mode(brand) == "moderate":
        reasons.append("unverified")
    if policy_mode(brand, phase_key) != "immediate":
        reasons.append("phase_policy")
    return reasons


def _verified_pairs(responses: list[Response]) -> set[tuple[int, int]]:
    """(customer, phase) pairs with a journey event: those customers really were in that phase."""
    pairs = {(r.customer_id, r.phase_id) for r in responses if r.customer_id}
    if not pairs:
        return set()
    rows = db.session.execute(
        select(JourneyEvent.customer_id, JourneyEvent.phase_id)
        .where(JourneyEvent.customer_id.in_({customer for customer, _ in pairs}))
        .distinct()
    )
    return {tuple(row) for row in rows} & pairs


def verification(response: Response, with_event: bool) -> str | None:
    if with_event:
        return "journey_event"
    if response.customer_id and response.channel == "email":
        return "invitation_email"
    if response.customer_id and response.channel == "link":
        return "invitation_link"
    return None


def fraud_signals(review: Review) -> list[dict]:
    """Simple signals a moderator should look at; any of them puts the review on hold.

    Reviews made earlier in the same batch are flushed already, so the queries see them.
    """
    signals = []
    if review.client_hash:
        since = review.answered_at - timedelta(hours=_setting("REVIEW_FRAUD_WINDOW_HOURS"))
        stored = db.session.scalar(
            select(func.count(Review.id)).where(
                Review.brand_id == review.brand_id,
                Review.client_hash == review.client_hash,
                Review.answered_at >= since,
            )
        )
        if stored >= _setting("REVIEW_FRAUD_MAX_PER_CLIENT"):
            signals.append(
                {
                    "signal": "many_from_one_client",
                    "detail": f"{stored + 1} reviews from one device/IP hash "
                    f"within {_setting('REVIEW_FRAUD_WINDOW_HOURS')} hours",
                }
            )
    if len(review.body) >= _setting("REVIEW_DUPLICATE_MIN_CHARS"):
        twin = db.session.scalar(
            select(Review.id).where(
                Review.brand_id == review.brand_id, Review.body_hash == review.body_hash
            )
        )
        if twin:
            signals.append(
                {"signal": "duplicate_text", "detail": "the same text as another review"}
            )
    if review.elapsed_ms is not None and review.elapsed_ms < _setting(
        "REVIEW_FRAUD_MIN_ELAPSED_MS"
    ):
        signals.append(
            {
                "signal": "very_fast",
                "detail": f"answered and consented in {review.elapsed_ms / 1000:.1f} s",
            }
        )
    return signals


def candidate(response: Response, verified_by: str | None) -> Review | None:
    """The review a consented response asks for, or None (no consent, no text or no score)."""
    request = response.review_request or {}
    body = review_text.clean(response.comment)
    rated = review_text.rating(response.nps, response.csat)
    if request.get("consent") is not True or not body or rated is None:
        return None
    rating, source, score = rated
    elapsed = request.get("elapsed_ms")
    return Review(
        brand_id=response.brand_id,
        response_id=response.id,
        journey_id=response.journey_id,
        phase_id=response.phase_id,
        customer_id=response.customer_id,
        rating=rating,
        rating_source=source,
        source_score=score,
        title=review_text.clean(request.get("title"))[: review_text.TITLE_MAX] or None,
        body=body,
        body_hash=review_text.body_key(body),
        display_name=review_text.display_name(request.get("display_name"), response.locale),
        locale=response.locale,
        channel=response.channel,
        verified=verified_by is not None,
        verified_by=verified_by,
        incentivized=bool(response.incentivized),
        status=PENDING,
        fraud_signals=[],
        client_hash=response.client_hash,
        elapsed_ms=elapsed if isinstance(elapsed, int) and not isinstance(elapsed, bool) else None,
        flag_count=0,
        answered_at=response.created_at,
    )


def make_reviews(items) -> list[Review]:
    """Pipeline step: turn consented, written, scored responses of a batch into reviews.

    Idempotent: a response that already has a review is skipped (and the unique response_id
    would refuse a second one).
    """
    responses = [
        response
        for response, _ in items
        if (response.review_request or {}).get("consent") is True and response.comment
    ]
    if not responses:
        return []
    done = set(
        db.session.scalars(
            select(Review.response_id).where(Review.response_id.in_([r.id for r in responses]))
        )
    )
    with_event = _verified_pairs(responses)
    brands = {r.brand_id: db.session.get(Brand, r.brand_id) for r in responses}
    made: list[Review] = []
    for response in responses:
        if response.id in done:
            continue
        has_event = (response.customer_id, response.phase_id) in with_event
        review = candidate(response, verification(response, has_event))
        if review is None:
            continue
        review.fraud_signals = fraud_signals(review)
        made.append(review)
        db.session.add(review)
        db.session.flush()  # ids for the log, the webhook and the loyalty bonus
        brand = brands[response.brand_id]
        review.hold_reasons = hold_reasons(brand, review, response.phase.key)
        if review.hold_reasons:
            note = "; ".join(HOLD_NOTES[reason] for reason in review.hold_reasons)
            _log(review, "hold", SYSTEM, None, PENDING, note=note)
        else:
            _publish(brand, review, SYSTEM, note="the brand's policy publishes this phase at once")
    # Once for the batch, after its points: the tally's row locks are held the shortest time.
    review_tally.added(made)
    return made


# --- moderation ------------------------------------------------------------------------------


def get_review(brand: Brand, review_id: int, lock: bool = False) -> Review:
    """With `lock`, FOR UPDATE and read again: a moderator's decision is made on the state
    it changes, not on one another moderator or an erasure has just changed."""
    query = select(Review).where(Review.id == review_id, Review.brand_id == brand.id)
    review = db.session.scalar(locks.locked(query) if lock else query)
    if review is None:
        raise AppError(404, "review not found")
    return review


def _locked_for_moderation(brand: Brand, review_id: int) -> Review:
    """The review locked, after its author: in erasure's order (privacy.erase locks the
    customer, then changes her reviews), as publishing awards her a bonus, which locks her.
    A review erasure has rejected or removed stays so: it has no text left to publish."""
    author = get_review(brand, review_id).customer_id
    if author is not None:
        loyalty.lock_customer(author)
    review = get_review(brand, review_id, lock=True)
    if any(entry.actor == ERASURE_ACTOR for entry in review.moderation):
        raise AppError(
            409, "this review was erased at its author's request", code="invalid_transition"
        )
    return review


def _log(review, action, actor, from_status, to_status, ground=None, note=None, notice=None):
    entry = ModerationEntry(
        brand_id=review.brand_id,
        action=action,
        ground=ground,
        note=note,
        actor=actor[:120],
        from_status=from_status,
        to_status=to_status,
        notice=notice,
        created_at=utcnow(),
    )
    review.moderation.append(entry)
    return entry


def event_data(review: Review) -> dict:
    """The webhook payload: enough to show or drop the review without another call."""
    slug = db.session.scalar(select(Brand.slug).where(Brand.id == review.brand_id))
    return {
        "id": review.id,
        "status": review.status,
        "rating": review.rating,
        "scale": {"best": 5, "worst": 1},
        "phase": review.phase.key if review.phase else None,
        "locale": review.locale,
        "verified": review.verified,
        "incentivized": review.incentivized,
        "url": public_url(f"/reviews/{slug}/r/{review.id}"),
        "ground": review.removal_ground,
    }


def _publish(brand: Brand, review: Review, actor: str, note: str | None = None):
    before = review.status
    now = utcnow()
    review.status = PUBLISHED
    # An imported review keeps its place in time: the day it was written on the other site.
    review.published_at = review.published_at or (review.answered_at if review.imported else now)
    review.updated_at = now
    entry = _log(review, "publish", actor, before, PUBLISHED, note=note)
    if review.imported:
        # Nobody earned it here and no event here happened: no points, no webhook (the JSON
        # feed carries it, with its source, for a site that syncs).
        return entry
    if review_effects.award_bonus(review) > 0:
        # Points for the review itself: it is disclosed as incentivized (pages, feeds, the
        # webhook below), whether or not points were offered for the answer it came from.
        review.incentivized = True
    review_effects.emit(brand.id, "review.published", event_data(review))
    return entry


def _excerpt(review: Review, words: int = 10, limit: int = 80) -> str:
    """The review's title, else its first words: which of her reviews a notice is about."""
    found = (review.title or review.body or "").split()
    text = " ".join(found[:words])
    if len(text) > limit:
        text = text[: limit - 1]
    elif len(found) <= words:
        return text
    # "beschadigd…", not "beschadigd.…"
    return text.rstrip().rstrip(".,;:!?…") + "…"


def _notice(
    brand: Brand, review: Review, action: str, ground: str | None, points_back: int = 0
) -> dict:
    """What the reviewer is told, in their own language, and how it reaches them; a removal
    says how many points of the review's bonus it took back."""
    from app.reviews.http import lang_query  # the review pages' rule; imported late: no cycle

    locale = locale_of(review.locale)
    words = NOTICES[voice(locale, brand)]
    subject, text = words[action]
    # Kept in the notice: the text says "reply to this message" only when a reply reaches
    # someone, and the job sends what the text promised.
    reply_to = brand.reply_to or current_app.config.get("REVIEWS_REPLY_TO") or None
    # The about page defaults to the brand's language: ?lang= when the notice's is another, as
    # the review pages link it. (The review page defaults to the review's language already.)
    about = f"/reviews/{brand.slug}/about"
    name = mailer.one_line(brand.name)
    values = {
        "brand": name,
        "review": words["review_dated" if ground == "personal_data" else "review"].format(
            date=timestamps.date_text(
                review.answered_at or review.created_at, locale, brand.time_zone
            ),
            excerpt=_excerpt(review),
        ),
        "url": public_url(f"/reviews/{brand.slug}/r/{review.id}"),
        "about": public_url(about + lang_query(locale, brand.default_locale)),
        "ground": ground_label(ground, locale, name) if ground else "",
        "dispute": (words["dispute_reply"] if reply_to else words["dispute"]).format(brand=name),
        "points_back": counted(words, "points_back", points_back).format(
            points=whole(points_back, locale)
        )
        if points_back
        else "",
    }
    # {brand} is `name`, already one line
    return _addressed(review, locale, subject.format(**values), text.format(**values), reply_to)


def _addressed(review: Review, locale: str, subject: str, text: str, reply_to) -> dict:
    """A notice to the review's writer, "pending" when she may be mailed."""
    customer = review.customer
    address = customer.email if unsubscribes.may_email(customer) else None
    notice = {
        "locale": locale,
        "subject": subject,
        "text": text,
        # "queued" → "sent" (or "failed", retried) by the email job; "no_address" when the
        # reviewer left no email address: the notice then stays here for the moderator.
        "status": "pending" if address else "no_address",
    }
    if reply_to:
        notice["reply_to"] = reply_to
    return notice


def _reply_notice(brand: Brand, review: Review) -> dict:
    """The reviewer is told the brand replied, with the reply quoted: she would otherwise
    only find it by going back to her review's page."""
    locale = locale_of(review.locale)
    words = NOTICES[voice(locale, brand)]
    subject, text = words["reply"]
    reply_to = brand.reply_to or current_app.config.get("REVIEWS_REPLY_TO") or None
    name = mailer.one_line(brand.name)
    url = public_url(f"/reviews/{brand.slug}/r/{review.id}")
    values = {
        "brand": name,
        "review": words["review"].format(
            date=timestamps.date_text(
                review.answered_at or review.created_at, locale, brand.time_zone
            ),
            excerpt=_excerpt(review),
        ),
        "reply": review.reply_body,
        # a review still pending has no page yet: the link would be a 404
        "where": (
            words["reply_public"].format(url=url)
            if review.status == PUBLISHED
            else words["reply_waiting"]
        ),
        "respond": (words["respond_reply"] if reply_to else words["respond"]).format(brand=name),
    }
    return _addressed(review, locale, subject.format(**values), text.format(**values), reply_to)


def moderate(
    brand: Brand,
    review_id: int,
    action: str,
    reason: str | None,
    actor: str,
    note=None,
    notify: bool = True,
) -> Review:
    """Publish, reject or remove a review; reject and remove need a listed ground.

    notify=False keeps the reviewer's notice in the log without mailing it (demo data).
    """
    if action not in ACTIONS:
        raise AppError(422, f"action must be one of {ACTIONS}", fields={"action": ["invalid"]})
    if action in ("reject", "remove") and reason not in GROUNDS:
        raise AppError(
            422,
            f"{action} needs a listed ground: {', '.join(GROUNDS)}",
            fields={"reason": [f"one of {', '.join(GROUNDS)}"]},
        )
    review = _locked_for_moderation(brand, review_id)
    before = review.status
    if before not in TRANSITIONS[action]:
        done = {"publish": "published", "reject": "rejected", "remove": "removed"}[action]
        raise AppError(409, f"a {before} review cannot be {done}", code="invalid_transition")
    with review_tally.changing([review]):
        if action == "publish":
            entry = _publish(brand, review, actor, note=note or reason)
            entry.notice = _notice(brand, review, action, reason)
        else:
            now = utcnow()
            review.status = TRANSITIONS[action][before]
            review.updated_at = now
            if action == "remove":
                review.removed_at = now
                review.removal_ground = reason
            points_back = 0
            if action == "remove" and review.was_public and not review.imported:
                points_back = review_effects.claw_back_bonus(
                    review, reason=f"review removed: {reason}"
                )
                review_effects.emit(brand.id, "review.removed", event_data(review))
            entry = _log(
                review,
                action,
                actor,
                before,
                review.status,
                ground=reason,
                note=note,
                notice=_notice(brand, review, action, reason, points_back),
            )
    notice = entry.notice
    if not notify and notice["status"] == "pending":
        entry.notice = {**notice, "status": "not_sent"}
    db.session.commit()
    _send_notice(entry.id)
    return review


def _send_notice(entry_id: int) -> None:
    """Queue the reviewer's notice on the email queue, after the commit that logged it."""
    from app.services import review_notices

    entry = db.session.get(ModerationEntry, entry_id)
    if not entry.notice or entry.notice.get("status") != "pending":
        return
    entry.notice = {**entry.notice, "status": "queued"}
    db.session.commit()
    queue.enqueue("email", review_notices.send_notice, entry_id)


def reply(brand: Brand, review_id: int, body: str, actor: str, notify: bool = True) -> Review:
    """The brand's public reply, shown under the review and in the feeds; replaces an old one.

    The first reply mails the reviewer a notice quoting it. An edit does not mail again (a
    typo fixed is no news, and a second mail per correction would read as spam); an edit
    made before the first notice went out is what that notice quotes. notify=False keeps the
    notice in the log without mailing it (demo data)."""
    text = review_text.clean(body)
    if not text:
        raise AppError(422, "a reply needs text", fields={"body": ["required"]})
    if len(text) > 2000:
        raise AppError(422, "a reply has at most 2000 characters", fields={"body": ["too long"]})
    review = get_review(brand, review_id, lock=True)
    if review.status in (REJECTED, REMOVED):
        raise AppError(409, f"a {review.status} review cannot get a reply", code="invalid_state")
    first = review.replied_at is None
    now = utcnow()
    review.reply_body = text
    review.reply_by = brand.name
    review.replied_at = now
    review.updated_at = now
    notice = _reply_notice(brand, review) if first else None
    if notice and not notify and notice["status"] == "pending":
        notice["status"] = "not_sent"
    entry = _log(review, "reply", actor, review.status, review.status, note=text[:200])
    entry.notice = notice
    if not first:
        _requote_unsent(brand, review)
    db.session.commit()
    if first:
        _send_notice(entry.id)
    return review


def _requote_unsent(brand: Brand, review: Review) -> None:
    """An edit while the first reply's notice still waits (SMTP down, the job not run yet):
    the notice quotes the reply as it stands now, not the words the brand took back.

    Locked as the email job locks it: a job mailing it now finishes first, and the notice is
    then "sent" and stays as it was mailed."""
    from app.services.review_notices import UNSENT

    for entry in review.moderation:
        if entry.action != "reply" or not entry.notice or entry.id is None:
            continue
        locked = db.session.scalar(
            locks.locked(select(ModerationEntry).where(ModerationEntry.id == entry.id))
        )
        if locked.notice and locked.notice.get("status") in UNSENT:
            fresh = _reply_notice(brand, review)
            locked.notice = {**locked.notice, "subject": fresh["subject"], "text": fresh["text"]}


def list_reviews(brand: Brand, status=None, phase=None, cursor=None, limit: int = 50) -> dict:
    """The brand's reviews, newest first, with labels and log; cursor pagination by id."""
    query = select(Review).where(Review.brand_id == brand.id)
    if status is not None:
        if status not in STATUSES:
            raise AppError(422, "unknown status", fields={"status": [f"one of {STATUSES}"]})
        query = query.where(Review.status == status)
    if phase is not None:
        query = query.where(
            Review.phase_id.in_(
                select(Phase.id).where(Phase.brand_id == brand.id, Phase.key == phase)
            )
        )
    if cursor is not None:
        before = ids.number(str(cursor))
        if before is None:
            raise AppError(422, "cursor is not valid", fields={"cursor": ["not valid"]})
        query = query.where(Review.id < before)
    # what each item shows, loaded with the page (it was one query per review and relation)
    query = query.options(
        selectinload(Review.phase),
        selectinload(Review.customer),
        selectinload(Review.moderation),
        selectinload(Review.flags),
    )
    items = list(db.session.scalars(query.order_by(Review.id.desc()).limit(limit + 1)))
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": str(items[-1].id) if more else None}


# --- readers' flags --------------------------------------------------------------------------


def flag(brand: Brand, review_id: int, reason: str, note: str | None, client_hash: str) -> bool:
    """A reader reports a published review; one flag per reader. Returns False for a repeat.

    A flag never hides a review by itself: a moderator decides, on a listed ground.
    """
    if reason not in ReviewFlag.REASONS:
        raise AppError(
            422, "choose a reason", fields={"reason": [f"one of {', '.join(ReviewFlag.REASONS)}"]}
        )
    note = review_text.clean(note)[:1000] or None
    # Locked: two flags at once must both count, and one reader's second is a repeat (it was
    # a lost count, and a 500 on the unique constraint).
    review = get_review(brand, review_id, lock=True)
    if review.status != PUBLISHED:
        raise AppError(404, "review not found")
    repeat = db.session.scalar(
        select(ReviewFlag.id).where(
            ReviewFlag.review_id == review.id, ReviewFlag.client_hash == client_hash
        )
    )
    if repeat:
        return False
    review.flags.append(
        ReviewFlag(brand_id=brand.id, reason=reason, note=note, client_hash=client_hash)
    )
    review.flag_count = (review.flag_count or 0) + 1
    _log(review, "flag", "reader", review.status, review.status, ground=reason, note=note)
    db.session.commit()
    return True
