"""Many customers or journey events in one request: a shop's backfill of its orders, a nightly
sync of its CRM. One call per customer or event takes a shop's 100,000 orders 100,000 round
trips; a batch of up to schemas.customer.BATCH_MAX items takes one, and counts exactly as one
at a time would (customers.upsert_many and record_events apply the same rules).

All or nothing: a batch with one item that cannot be stored stores nothing, and the error names
the item (`items.<index>.<field>`), so the client can mend that line and send it again.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Journey, Persona
from app.services import customers


def upsert_customers(brand: Brand, items: list[dict]) -> dict:
    """Create or update each customer by external_id (a repeated id: the later item wins).
    {"received", "created": customers new to the brand, "updated"}."""
    _check_personas(brand, items)
    created: set[str] = set()
    customers.upsert_many(brand, items, created)
    wanted = {data["external_id"] for data in items}
    return {"received": len(items), "created": len(created), "updated": len(wanted - created)}


def record_events(brand: Brand, items: list[dict], request_key: str | None = None) -> dict:
    """Store the events in their order; {"received", "recorded", "first_time", "repeated"}.

    An Idempotency-Key header is refused, not ignored: a client retrying with it would store
    every unkeyed event again, believing the batch stored once."""
    if request_key is not None:
        raise AppError(
            422,
            "a batch takes no Idempotency-Key header: give each item its idempotency_key",
            fields={"Idempotency-Key": ["give each item its idempotency_key instead"]},
        )
    _check_phases(brand, items)
    return {"received": len(items), **customers.record_events(brand, items)}


def _check_personas(brand: Brand, items: list[dict]) -> None:
    keys = {data["persona"] for data in items if data.get("persona")}
    known = set(
        db.session.scalars(
            select(Persona.key).where(Persona.brand_id == brand.id, Persona.key.in_(keys))
        )
    )
    _refuse(
        {
            f"items.{index}.persona": ["unknown persona"]
            for index, data in enumerate(items)
            if data.get("persona") and data["persona"] not in known
        }
    )


def _check_phases(brand: Brand, items: list[dict]) -> None:
    """Each item's journey is the brand's and has its phase: else a 422 naming the items (one
    event at a time answers 404 for the URL-less ids, but a batch is one request)."""
    journey_ids = {data["journey_id"] for data in items}
    phase_keys = {
        journey.id: {phase.key for phase in journey.phases}
        for journey in db.session.scalars(
            select(Journey)
            .where(Journey.brand_id == brand.id, Journey.id.in_(journey_ids))
            .options(selectinload(Journey.phases))
        )
    }
    problems = {}
    for index, data in enumerate(items):
        if data["journey_id"] not in phase_keys:
            problems[f"items.{index}.journey_id"] = ["no such journey"]
        elif data["phase"] not in phase_keys[data["journey_id"]]:
            problems[f"items.{index}.phase"] = ["no such phase in this journey"]
    _refuse(problems)


def _refuse(problems: dict) -> None:
    if problems:
        raise AppError(422, "some items are not valid", fields=problems)
