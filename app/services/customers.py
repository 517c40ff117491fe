"""Customers (upserted by external_id) and the journey events that drive conversion."""

from datetime import datetime
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import locks, timestamps
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Customer, JourneyEvent, Persona
from app.models.base import utcnow
from app.services import conversion, idempotency, journeys, upserts


def normalise_email(email: str | None) -> str | None:
    """Trimmed and lower-cased, so one person is one customer whatever they typed."""
    if not email:
        return None
    return email.strip().lower() or None


def find(
    brand: Brand, external_id: str, lock: bool = False, erasing: bool = False
) -> Customer | None:
    """With `lock`, locked: a writer that must not write for an erased customer waits for a
    running erasure, and then finds no one under the old external id (erasure renames).

    Her writers (upserts, events, invitations, the loyalty ledger) wait for each other and
    for an erasure, but not her answers (see locks.locked); the erasure (`erasing`) also
    holds off those, as intake's guard takes KEY SHARE to see it through."""
    query = select(Customer).where(
        Customer.brand_id == brand.id, Customer.external_id == external_id
    )
    if lock:
        query = locks.locked(query, keys=erasing)
    return db.session.scalar(query)


def get(brand: Brand, external_id: str, lock: bool = False) -> Customer:
    customer = find(brand, external_id, lock)
    if customer is None:
        raise AppError(404, "customer not found")
    return customer


KEY = ("brand_id", "external_id")  # what makes a customer unique, and what upserts match on


def _bare(brand: Brand, external_id: str, now) -> dict:
    """A customer row with nothing known but the external id."""
    return {
        "brand_id": brand.id,
        "external_id": external_id,
        "consent": {},
        "created_at": now,
        "updated_at": now,
    }


def ensure(brand: Brand, external_id: str, lock: bool = False) -> Customer:
    """The customer with this external id, created bare if new; safe under concurrent calls."""
    return ensure_created(brand, external_id, lock)[0]


def ensure_created(brand: Brand, external_id: str, lock: bool = False) -> tuple[Customer, bool]:
    """ensure(), and whether this call created the customer: its own INSERT stored the row.

    Told by the INSERT, not by a look before it: of two calls at once, the second one's
    INSERT waits for the first one's row and then stores nothing.

    An erasure renames the row it erases: one that does so between the INSERT (which then
    found the row) and the SELECT (which then finds none) frees the external id, so the
    second round creates the new customer that id now names."""
    query = select(Customer).where(
        Customer.brand_id == brand.id, Customer.external_id == external_id
    )
    query = locks.locked(query) if lock else query.execution_options(populate_existing=True)
    for _ in range(2):
        inserted = upserts.insert_ignore(
            Customer, KEY, _bare(brand, external_id, utcnow()), returning=True
        ).first()
        customer = db.session.scalar(query)
        if customer is not None:
            return customer, inserted is not None
    _refuse_erased_meanwhile()


def _refuse_erased_meanwhile() -> NoReturn:
    """Erased twice while this request looked the customer up (an erasure freed the external
    id, the new customer it then named was erased too): a 409, nothing stored; the request
    may be sent again."""
    db.session.rollback()
    raise AppError(
        409,
        "the customer was erased while this request waited for them; send it again",
        fields={"customer": ["erased meanwhile"]},
    )


def upsert(brand: Brand, data: dict) -> tuple[Customer, bool]:
    """Create or update a customer by external_id; returns (customer, created)."""
    customer, created = ensure_created(brand, data["external_id"], lock=True)
    if _apply(brand, data, customer):
        conversion.revalue(brand, [customer])
    db.session.commit()
    return customer, created


def upsert_many(brand: Brand, items: list[dict], created: set[str] | None = None) -> list[Customer]:
    """Create or update many customers in one transaction (imports, the demo, the batch API).

    The same rules as `upsert`, with a few statements per chunk instead of a few per customer.
    `created`, when given, receives the external ids this call's INSERTs stored.
    """
    found = apply_many(brand, items, created)
    db.session.commit()
    return found


