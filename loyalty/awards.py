"""Earning points: for answering a phase survey, for a written answer, for a published review.

Points never depend on the score or on the tone of the text. The functions below are not even
given them: what an answer earns is decided by who answered, which phase survey, when, and how
long the written answer is — nothing else (a legal requirement: no buying positive reviews).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from loyalty import events
from loyalty.errors import LoyaltyError
from loyalty.ledger import add_once, find, lock_customer, touch_response
from loyalty.models import LedgerEntry
from loyalty.policy import get_policy, offers
from loyalty.tables import table


@dataclass(frozen=True)
class Answer:
    """What an award may look at — deliberately no score and no sentiment."""

    brand_id: int
    customer_id: int
    response_id: int
    phase_id: int
    family_id: int  # the survey family: every version of one phase survey
    text_length: int
    answered_at: datetime
    email: str | None = None


def normalise_email(email: str | None) -> str | None:
    if not email:
        return None
    return email.strip().lower() or None


def identity(customer_id: int, email: str | None) -> str:
    """Who earns: the normalised email when known, so two customer records of one person (say,
    a widget id and an email invitation) cannot both earn for the same phase survey."""
    email = normalise_email(email)
    if email:
        return "e" + hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"c{customer_id}"


def answer_source(answer: Answer) -> str:
    return f"{identity(answer.customer_id, answer.email)}:{answer.phase_id}:{answer.family_id}"


def offers_points(brand_id: int, customer_id: int | None) -> bool:
    """Would an answer from this customer earn points? Anonymous answers never do."""
    if customer_id is None:
        return False
    return offers(get_policy(brand_id))


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def earned_by_answering_on(brand_id: int, customer_id: int, day_start: datetime) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.brand_id == brand_id,
                LedgerEntry.customer_id == customer_id,
                LedgerEntry.kind == "earn",
                LedgerEntry.source_type == "answer",
                LedgerEntry.effective_at >= day_start,
                LedgerEntry.effective_at < day_start + timedelta(days=1),
            )
        )
    )


def _award(answer: Answer, policy: dict) -> int:
    answered_at = _naive_utc(answer.answered_at)
    base = max(int(policy["points_per_answer"]), 0)
    long_enough = answer.text_length >= max(int(policy["text_min_chars"]), 1)
    bonus = max(int(policy["text_bonus"]), 0) if long_enough else 0
    note = None
    if policy["daily_cap"] is not None:
        # The cap counts the answer's own day, so a replay on a later day decides the same.
        day = answered_at.replace(hour=0, minute=0, second=0, microsecond=0)
        room = max(
            int(policy["daily_cap"])
            - earned_by_answering_on(answer.brand_id, answer.customer_id, day),
            0,
        )
        if base + bonus > room:
            note = "daily_cap"
        base = min(base, room)
        bonus = min(bonus, room - base)
    common = {
        "brand_id": answer.brand_id,
        "customer_id": answer.customer_id,
        "kind": "earn",
        "source_type": "answer",
        "source_id": answer_source(answer),
        "phase_id": answer.phase_id,
        "response_id": answer.response_id,
        "effective_at": answered_at,
    }
    # The "answered" entry is written even at 0 points (capped), so a replay finds it.
    entry_id = add_once({**common, "points": base, "reason": "answered", "note": note})
    if entry_id is None:
        return 0  # this person was already rewarded for this phase survey
    if base > 0:
        events.publish(
            events.EARNED, {**common, "id": entry_id, "points": base, "reason": "answered"}
        )
    if bonus > 0:
        bonus_id = add_once({**common, "points": bonus, "reason": "text_bonus"})
        if bonus_id is not None:
            events.publish(
                events.EARNED, {**common, "id": bonus_id, "points": bonus, "reason": "text_bonus"}
            )
    return base + bonus


def award_answers(answers: list[Answer]) -> dict[int, int]:
    """Award a batch of answers in one transaction; {response_id: points awarded now}.

    Customers are locked in id order, so two batches sharing customers cannot deadlock, and
    the daily cap sees every earlier award of the same customer.
    """
    awarded: dict[int, int] = {}
    policies: dict[int, dict] = {}
    locked: set[int] = set()
    for answer in sorted(answers, key=lambda a: (a.customer_id, a.answered_at, a.response_id)):
        if answer.brand_id not in policies:
            policies[answer.brand_id] = get_policy(answer.brand_id)
        policy = policies[answer.brand_id]
        if not offers(policy):
            awarded[answer.response_id] = 0
            continue
        if answer.customer_id not in locked:
            lock_customer(answer.customer_id)
            locked.add(answer.customer_id)
        awarded[answer.response_id] = _award(answer, policy)
    return awarded


def award_for_response(
    *,
    brand_id: int,
    customer_id: int | None,
    response_id: int,
    phase_id: int,
    text_length: int,
    answered_at: datetime,
) -> int:
    """Points awarded now for this answer; 0 when already awarded or nothing is due. Idempotent."""
    if customer_id is None:
        return 0
    response, survey, customer = table("response"), table("survey"), table("customer")
    found = db.session.execute(
        select(survey.c.family_id, survey.c.id)
        .join(response, response.c.survey_id == survey.c.id)
        .where(response.c.id == response_id, response.c.brand_id == brand_id)
    ).first()
    if found is None:
        raise LoyaltyError(f"response {response_id} not found for this brand", "response_id")
    email = db.session.execute(
        select(customer.c.email).where(
            customer.c.id == customer_id, customer.c.brand_id == brand_id
        )
    ).first()
    if email is None:
        return 0  # the customer was erased meanwhile
    answer = Answer(
        brand_id=brand_id,
        customer_id=customer_id,
        response_id=response_id,
        phase_id=phase_id,
        family_id=found.family_id or found.id,
        text_length=max(int(text_length or 0), 0),
        answered_at=answered_at,
        email=email[0],
    )
    points = award_answers([answer])[response_id]
    if points > 0:
        touch_response(response_id)
    return points


def award_batch(items) -> dict[int, int]:
    """The pipeline step: items are (response, sentiment) pairs; the sentiment is ignored."""
    answers = [
        Answer(
            brand_id=response.brand_id,
            customer_id=response.customer_id,
            response_id=response.id,
            phase_id=response.phase_id,
            family_id=response.survey.family_id or response.survey_id,
            text_length=len((response.comment or "").strip()),
            answered_at=response.created_at,
            email=response.customer.email if response.customer is not None else None,
        )
        for response, _sentiment in items
        if response.customer_id is not None
    ]
    awarded = award_answers(answers)
    for response, _sentiment in items:
        if awarded.get(response.id, 0) > 0:
            response.incentivized = True  # points were given, so an incentive was offered
    return awarded


def points_for_response(brand_id: int, response_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.brand_id == brand_id,
                LedgerEntry.response_id == response_id,
                LedgerEntry.kind == "earn",
                LedgerEntry.source_type == "answer",
            )
        )
    )


def _review_context(review_id: int) -> dict:
    """The review's phase and response, when the reviews tables exist (for a readable ledger)."""
    review = db.metadata.tables.get("review")
    if review is None or not {"phase_id", "response_id"} <= set(review.c.keys()):
        return {}
    row = db.session.execute(
        select(review.c.phase_id, review.c.response_id).where(review.c.id == review_id)
    ).first()
    return {"phase_id": row.phase_id, "response_id": row.response_id} if row else {}


