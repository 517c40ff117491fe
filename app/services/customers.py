"""Customers (upserted by external_id) and the journey events that drive conversion."""

from datetime import UTC
from decimal import Decimal

from sqlalchemy import select

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Customer, CustomerPhase, JourneyEvent
from app.models.base import utcnow
from app.services import dwell, journeys, rollups, upserts


def normalise_email(email: str | None) -> str | None:
    """Trimmed and lower-cased, so one person is one customer whatever they typed."""
    if not email:
        return None
    return email.strip().lower() or None


def find(brand: Brand, external_id: str) -> Customer | None:
    return db.session.scalar(
        select(Customer).where(Customer.brand_id == brand.id, Customer.external_id == external_id)
    )


def get(brand: Brand, external_id: str) -> Customer:
    customer = find(brand, external_id)
    if customer is None:
        raise AppError(404, "customer not found")
    return customer


def ensure(brand: Brand, external_id: str, lock: bool = False) -> Customer:
    """The customer with this external id, created bare if new; safe under concurrent calls."""
    now = utcnow()
    upserts.insert_ignore(
        Customer,
        ("brand_id", "external_id"),
        {
            "brand_id": brand.id,
            "external_id": external_id,
            "consent": {},
            "created_at": now,
            "updated_at": now,
        },
    )
    query = select(Customer).where(
        Customer.brand_id == brand.id, Customer.external_id == external_id
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


def upsert(brand: Brand, data: dict) -> tuple[Customer, bool]:
    """Create or update a customer by external_id; returns (customer, created)."""
    created = find(brand, data["external_id"]) is None
    customer = _apply(brand, data)
    db.session.commit()
    return customer, created


def upsert_many(brand: Brand, items: list[dict]) -> list[Customer]:
    """Create or update many customers in one transaction (imports, the demo)."""
    with db.session.no_autoflush:  # one flush at the commit, not one per statement
        result = [_apply(brand, data) for data in items]
    db.session.commit()
    return result


def _apply(brand: Brand, data: dict) -> Customer:
    customer = ensure(brand, data["external_id"], lock=True)
    if "email" in data:
        customer.email = normalise_email(data["email"])
    if "persona" in data:
        persona = journeys.persona_by_key(brand, data["persona"])
        customer.persona_id = persona.id if persona else None
    for field in ("locale", "value"):
        if field in data:
            setattr(customer, field, data[field])
    customer.updated_at = utcnow()
    return customer


def _value(customer: Customer, event_value: Decimal | None) -> float:
    """What a conversion is worth: the customer's value, else this event's transaction value."""
    if customer.value is not None:
        return float(customer.value)
    return float(event_value or 0)


def record_event(brand: Brand, data: dict) -> JourneyEvent:
    """Store a journey event; the first time a customer reaches a phase updates conversion."""
    event = _record(brand, data)
    db.session.commit()
    return event


def record_events(brand: Brand, items: list[dict]) -> int:
    """Store many events in one transaction (imports, the demo); returns how many."""
    journeys_by_id: dict = {}
    known: dict[str, Customer] = {}  # customers already ensured (and locked) in this transaction
    # Conversion reads only rows written with Core statements, so pending events need no flush
    # before each statement: one flush at the commit.
    with db.session.no_autoflush:
        for data in items:
            if data["journey_id"] not in journeys_by_id:
                journeys_by_id[data["journey_id"]] = journeys.get_journey(brand, data["journey_id"])
            if data["customer"] not in known:
                known[data["customer"]] = ensure(brand, data["customer"], lock=True)
            _record(brand, data, journeys_by_id[data["journey_id"]], known[data["customer"]])
    db.session.commit()
    return len(items)


def _record(brand: Brand, data: dict, journey=None, customer=None) -> JourneyEvent:
    journey = journey or journeys.get_journey(brand, data["journey_id"])
    phase = journey.phase(data["phase"])
    if phase is None:
        raise AppError(404, f"phase {data['phase']!r} not found in this journey")
    occurred_at = data.get("occurred_at") or utcnow()
    if occurred_at.tzinfo is not None:
        occurred_at = occurred_at.astimezone(UTC).replace(tzinfo=None)
    # Lock the customer so two events of one customer count conversion exactly once.
    customer = customer or ensure(brand, data["customer"], lock=True)
    event = JourneyEvent(
        brand_id=brand.id,
        customer=customer,
        journey_id=phase.journey_id,
        phase=phase,
        occurred_at=occurred_at,
        value=data.get("value"),
    )
    db.session.add(event)
    inserted = upserts.insert_ignore(
        CustomerPhase,
        ("customer_id", "phase_id"),
        {
            "brand_id": brand.id,
            "customer_id": customer.id,
            "phase_id": phase.id,
            "first_reached_at": occurred_at,
        },
        returning=True,
    ).first()
    event.first_time = inserted is not None
    if event.first_time:
        _count_conversion(brand, customer, phase, occurred_at, _value(customer, data.get("value")))
    return event


def _count_conversion(brand, customer, phase, reached_at, value: float) -> None:
    phases = phase.journey.phases
    index = phases.index(phase)
    neighbours = {p.id: p for p in phases[max(index - 1, 0) : index + 2] if p.id != phase.id}
    reached = {
        row.phase_id: row.first_reached_at
        for row in db.session.scalars(
            select(CustomerPhase).where(
                CustomerPhase.customer_id == customer.id, CustomerPhase.phase_id.in_(neighbours)
            )
        )
    }
    persona = customer.persona_id
    rollups.add_conversion(
        brand.id, phase.id, reached_at.date(), persona, reached=1, reached_value=value
    )
    if index + 1 < len(phases) and phases[index + 1].id in reached:
        hours = _hours(reached_at, reached[phases[index + 1].id])
        rollups.add_conversion(
            brand.id,
            phase.id,
            reached_at.date(),
            persona,
            converted=1,
            converted_value=value,
            dwell_hours_sum=hours,
        )
        dwell.add(brand.id, phase.id, reached_at.date(), persona, hours)
    if index > 0 and phases[index - 1].id in reached:
        earlier = reached[phases[index - 1].id]
        rollups.add_conversion(
            brand.id,
            phases[index - 1].id,
            earlier.date(),
            persona,
            converted=1,
            converted_value=value,
            dwell_hours_sum=_hours(earlier, reached_at),
        )
        dwell.add(
            brand.id, phases[index - 1].id, earlier.date(), persona, _hours(earlier, reached_at)
        )


def _hours(start, end) -> float:
    return max((end - start).total_seconds() / 3600, 0.0)