def apply_many(brand: Brand, items: list[dict], created: set[str] | None = None) -> list[Customer]:
    """upsert_many without the commit: the customers, locked, in the caller's transaction
    (an invitation list stores its customers and their invitations together or not at all)."""
    personas: dict[str | None, Persona | None] = {}
    with db.session.no_autoflush:  # one flush at the commit, not one per statement
        known = ensure_many(brand, [data["external_id"] for data in items], created)
        changed = {}
        for data in items:
            customer = known[data["external_id"]]
            if _apply(brand, data, customer, personas):
                changed[customer.id] = customer
        conversion.revalue(brand, list(changed.values()))
    return [known[data["external_id"]] for data in items]


def ensure_many(
    brand: Brand, external_ids: list[str], created: set[str] | None = None
) -> dict[str, Customer]:
    """`ensure(…, lock=True)` for many: {external_id: customer}, each created bare if new;
    `created`, when given, receives the external ids whose row this call's INSERT stored (told
    by the INSERT, as ensure_created tells it: of two calls at once, one stores each row).

    Locked in id order, as the loyalty ledger locks customers, so two transactions locking
    overlapping sets cannot deadlock. An erasure renames the row it erases: one that commits
    between finding an id and locking it leaves that external id free, and a second round
    creates the new customer it now names (as ensure_created does for one).
    """
    wanted = sorted(set(external_ids))
    found: dict[str, Customer] = {}
    for _ in range(2):
        missing = [external_id for external_id in wanted if external_id not in found]
        if not missing:
            break
        now, looked_for = utcnow(), set(missing)
        ids: list[int] = []
        inserted: set[int] = set()
        for chunk in upserts.chunks(missing):
            stored = upserts.insert_ignore(
                Customer,
                KEY,
                [_bare(brand, external_id, now) for external_id in chunk],
                returning=created is not None,
            )
            if created is not None:
                inserted.update(stored.scalars())
            ids += db.session.scalars(
                select(Customer.id).where(
                    Customer.brand_id == brand.id, Customer.external_id.in_(chunk)
                )
            )
        for chunk in upserts.chunks(sorted(ids)):
            query = locks.locked(
                select(Customer).where(Customer.id.in_(chunk)).order_by(Customer.id)
            )
            found.update(
                (customer.external_id, customer)
                for customer in db.session.scalars(query)
                if customer.external_id in looked_for  # not a tombstone renamed meanwhile
            )
        if created is not None:
            created.update(c.external_id for c in found.values() if c.id in inserted)
    if len(found) < len(wanted):
        _refuse_erased_meanwhile()
    return found


def _apply(brand: Brand, data: dict, customer: Customer, personas: dict | None = None) -> bool:
    """Write the data on the (locked) customer; True when their value or persona changed,
    which changes their share in the conversion figures (conversion.revalue)."""
    counted = (customer.value, customer.persona_id)
    personas = {} if personas is None else personas  # persona by key, read once per import
    if "email" in data:
        customer.email = normalise_email(data["email"])
    if "persona" in data:
        if data["persona"] not in personas:
            personas[data["persona"]] = journeys.persona_by_key(brand, data["persona"])
        persona = personas[data["persona"]]
        customer.persona_id = persona.id if persona else None
    for field in ("first_name", "locale", "value"):
        if field in data:
            setattr(customer, field, data[field])
    customer.updated_at = utcnow()
    return (customer.value, customer.persona_id) != counted


def record_event(brand: Brand, data: dict, idempotency_key: str | None = None) -> JourneyEvent:
    """Store a journey event; the first time a customer reaches a phase updates conversion.
    The same Idempotency-Key again returns the stored event and counts nothing."""
    fingerprint, found = idempotency.first_try(JourneyEvent, brand.id, idempotency_key, data)
    if found is not None:
        return found
    event = _record(brand, data)
    return idempotency.commit_once(event, idempotency_key, fingerprint)