def award_review_bonus(*, brand_id: int, customer_id: int | None, review_id: int) -> int:
    """The bonus for a published review (whatever its rating); once per review. Points now."""
    if customer_id is None:
        return 0
    policy = get_policy(brand_id)
    bonus = int(policy["review_bonus"])
    if not policy["enabled"] or bonus <= 0:
        return 0
    lock_customer(customer_id)
    values = {
        "brand_id": brand_id,
        "customer_id": customer_id,
        "kind": "earn",
        "points": bonus,
        "source_type": "review",
        "source_id": str(review_id),
        "reason": "review_published",
        "review_id": review_id,
        **_review_context(review_id),
    }
    entry_id = add_once(values)
    if entry_id is None:
        return 0
    events.publish(events.EARNED, {**values, "id": entry_id})
    return bonus


def clawback_review_bonus(*, brand_id: int, review_id: int, reason: str) -> int:
    """Take back a removed review's bonus with a new entry (never by deleting one).

    Returns the points taken back (0 when the review earned nothing or was clawed back
    before). The clawback keeps the bonus's effective date, so expiry treats the pair as
    cancelled rather than as spending older points.
    """
    earned = find(brand_id, "review", str(review_id), "review_published")
    if earned is None or earned.points <= 0:
        return 0
    lock_customer(earned.customer_id)
    entry_id = add_once(
        {
            "brand_id": brand_id,
            "customer_id": earned.customer_id,
            "kind": "clawback",
            "points": -earned.points,
            "source_type": "review",
            "source_id": str(review_id),
            "reason": "review_removed",
            "note": (reason or "")[:200] or None,
            "review_id": review_id,
            "phase_id": earned.phase_id,
            "response_id": earned.response_id,
            "effective_at": earned.effective_at,
        }
    )
    return earned.points if entry_id is not None else 0
