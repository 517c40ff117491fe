"""Orders in a journey: a customer's first arrival in a phase for each order her journey
events name (a repeat buyer's second delivery), and the order an answer belongs to.

Conversion counts customers (CustomerPhase, the first reach); this counts nothing. It is what
schedules the phase's invitation on reach once per order (invitations.schedule_on_reach) and
what loyalty's once-rule is keyed by, through the answer's order (docs/loyalty.md)."""

from sqlalchemy import select

from app.extensions import db
from app.models import CustomerPhaseOrder
from app.services import upserts

KEY = ("customer_id", "phase_id", "order_ref")


def first_arrivals(brand, arrivals: list[tuple]) -> list[tuple]:
    """Of these (customer, phase, order, occurred_at), each at its earliest moment among
    them, those that are the customer's first arrival in the phase for that order: recorded
    now, so a later event (or a retry) of the same order is not a first again. In the
    caller's transaction; the customers are locked by it."""
    earliest: dict[tuple, tuple] = {}
    for customer, phase, order, occurred_at in arrivals:
        key = (customer.id, phase.id, order)
        if key not in earliest or occurred_at < earliest[key][3]:
            earliest[key] = (customer, phase, order, occurred_at)
    rows = [
        {
            "brand_id": brand.id,
            "customer_id": customer.id,
            "phase_id": phase.id,
            "order_ref": order,
            "first_reached_at": occurred_at,
        }
        for customer, phase, order, occurred_at in earliest.values()
    ]
    # Only the statement that stored a row hears of it (RETURNING its key), so of two
    # requests at once, or one batch's two events of an order, one schedules.
    new: set[tuple] = set()
    for chunk in upserts.chunks(rows):
        stored = upserts.insert_ignore(CustomerPhaseOrder, KEY, chunk, returning=KEY)
        new.update(tuple(found) for found in stored)
    return [arrival for key, arrival in earliest.items() if key in new]


def latest(customer_id: int | None, phase_id: int) -> str | None:
    """The order of the customer's latest arrival in the phase, if her events named orders:
    what an answer to the phase that names none is about (the widget's, a link's)."""
    if customer_id is None:
        return None
    return db.session.scalar(
        select(CustomerPhaseOrder.order_ref)
        .where(
            CustomerPhaseOrder.customer_id == customer_id,
            CustomerPhaseOrder.phase_id == phase_id,
        )
        .order_by(CustomerPhaseOrder.first_reached_at.desc(), CustomerPhaseOrder.id.desc())
        .limit(1)
    )