def record_events(brand: Brand, items: list[dict]) -> dict:
    """Store many events in one transaction (imports, the demo, POST /events/batch).

    The same rules as `record_event`, applied event by event in the given order, but with a
    few statements per chunk instead of a few per event: the customers are ensured and locked
    together, the phases they had reached are read once, and conversion is summed per rollup
    row before it is written. An item may carry its own `idempotency_key`: one stored before
    for the same event is left out (listed in "repeated" by its index), for another a 409.
    Returns {"recorded": events stored, "first_time": of them first reaches, "repeated",
    "items": per item, in order, {"id", "first_time", "repeated"}: the event it stored, or
    the one stored before under its key, as that one was answered}.
    """
    # Held before the journeys are read: their phase order cannot change under the counting.
    conversion.hold(brand, {data["journey_id"] for data in items})
    journeys_by_id: dict = {}
    prepared = []
    for data in items:
        if data["journey_id"] not in journeys_by_id:
            journeys_by_id[data["journey_id"]] = journeys.get_journey(brand, data["journey_id"])
        journey = journeys_by_id[data["journey_id"]]
        prepared.append((data, _phase(journey, data["phase"]), _occurred_at(data)))
    now = utcnow()
    events, answers, first_reaches, ordered = [], [], [], []
    with db.session.no_autoflush:
        known = ensure_many(brand, [data["customer"] for data in items])
        # Read after the customers' locks: a concurrent try of the same keyed event (of the
        # same customer) has committed by now, so its key is found, not met by the INSERT.
        stored = _stored_keys(brand, items)
        reached = conversion.Journeys(brand.id, [customer.id for customer in known.values()])
        for index, (data, phase, occurred_at) in enumerate(prepared):
            key = data.get("idempotency_key")
            fingerprint = key and _event_hash(data)
            if key in stored:  # stored before, or by an earlier item of this batch
                if stored[key]["request_hash"] != fingerprint:
                    _refuse_keys([index], "this Idempotency-Key was used for a different event")
                answers.append((stored[key], True))
                continue
            customer = known[data["customer"]]
            event = {
                "brand_id": brand.id,
                "customer_id": customer.id,
                "journey_id": phase.journey_id,
                "phase_id": phase.id,
                "occurred_at": occurred_at,
                "value": data.get("value"),
                "order_ref": data.get("order"),
                "created_at": now,
                "first_time": _reach(reached, customer, phase, occurred_at, data.get("value")),
                "idempotency_key": key,
                "request_hash": fingerprint,
            }
            events.append(event)
            answers.append((event, False))
            if event["order_ref"] is not None:
                ordered.append((customer, phase, event["order_ref"], occurred_at))
            elif event["first_time"]:
                first_reaches.append((customer, phase))
            if key is not None:
                stored[key] = event  # a later item with this key repeats this one
        table = JourneyEvent.__table__
        insert = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        try:
            for chunk in upserts.chunks(events):
                for event, event_id in zip(chunk, db.session.scalars(insert, chunk), strict=True):
                    event["id"] = event_id
        except IntegrityError:
            # Only a key can clash here: one another request stored meanwhile for an event of
            # another customer (the same event waits for its customer's lock, then finds it).
            db.session.rollback()
            if not stored:
                raise
            now_stored = _stored_keys(brand, items)
            _refuse_keys(
                [
                    index
                    for index, data in enumerate(items)
                    if data.get("idempotency_key") in now_stored
                    and now_stored[data["idempotency_key"]]["request_hash"] != _event_hash(data)
                ],
                "an Idempotency-Key of these events was used for another event meanwhile",
            )
        reached.write()
        # Each first reach at its earliest moment in the batch: a batch may list a customer's
        # events newest first, and the history rule must not depend on that order.
        _schedule(
            brand,
            [
                (customer, phase, reached.now[customer.id][phase.id].at)
                for customer, phase in first_reaches
            ],
            ordered,
        )
    db.session.commit()
    return {
        "recorded": len(events),
        "first_time": sum(1 for event in events if event["first_time"]),
        "repeated": [index for index, (_, again) in enumerate(answers) if again],
        "items": [
            {"id": event["id"], "first_time": event["first_time"], "repeated": again}
            for event, again in answers
        ],
    }


