"""Conversion and time in phase, kept equal to what the customers' first reaches say.

A customer's share of the conversion and dwell rollups is a function of the phases they
reached first (customer_phase: when, their value and their persona) and of the journey's
phase order: `Counts.share`. A customer "went on" from a phase when they reached any later
phase of the journey, so a skipped phase (a new one nobody reached yet) breaks no chain.
The value is what the customer is worth now (else the transaction value of their first event
in the phase), and the persona is theirs now, for both "reached" and "converted":
customer_phase keeps the two as counted.

Every change writes the difference between the customers' shares after and before it: a new
reach, a reach found to be earlier than known (a back-dated import), a new value or persona
(`revalue`). So the rollups stay the sum of the customers' shares, whatever order the events
and updates come in. A new phase order changes every share, and so does marking a phase in
or out of the funnel: the journey is then counted again from the rows (`recount`), which no
longer hold erased customers, so those leave the recounted figures.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import delete, select

from app import locks
from app.extensions import db
from app.models import ConversionRollup, CustomerPhase, DwellRollup, Journey, JourneyEvent, Phase
from app.models.rollup import CONVERSION_KEY
from app.services import brand_days, dwell, rollups, upserts


@dataclass(frozen=True)
class Reach:
    """A customer's first reach of a phase, and the value and persona (0: none) it counts with,
    on the brand's day it is counted on (None: a row from before days were kept, see share)."""

    at: datetime
    value: float
    persona_id: int
    day: date | None = None
    row_id: int | None = field(default=None, compare=False)  # its customer_phase row, if stored


Reached = dict[int, Reach]  # phase_id -> Reach, for one customer


class Order(NamedTuple):
    """A journey's phases as conversion counts them: the funnel's phase ids in position order,
    and those of the phases outside it (reached, but never a step to go on from or to)."""

    funnel: tuple[int, ...]
    outside: tuple[int, ...] = ()


def order_of(phases) -> Order:
    """The Order of a journey's phases, given in position order (Journey.phases)."""
    return Order(
        tuple(phase.id for phase in phases if phase.in_funnel),
        tuple(phase.id for phase in phases if not phase.in_funnel),
    )


def worth(customer, event_value: Decimal | None) -> float:
    """What a reach counts with: the customer's value, else the event's transaction value."""
    if customer.value is not None:
        return float(customer.value)
    return float(event_value or 0)


def _hours(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds() / 3600, 0.0)


class Counts:
    """Increments for the conversion and dwell rollups, summed per row, written at once."""

    def __init__(self) -> None:
        self.conversion: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.dwell: dict[tuple, int] = defaultdict(int)

    def share(self, brand_id: int, order: Order, reached: Reached, sign: int = 1):
        """Add (sign 1) or take away (-1) one customer's share in a journey of this order:
        reached per phase, and converted where they reached any later phase of the funnel,
        with the time to the nearest of those in journey order. Both count on the day of the
        first reach, with its value and persona: the day it was first counted on, so that a
        share taken away after the brand changed its time zone leaves the row it was added to.
        A phase outside the funnel counts its reach only."""
        for phase_id in order.outside:
            mine = reached.get(phase_id)
            if mine is not None:
                self._reached(brand_id, phase_id, mine, sign)
        phase_ids = order.funnel
        for index, phase_id in enumerate(phase_ids):
            mine = reached.get(phase_id)
            if mine is None:
                continue
            row, day = self._reached(brand_id, phase_id, mine, sign)
            # Any later phase, not only the next: a customer who skips a phase (a new one, or
            # one not every customer passes) did not drop off, and their share stays their own.
            went_on = next(
                (reached[later] for later in phase_ids[index + 1 :] if later in reached), None
            )
            if went_on is not None:
                hours = _hours(mine.at, went_on.at)
                row["converted"] += sign
                row["converted_value"] += sign * mine.value
                row["dwell_hours_sum"] += sign * hours
                self.dwell[dwell.key(brand_id, phase_id, day, mine.persona_id, hours)] += sign

    def _reached(self, brand_id: int, phase_id: int, mine: Reach, sign: int):
        """Count the reach in its row; (the row, its day) for what else counts there."""
        day = mine.day or brand_days.day_of(brand_id, mine.at)
        row = self.conversion[(brand_id, phase_id, day, mine.persona_id)]
        row["reached"] += sign
        row["reached_value"] += sign * mine.value
        return row, day

    def write(self) -> None:
        """Every row whose counts changed, in one upsert per table."""
        conversion = {
            key: changed
            for key, row in self.conversion.items()
            if (changed := {name: amount for name, amount in row.items() if amount})
        }
        rollups.upsert(ConversionRollup, CONVERSION_KEY, conversion)
        dwell.add_many({key: n for key, n in self.dwell.items() if n})


