"""Earning points: for answering a phase survey, for a written answer, for a published review.

Points never depend on the score or on the tone of the text. The functions below are not even
given them: what an answer earns is decided by who answered, which phase survey, when, and how
long the written answer is — nothing else (a legal requirement: no buying positive reviews).
"""

import base64
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, exists, func, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

from app import timestamps
from app.extensions import db
from loyalty import days, events
from loyalty.errors import LoyaltyError
from loyalty.ledger import add_once, find, insert_new, lock_customer, lock_customers, touch_response
from loyalty.models import LedgerEntry, naive_utc
from loyalty.policy import get_policy, offers
from loyalty.tables import among, table


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
    order: str | None = None  # the shop's order it is about: the once-rule is per order


def _order_part(order: str | None) -> str:
    """ ":o<hash>" for an answer about an order, nothing without one (the key it always had).
    A short hash: the key's column holds 64 characters, and the order number itself is the
    shop's, which a ledger entry has no need to name."""
    if not order:
        return ""
    digest = hashlib.sha256(order.encode()).digest()
    return ":o" + base64.urlsafe_b64encode(digest).decode()[:7]


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
    who = identity(answer.customer_id, answer.email)
    return f"{who}:{answer.phase_id}:{answer.family_id}{_order_part(answer.order)}"


def offers_points(
    brand_id: int, customer_id: int | None, survey_id: int | None = None, order: str | None = None
) -> bool:
    """Would an answer from this customer (to this survey, when given, about this order)
    earn points? Anonymous answers never do, nor a second answer of a person to one phase
    survey for one order (or for none): a customer told "you earn points" must get them."""
    if customer_id is None or not offers(get_policy(brand_id)):
        return False
    return survey_id is None or not already_earned(brand_id, customer_id, survey_id, order)


def already_earned(
    brand_id: int, customer_id: int, survey_id: int, order: str | None = None
) -> bool:
    """Whether this customer, or the person behind their email, has the `answered` entry of
    this survey's phase survey (any version) for this order (or for none): the same two keys
    award_answers checks."""
    customer, survey = table("customer"), table("survey")
    email = db.session.scalar(select(customer.c.email).where(customer.c.id == customer_id))
    found = db.session.execute(
        select(survey.c.phase_id, survey.c.family_id).where(survey.c.id == survey_id)
    ).first()
    if found is None:
        return False
    phase_id, family_id = found.phase_id, found.family_id or survey_id
    family = f"{phase_id}:{family_id}{_order_part(order)}"
    source = f"{identity(customer_id, email)}:{family}"
    # The customer's own entry for this family under any identity (an email changed or
    # given since): "<who>:<family>", and <who> holds no colon. In SQL, not a capped read of
    # her entries in the phase: a repeat buyer has one per order.
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    LedgerEntry.brand_id == brand_id,
                    LedgerEntry.source_type == "answer",
                    LedgerEntry.reason == "answered",
                    (LedgerEntry.source_id == source)
                    | (
                        (LedgerEntry.customer_id == customer_id)
                        & (LedgerEntry.phase_id == phase_id)
                        & LedgerEntry.source_id.endswith(f":{family}", autoescape=True)
                    ),
                )
            )
        )
    )


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _family(source_id: str) -> str:
    """ "<who>:<phase>:<family>[:o<order>]" -> "<phase>:<family>[:o<order>]": which phase
    survey (and order) an entry was for."""
    return source_id.partition(":")[2]


def _answered_before(
    answers: list[Answer], sources: dict[int, str]
) -> tuple[set[tuple[int, str]], set[tuple[int, int, str]]]:
    """What was already awarded for answering: the (brand_id, source_id) keys of these answers
    that exist (the same person under another customer record), and (brand_id, customer_id,
    phase survey) of these customers (the same record under an earlier email, or before it
    had one). One statement per brand and chunk; the customers are locked, so no batch can
    add an entry for them meanwhile."""
    keys: set[tuple[int, str]] = set()
    families: set[tuple[int, int, str]] = set()
    by_brand: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_brand[answer.brand_id].append(answer)
    for brand_id, mine in by_brand.items():
        for chunk in _chunks(mine):
            answered = (
                LedgerEntry.brand_id == brand_id,
                LedgerEntry.source_type == "answer",
                LedgerEntry.reason == "answered",
            )
            by_key = select(LedgerEntry.customer_id, LedgerEntry.source_id).where(
                *answered,
                among(LedgerEntry.source_id, sorted({sources[a.response_id] for a in chunk})),
            )
            by_customer = select(LedgerEntry.customer_id, LedgerEntry.source_id).where(
                *answered,
                among(LedgerEntry.customer_id, sorted({a.customer_id for a in chunk})),
                among(LedgerEntry.phase_id, sorted({a.phase_id for a in chunk})),
            )
            for customer_id, source_id in db.session.execute(union_all(by_key, by_customer)):
                keys.add((brand_id, source_id))
                families.add((brand_id, customer_id, _family(source_id)))
    return keys, families


