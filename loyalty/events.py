"""Who hears about points: the app subscribes (webhooks) without loyalty importing it.

publish() runs inside the transaction that wrote the entry, so a subscriber that records rows
(webhook deliveries) commits or rolls back together with the points.
"""

from collections.abc import Callable

from sqlalchemy import func, select

from app.extensions import db
from loyalty.tables import table

EARNED, REDEEMED = "loyalty.earned", "loyalty.redeemed"
# Points taken away other than by a redemption: a clawback, an expiry, a negative adjustment.
# A receiver that mirrors balances would drift from the ledger without them.
DEDUCTED = "loyalty.deducted"

Subscriber = Callable[[int, str, dict], None]
Interest = Callable[[int, str], bool]
_subscribers: list[Subscriber] = []
_interests: dict[Subscriber, Interest] = {}


def subscribe(subscriber: Subscriber, wants: Interest | None = None) -> None:
    """Call subscriber(brand_id, event, data) for every entry: earned, redeemed or deducted
    (idempotent);
    with `wants`, only for the (brand_id, event) it answers True for."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    if wants is not None:
        _interests[subscriber] = wants


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)
    _interests.pop(subscriber, None)


def _wanted(brand_id: int, event: str) -> list[Subscriber]:
    return [
        subscriber
        for subscriber in _subscribers
        if subscriber not in _interests or _interests[subscriber](brand_id, event)
    ]


def publish(event: str, entry: dict) -> None:
    """entry: the ledger row's values (brand_id, customer_id, id, kind, points, …)."""
    publish_many(event, [entry])


def publish_many(event: str, entries: list[dict]) -> None:
    """Entries in the order they were written; each payload carries the balance after it."""
    listeners = {
        brand_id: _wanted(brand_id, event) for brand_id in {e["brand_id"] for e in entries}
    }
    entries = [entry for entry in entries if listeners[entry["brand_id"]]]
    if not entries:
        return  # the payloads cost two queries; skip them when nobody listens
    from loyalty.models import LedgerEntry

    customer = table("customer")
    customer_ids = sorted({entry["customer_id"] for entry in entries})
    external = dict(
        db.session.execute(
            select(customer.c.id, customer.c.external_id).where(customer.c.id.in_(customer_ids))
        ).all()
    )
    balances = {
        (brand_id, customer_id): int(total)
        for brand_id, customer_id, total in db.session.execute(
            select(LedgerEntry.brand_id, LedgerEntry.customer_id, func.sum(LedgerEntry.points))
            .where(LedgerEntry.customer_id.in_(customer_ids))
            .group_by(LedgerEntry.brand_id, LedgerEntry.customer_id)
        )
    }
    # The balance before these entries, then walk forward so each payload has its own.
    for entry in entries:
        balances[(entry["brand_id"], entry["customer_id"])] -= entry["points"]
    for entry in entries:
        key = (entry["brand_id"], entry["customer_id"])
        balances[key] += entry["points"]
        data = {
            "customer": external.get(entry["customer_id"]),
            "entry_id": entry.get("id"),
            "kind": entry["kind"],
            "points": entry["points"],
            "reason": entry["reason"],
            "reward": entry.get("reward"),
            "code": entry.get("code"),  # a voucher code handed out with a redemption
            "response_id": entry.get("response_id"),
            "review_id": entry.get("review_id"),
            "balance": balances[key],
        }
        for subscriber in listeners[entry["brand_id"]]:
            subscriber(entry["brand_id"], event, data)