class Journeys:
    """What some customers reached first, loaded once, changed by events in the order they
    come, then written: new reaches inserted, earlier ones moved, and the rollups changed by
    each customer's share after minus before. The customers must be locked by the caller."""

    def __init__(self, brand_id: int, customer_ids: list[int]) -> None:
        self.brand_id = brand_id
        self.before = _load(customer_ids)
        self.now: dict[int, Reached] = {c: dict(self.before.get(c, {})) for c in customer_ids}
        self.orders: dict[int, set[Order]] = defaultdict(set)  # customer: their journeys

    def reach(self, customer_id: int, order: Order, phase_id: int, at: datetime, **then):
        """An event: the customer is in `phase_id` (of a journey of `order`) at `at`; they
        count with `value` and `persona_id`. True when it is their first reach of it."""
        reached = self.now.setdefault(customer_id, {})
        known = reached.get(phase_id)
        if known is not None and known.at <= at:
            return False
        # An earlier first event: its value counts now, in the same row, on its own day.
        day = brand_days.day_of(self.brand_id, at)
        reached[phase_id] = Reach(at, **then, day=day, row_id=known.row_id if known else None)
        self.orders[customer_id].add(order)
        return known is None

    def write(self) -> None:
        _write(self.brand_id, self.before, self.now, self.orders)


def _write(brand_id: int, before: dict, after: dict, orders: dict) -> None:
    """Store the changed reaches and change the rollups by each customer's share after
    minus before, in the journeys (their Orders) given per customer."""
    counts, new, changed = Counts(), [], []
    for customer_id, journeys in orders.items():
        was, now = before.get(customer_id, {}), after[customer_id]
        for order in journeys:
            counts.share(brand_id, order, was, -1)
            counts.share(brand_id, order, now)
        for phase_id, reach in now.items():
            if phase_id not in was:
                new.append(_row(brand_id, customer_id, phase_id, reach))
            elif reach != was[phase_id]:
                changed.append(
                    {
                        "id": reach.row_id,
                        "first_reached_at": reach.at,
                        "value": reach.value,
                        "persona_id": reach.persona_id,
                        "counted_day": reach.day,
                    }
                )
    for chunk in upserts.chunks(new):
        upserts.insert_ignore(CustomerPhase, ("customer_id", "phase_id"), chunk)
    # Back-dated imports and new values or personas: one statement for all (on PostgreSQL).
    upserts.update_by_id(CustomerPhase.__table__, changed)
    counts.write()


def revalue(brand, customers: list) -> None:
    """These customers' value or persona changed: count their shares again with the new ones.
    The customers must be locked by the caller."""
    before = _load([customer.id for customer in customers])
    if not before:
        return  # no phase reached yet: nothing counted
    reached_ids = sorted({phase_id for reached in before.values() for phase_id in reached})
    hold(brand, db.session.scalars(select(Phase.journey_id).where(Phase.id.in_(reached_ids))))
    phases = _orders(reached_ids)  # read once held: no new order until the commit
    firsts = _first_event_values([c.id for c in customers if c.value is None and c.id in before])
    after, orders = {}, {}
    for customer in customers:
        was = before.get(customer.id)
        if not was:
            continue
        after[customer.id] = {
            phase_id: replace(
                reach,
                value=worth(customer, firsts.get((customer.id, phase_id))),
                persona_id=customer.persona_id or 0,
            )
            for phase_id, reach in was.items()
        }
        orders[customer.id] = {phases[phase_id][1] for phase_id in was}
    _write(brand.id, before, after, orders)