def _earned_by_day(answers: list[Answer], zones: dict[int, str]) -> dict[tuple[int, date], int]:
    """Points each customer already earned by answering, per day of their brand, on the days of
    these answers."""
    earned: dict[tuple[int, date], int] = defaultdict(int)
    by_zone: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_zone[zones[answer.brand_id]].append(answer)
    for zone, group in by_zone.items():
        first = min(timestamps.local_day(a.answered_at, zone) for a in group)
        last = max(timestamps.local_day(a.answered_at, zone) for a in group)
        span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        starts = [timestamps.local_days(day, None, zone)[0] for day in span] + [
            timestamps.local_days(None, last, zone)[1]
        ]
        # Which of these days an entry is on, by comparing it with the days' first moments:
        # the database still sums per customer and day (a row per entry came to thousands a
        # batch), and no SQL of time zones is needed, which SQLite has none of.
        day = case(*((LedgerEntry.effective_at < starts[n + 1], n) for n in range(len(span))))
        brand_ids = sorted({a.brand_id for a in group})
        for chunk in _chunks(sorted({a.customer_id for a in group})):
            rows = db.session.execute(
                select(LedgerEntry.customer_id, day, func.sum(LedgerEntry.points))
                .where(
                    among(LedgerEntry.brand_id, brand_ids),
                    among(LedgerEntry.customer_id, chunk),
                    LedgerEntry.kind == "earn",
                    LedgerEntry.source_type == "answer",
                    LedgerEntry.effective_at >= starts[0],
                    LedgerEntry.effective_at < starts[-1],
                )
                .group_by(LedgerEntry.customer_id, day)
            )
            for customer_id, number, points in rows:
                earned[(customer_id, span[number])] += int(points)
    return earned


def _entry(answer: Answer, source_id: str, points: int, reason: str, note=None) -> dict:
    return {
        "brand_id": answer.brand_id,
        "customer_id": answer.customer_id,
        "kind": "earn",
        "points": points,
        "source_type": "answer",
        "source_id": source_id,
        "reason": reason,
        "note": note,
        "phase_id": answer.phase_id,
        "response_id": answer.response_id,
        "effective_at": naive_utc(answer.answered_at),
    }


def _split(points: int, bonus: int, policy: dict, room: int | None) -> tuple[int, int, str | None]:
    """Base and bonus points after the daily cap (room = what is left today, None = no cap)."""
    if room is None:
        return points, bonus, None
    note = "daily_cap" if points + bonus > room else None
    points = min(points, room)
    return points, min(bonus, room - points), note