def _refuse_keys(indexes: list[int], message: str) -> NoReturn:
    """A 409 naming the batch's items whose key another event holds; nothing stored (the
    customers ensure_many made for the batch included)."""
    db.session.rollback()
    raise AppError(
        409,
        message,
        code="idempotency_conflict",
        fields={f"items.{index}.idempotency_key": ["used for another event"] for index in indexes},
    )


def _event_hash(data: dict) -> str:
    """An event's fingerprint as record_event takes it: the item without its own key."""
    return idempotency.request_hash({k: v for k, v in data.items() if k != "idempotency_key"})


def _stored_keys(brand: Brand, items: list[dict]) -> dict[str, dict]:
    """{key: {"request_hash", "id", "first_time"}} of the brand's events stored under the
    items' keys."""
    keys = sorted({data["idempotency_key"] for data in items if data.get("idempotency_key")})
    columns = (JourneyEvent.request_hash, JourneyEvent.id, JourneyEvent.first_time)
    found: dict[str, dict] = {}
    for chunk in upserts.chunks(keys):
        rows = db.session.execute(
            select(JourneyEvent.idempotency_key, *columns).where(
                JourneyEvent.brand_id == brand.id, JourneyEvent.idempotency_key.in_(chunk)
            )
        )
        for key, *values in rows:
            found[key] = dict(zip(("request_hash", "id", "first_time"), values, strict=True))
    return found


def _reach(reached, customer: Customer, phase, occurred_at: datetime, event_value) -> bool:
    """Count the customer in `phase` at `occurred_at`, with their value and persona now."""
    return reached.reach(
        customer.id,
        conversion.order_of(phase.journey.phases),
        phase.id,
        occurred_at,
        value=conversion.worth(customer, event_value),
        persona_id=customer.persona_id or 0,
    )


def _phase(journey, key: str):
    phase = journey.phase(key)
    if phase is None:
        raise journeys.missing_phase(key)
    return phase


def _occurred_at(data: dict) -> datetime:
    return timestamps.naive_utc(data.get("occurred_at") or utcnow())


def _record(brand: Brand, data: dict) -> JourneyEvent:
    conversion.hold(brand, [data["journey_id"]])  # before its phase order is read
    phase = _phase(journeys.get_journey(brand, data["journey_id"]), data["phase"])
    occurred_at = _occurred_at(data)
    # Lock the customer so two events of one customer count conversion exactly once.
    customer = ensure(brand, data["customer"], lock=True)
    event = JourneyEvent(
        brand_id=brand.id,
        customer=customer,
        journey_id=phase.journey_id,
        phase=phase,
        occurred_at=occurred_at,
        value=data.get("value"),
        order_ref=data.get("order"),
    )
    db.session.add(event)
    reached = conversion.Journeys(brand.id, [customer.id])
    event.first_time = _reach(reached, customer, phase, occurred_at, data.get("value"))
    reached.write()
    if event.order_ref is not None:
        _schedule(brand, [], [(customer, phase, event.order_ref, occurred_at)])
    elif event.first_time:
        _schedule(brand, [(customer, phase, occurred_at)])
    return event


def _schedule(brand: Brand, reaches: list[tuple], ordered: list[tuple] = ()) -> None:
    """First arrivals in a phase schedule its survey's invitation, if it invites on reach;
    so do first arrivals for an order, (customer, phase, order, occurred_at): an event that
    names an order schedules only so (a customer's first order is her first arrival too),
    and its invitation asks about that order."""
    from app.services import invitations, orders  # which find customers here

    # Not flushed here: a pending event's INSERT must meet its Idempotency-Key's unique index
    # at the commit, where idempotency.commit_once answers a clash (a 409, or the first event).
    with db.session.no_autoflush:
        firsts = orders.first_arrivals(brand, list(ordered)) if ordered else []
        invitations.schedule_on_reach(
            brand,
            [invitations.Reach(*reach) for reach in reaches]
            + [
                invitations.Reach(customer, phase, occurred_at, order)
                for customer, phase, order, occurred_at in firsts
            ],
        )
