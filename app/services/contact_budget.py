"""The contact budget: how often one customer may be asked, across phases and channels.

A brand's `contact_policy` holds three rules; 0 or a missing value switches a rule off:
`min_days_between` (no two asks of one customer within N days), `max_per_journey` (at most
M asks per journey) and `same_phase_days` (never the same phase twice within K days). Every
ask of a known customer (a widget survey shown, an invitation queued) is one Contact row.
A "no" is kept as a skipped Invitation: the email channel keeps every one, the widget at most
one per customer, phase and day (see record_widget_skip).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app import timestamps
from app.extensions import db
from app.models import Brand, Contact, Customer, Invitation, Phase, Survey
from app.models.base import utcnow
from app.models.brand import DEFAULT_CONTACT_POLICY
from app.models.invitation import SKIPPED
from app.services import brand_days, upserts

RULES = ("min_days_between", "max_per_journey", "same_phase_days")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str | None = None  # the rule that said no
    retry_at: datetime | None = None  # when asking becomes possible again, if ever
    contact: Contact | None = field(default=None, compare=False)  # the ask spent (spend)

    def __bool__(self) -> bool:
        return self.allowed


def policy(brand: Brand) -> dict[str, int]:
    """The brand's rules with defaults filled in; bad values count as "off"."""
    merged = {**DEFAULT_CONTACT_POLICY, **(brand.contact_policy or {})}
    values = {}
    for rule in RULES:
        value = merged.get(rule)
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        values[rule] = value if ok else 0
    return values


def check(brand: Brand, customer: Customer, phase: Phase, now: datetime | None = None) -> Decision:
    """May this customer be asked about this phase now?"""
    return check_many(brand, [customer], phase, now)[customer.id]


def check_many(
    brand: Brand, customers: list[Customer], phase: Phase, now: datetime | None = None
) -> dict[int, Decision]:
    """check() for many customers at once (an invitation list): a grouped query per rule
    that is on, instead of up to three per customer. {customer id: decision}."""
    now = now or utcnow()
    rules = policy(brand)
    ids = [customer.id for customer in customers]
    last = _per_customer(func.max(Contact.created_at), ids) if rules["min_days_between"] else {}
    here = (
        _per_customer(func.max(Contact.created_at), ids, Contact.phase_id == phase.id)
        if rules["same_phase_days"]
        else {}
    )
    asked = (
        _per_customer(func.count(Contact.id), ids, Contact.journey_id == phase.journey_id)
        if rules["max_per_journey"]
        else {}
    )
    return {
        customer_id: _decide(
            rules, now, last.get(customer_id), here.get(customer_id), asked.get(customer_id, 0)
        )
        for customer_id in ids
    }


def _per_customer(value, customer_ids: list[int], *where) -> dict:
    found = {}
    for chunk in upserts.chunks(sorted(set(customer_ids))):
        found.update(
            db.session.execute(
                select(Contact.customer_id, value)
                .where(Contact.customer_id.in_(chunk), *where)
                .group_by(Contact.customer_id)
            ).all()
        )
    return found


def _decide(rules: dict, now: datetime, last, here, asked: int) -> Decision:
    """The rules in order on one customer's contacts: when they were last asked, last asked
    about this phase, and how often this journey asked them."""
    if rules["min_days_between"] and last:
        until = last + timedelta(days=rules["min_days_between"])
        if until > now:
            return Decision(False, "min_days_between", until)
    if rules["same_phase_days"] and here:
        until = here + timedelta(days=rules["same_phase_days"])
        if until > now:
            return Decision(False, "same_phase_days", until)
    if rules["max_per_journey"] and asked >= rules["max_per_journey"]:
        return Decision(False, "max_per_journey")
    return Decision(True)


def record(brand: Brand, customer: Customer, phase: Phase, channel: str) -> Contact:
    """Count one ask; the caller commits, in the same transaction as its own rows."""
    contact = Contact(
        brand_id=brand.id,
        customer_id=customer.id,
        journey_id=phase.journey_id,
        phase_id=phase.id,
        channel=channel,
        created_at=utcnow(),
    )
    db.session.add(contact)
    return contact


def spend(brand: Brand, customer: Customer, phase: Phase, channel: str) -> Decision:
    """Check and, when allowed, count the ask. Lock the customer first (see customers.ensure)."""
    return spend_many(brand, [customer], phase, channel)[customer.id]


def spend_many(
    brand: Brand, customers: list[Customer], phase: Phase, channel: str
) -> dict[int, Decision]:
    """spend() for many customers, each once: locked (customers.ensure_many) by the caller."""
    decisions = check_many(brand, customers, phase)
    for customer in customers:
        if decisions[customer.id]:
            decisions[customer.id] = replace(
                decisions[customer.id], contact=record(brand, customer, phase, channel)
            )
    return decisions


def give_back(contact_ids: Iterable[int | None]) -> None:
    """Asks that never reached the customer (an invitation that failed, or was skipped before
    it was sent) no longer count: inviting her again is not held back by an email she did not
    get. The caller commits."""
    wanted = [contact_id for contact_id in contact_ids if contact_id is not None]
    for chunk in upserts.chunks(wanted):
        db.session.execute(delete(Contact).where(Contact.id.in_(chunk)))


def record_widget_skip(customer: Customer, survey: Survey, rule: str, locale: str) -> bool:
    """Keep that the budget kept the widget from asking; False when today's is already kept.

    The widget asks on every page view, so a row per "no" would let one customer clicking
    around write thousands. One skipped Invitation (channel "widget") per customer × phase ×
    day (the brand's day, by which the phase page counts them) bounds the rows by real
    customers (signed ones: anonymous visitors never reach the budget) and lets the phase page
    count them beside the email skips, read as "customers held back per day". Call it under
    the customer's lock (customers.ensure) like spend; the caller commits.
    """
    now = utcnow()
    zone = brand_days.zone_of(customer.brand_id)
    today_began, _ = timestamps.local_days(timestamps.local_day(now, zone), None, zone)
    kept = db.session.scalar(
        select(Invitation.id)
        .where(
            Invitation.customer_id == customer.id,
            Invitation.created_at >= today_began,
            Invitation.phase_id == survey.phase_id,
            Invitation.channel == "widget",
        )
        .limit(1)
    )
    if kept is not None:
        return False
    db.session.add(
        Invitation(
            brand_id=customer.brand_id,
            customer_id=customer.id,
            survey_id=survey.id,
            phase_id=survey.phase_id,
            channel="widget",
            locale=locale,
            status=SKIPPED,
            skip_reason=rule,
            created_at=now,
            expires_at=now,  # never sent, so there is no link to expire
        )
    )
    return True