def _orders(phase_ids: list[int]) -> dict[int, tuple[int, Order]]:
    """{phase_id: (journey_id, the journey's Order)} for these phases."""
    journey_ids = select(Phase.journey_id).where(Phase.id.in_(phase_ids))
    rows = db.session.execute(
        select(Phase.id, Phase.journey_id, Phase.in_funnel)
        .where(Phase.journey_id.in_(journey_ids))
        .order_by(Phase.journey_id, Phase.position)
    ).all()
    funnel: dict[int, list[int]] = defaultdict(list)
    outside: dict[int, list[int]] = defaultdict(list)
    for phase_id, journey_id, in_funnel in rows:
        (funnel if in_funnel else outside)[journey_id].append(phase_id)
    orders = {
        journey_id: Order(tuple(funnel[journey_id]), tuple(outside[journey_id]))
        for journey_id in {row.journey_id for row in rows}
    }
    return {phase_id: (journey_id, orders[journey_id]) for phase_id, journey_id, _ in rows}


def _first_event_values(customer_ids: list[int]) -> dict[tuple[int, int], Decimal | None]:
    """{(customer_id, phase_id): the transaction value of the earliest event there}."""
    values: dict[tuple[int, int], Decimal | None] = {}
    if not customer_ids:
        return values
    rows = db.session.execute(
        select(JourneyEvent.customer_id, JourneyEvent.phase_id, JourneyEvent.value)
        .where(JourneyEvent.customer_id.in_(sorted(customer_ids)))
        .order_by(JourneyEvent.occurred_at.desc(), JourneyEvent.id.desc())
    )
    for customer_id, phase_id, value in rows:  # the earliest comes last and stays
        values[(customer_id, phase_id)] = value
    return values


def _row(brand_id: int, customer_id: int, phase_id: int, reach: Reach) -> dict:
    return {
        "brand_id": brand_id,
        "customer_id": customer_id,
        "phase_id": phase_id,
        "first_reached_at": reach.at,
        "value": reach.value,
        "persona_id": reach.persona_id,
        "counted_day": reach.day,
    }


def _reaches():
    """(customer_id, phase_id, and what a Reach holds) of first reaches."""
    return select(
        CustomerPhase.customer_id,
        CustomerPhase.phase_id,
        CustomerPhase.first_reached_at,
        CustomerPhase.value,
        CustomerPhase.persona_id,
        CustomerPhase.counted_day,
        CustomerPhase.id,
    )


def _load(customer_ids: list[int]) -> dict[int, Reached]:
    """{customer_id: {phase_id: Reach}} of these customers, as stored."""
    reached: dict[int, Reached] = defaultdict(dict)
    for chunk in upserts.chunks(sorted(set(customer_ids))):
        rows = db.session.execute(_reaches().where(CustomerPhase.customer_id.in_(chunk)))
        for customer_id, phase_id, *reach in rows:
            reached[customer_id][phase_id] = Reach(*reach)
    return reached


def hold(brand, journey_ids) -> None:
    """The brand's journeys held while events count on their phase order: a change of the
    order or the funnel (which locks the journey, then recounts) waits for them, and they for
    it. Take it before the journey's phases are read."""
    ids = sorted(set(journey_ids))
    query = select(Journey.id).where(Journey.id.in_(ids), Journey.brand_id == brand.id)
    db.session.execute(locks.shared(query))


def recount(journey: Journey) -> None:
    """The journey's conversion and dwell rollups counted again from the first reaches, in
    its current phase order and funnel (after a phase was added, moved, or marked in or out
    of the funnel). The caller holds the journey locked (journeys.get_journey(lock=True))
    until it commits."""
    phase_ids = [phase.id for phase in journey.phases]
    order = order_of(journey.phases)
    for model in (ConversionRollup, DwellRollup):
        db.session.execute(delete(model).where(model.phase_id.in_(phase_ids)))
    counts, customer, reached = Counts(), None, {}
    rows = db.session.execute(
        _reaches()
        .where(CustomerPhase.phase_id.in_(phase_ids))
        .order_by(CustomerPhase.customer_id)
        .execution_options(yield_per=upserts.CHUNK)
    )
    for customer_id, phase_id, *reach in rows:
        if customer_id != customer:
            counts.share(journey.brand_id, order, reached)
            customer, reached = customer_id, {}
        reached[phase_id] = Reach(*reach)
    counts.share(journey.brand_id, order, reached)
    counts.write()