def award_answers(
    answers: list[Answer], policies: dict[int, dict] | None = None, locked: bool = False
) -> dict[int, int]:
    """Award a batch of answers in one transaction; {response_id: points awarded now}.

    A handful of statements per batch, whatever its size: lock the customers (in id order, so
    two batches sharing customers cannot deadlock), read what was already awarded and earned
    today, insert the "answered" entries, then the bonuses of those that were new. ON CONFLICT
    DO NOTHING keeps it exact when another batch awards the same person at the same moment.
    """
    awarded = {answer.response_id: 0 for answer in answers}
    policies = policies or {}
    for brand_id in {a.brand_id for a in answers} - set(policies):
        policies[brand_id] = get_policy(brand_id)
    eligible = sorted(
        (a for a in answers if offers(policies[a.brand_id])),
        key=lambda a: (a.customer_id, naive_utc(a.answered_at), a.response_id),
    )
    if not eligible:
        return awarded
    if not locked:
        lock_customers([a.customer_id for a in eligible])
    sources = {a.response_id: answer_source(a) for a in eligible}
    done, families = _answered_before(eligible, sources)
    zones = days.zones({a.brand_id for a in eligible})
    earned = _earned_by_day(eligible, zones)
    answered_rows, bonuses = [], {}
    for answer in eligible:
        key = (answer.brand_id, sources[answer.response_id])
        family = (answer.brand_id, answer.customer_id, _family(key[1]))
        if key in done or family in families:
            continue  # this person, or this customer, was already rewarded for this survey
        done.add(key)
        families.add(family)
        policy = policies[answer.brand_id]
        long_enough = answer.text_length >= max(int(policy["text_min_chars"]), 1)
        day = (answer.customer_id, timestamps.local_day(answer.answered_at, zones[answer.brand_id]))
        cap = policy["daily_cap"]
        points, bonus, note = _split(
            max(int(policy["points_per_answer"]), 0),
            max(int(policy["text_bonus"]), 0) if long_enough else 0,
            policy,
            None if cap is None else max(int(cap) - earned[day], 0),
        )
        earned[day] += points + bonus
        # The "answered" entry is written even at 0 points (capped), so a replay finds it.
        answered_rows.append(_entry(answer, key[1], points, "answered", note))
        if bonus > 0:
            bonuses[key] = _entry(answer, key[1], bonus, "text_bonus")
    new_answered = insert_new(answered_rows)
    new_bonuses = insert_new([row for key, row in bonuses.items() if key in new_answered])
    published = []
    for key, row in new_answered.items():
        awarded[row["response_id"]] += row["points"]
        if row["points"] > 0:
            published.append(row)
        if key in new_bonuses:
            awarded[row["response_id"]] += new_bonuses[key]["points"]
            published.append(new_bonuses[key])
    events.publish_many(events.EARNED, published)
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
        select(survey.c.family_id, survey.c.id, response.c.order_ref)
        .join(response, response.c.survey_id == survey.c.id)
        .where(response.c.id == response_id, response.c.brand_id == brand_id)
    ).first()
    if found is None:
        raise LoyaltyError(f"response {response_id} not found for this brand", "response_id")
    found_customer = db.session.execute(
        select(customer.c.email, customer.c.erased_at).where(
            customer.c.id == customer_id, customer.c.brand_id == brand_id
        )
    ).first()
    if found_customer is None or found_customer.erased_at is not None:
        return 0  # the customer was erased meanwhile: a tombstone earns nothing
    answer = Answer(
        brand_id=brand_id,
        customer_id=customer_id,
        response_id=response_id,
        phase_id=phase_id,
        family_id=found.family_id or found.id,
        text_length=max(int(text_length or 0), 0),
        answered_at=answered_at,
        email=found_customer.email,
        order=found.order_ref,
    )
    points = award_answers([answer])[response_id]
    if points > 0:
        touch_response(response_id)
    return points


def award_batch(items) -> dict[int, int]:
    """The pipeline step: items are (response, sentiment) pairs; the sentiment is ignored."""
    responses = [response for response, _sentiment in items if response.customer_id is not None]
    awarded = dict.fromkeys((response.id for response in responses), 0)
    # Nothing to read or build for the answers of a brand whose policy offers no points.
    policies = {b: get_policy(b) for b in {r.brand_id for r in responses}}
    responses = [response for response in responses if offers(policies[response.brand_id])]
    if not responses:
        return awarded
    # Locked now, in id order as award_answers would, reading their emails with the lock.
    emails = lock_customers([response.customer_id for response in responses])
    families = _families(responses)
    answers = [
        Answer(
            brand_id=response.brand_id,
            customer_id=response.customer_id,
            response_id=response.id,
            phase_id=response.phase_id,
            family_id=families.get(response.survey_id) or response.survey_id,
            text_length=len((response.comment or "").strip()),
            answered_at=response.created_at,
            email=emails.get(response.customer_id),
            order=response.order_ref,
        )
        for response in responses
    ]
    awarded.update(award_answers(answers, policies, locked=True))
    # Points were given, so an incentive was offered. Intake has usually marked it already;
    # one UPDATE for the rest, stored as-is on the objects so no flush writes them row by row.
    unmarked = [r for r, _ in items if awarded.get(r.id, 0) > 0 and not r.incentivized]
    if unmarked:
        response = table("response")
        db.session.execute(
            update(response)
            .where(among(response.c.id, [r.id for r in unmarked]))
            .values(incentivized=True)
        )
        for row in unmarked:
            set_committed_value(row, "incentivized", True)
    return awarded


def _families(responses) -> dict[int, int | None]:
    """{survey_id: family_id} of these responses, as plain rows: the batch needs one column,
    not a survey object per response."""
    survey = table("survey")
    families: dict[int, int | None] = {}
    for chunk in _chunks(sorted({r.survey_id for r in responses})):
        families.update(
            db.session.execute(
                select(survey.c.id, survey.c.family_id).where(among(survey.c.id, chunk))
            ).all()
        )
    return families


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
    if add_once(values, events.EARNED) is None:
        return 0
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
    values = {
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
    if add_once(values, events.DEDUCTED) is None:
        return 0
    return earned.points
