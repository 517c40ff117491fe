"""The contact budget: how often one customer may be asked, across phases and channels.

A brand's `contact_policy` holds three rules; 0 or a missing value switches a rule off:
`min_days_between` (no two asks of one customer within N days), `max_per_journey` (at most
M asks per journey) and `same_phase_days` (never the same phase twice within K days). Every
ask of a known customer (a widget survey shown, an invitation queued) is one Contact row.
A "no" is kept as a skipped Invitation: the email channel keeps every one, the widget at most
one per customer, phase and day (see record_widget_skip).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, Contact, Customer, Invitation, Phase, Survey
from app.models.base import utcnow
from app.models.brand import DEFAULT_CONTACT_POLICY
from app.models.invitation import SKIPPED

RULES = ("min_days_between", "max_per_journey", "same_phase_days")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str | None = None  # the rule that said no
    retry_at: datetime | None = None  # when asking becomes possible again, if ever

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
    now = now or utcnow()
    rules = policy(brand)
    if rules["min_days_between"]:
        last = db.session.scalar(
            select(func.max(Contact.created_at)).where(Contact.customer_id == customer.id)
        )
        until = last + timedelta(days=rules["min_days_between"]) if last else None
        if until and until > now:
            return Decision(False, "min_days_between", until)
    if rules["same_phase_days"]:
        last = db.session.scalar(
            select(func.max(Contact.created_at)).where(
                Contact.customer_id == customer.id, Contact.phase_id == phase.id
            )
        )
        until = last + timedelta(days=rules["same_phase_days"]) if last else None
        if until and until > now:
            return Decision(False, "same_phase_days", until)
    if rules["max_per_journey"]:
        asked = db.session.scalar(
            select(func.count(Contact.id)).where(
                Contact.customer_id == customer.id, Contact.journey_id == phase.journey_id
            )
        )
        if asked >= rules["max_per_journey"]:
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
    decision = check(brand, customer, phase)
    if decision:
        record(brand, customer, phase, channel)
    return decision


def record_widget_skip(customer: Customer, survey: Survey, rule: str, locale: str) -> bool:
    """Keep that the budget kept the widget from asking; False when today's is already kept.

    The widget asks on every page view, so a row per "no" would let one customer clicking
    around write thousands. One skipped Invitation (channel "widget") per customer × phase ×
    UTC day bounds the rows by real customers (signed ones: anonymous visitors never reach the
    budget) and lets the phase page count them beside the email skips, read as "customers held
    back per day". Call it under the customer's lock (customers.ensure) like spend; the caller
    commits.
    """
    now = utcnow()
    kept = db.session.scalar(
        select(Invitation.id)
        .where(
            Invitation.customer_id == customer.id,
            Invitation.created_at >= datetime.combine(now.date(), time.min),
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
