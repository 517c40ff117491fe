"""Who hears about points: the app subscribes (webhooks) without loyalty importing it.

publish() runs inside the transaction that wrote the entry, so a subscriber that records rows
(webhook deliveries) commits or rolls back together with the points.
"""

from collections.abc import Callable

from sqlalchemy import func, select

from app.extensions import db
from loyalty.tables import table

EARNED, REDEEMED = "loyalty.earned", "loyalty.redeemed"

Subscriber = Callable[[int, str, dict], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Call subscriber(brand_id, event, data) for every earn and redemption (idempotent)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def publish(event: str, entry: dict) -> None:
    """entry: the ledger row's values (brand_id, customer_id, id, kind, points, …)."""
    if not _subscribers:
        return  # the payload costs two queries; skip them when nobody listens
    data = payload(entry)
    for subscriber in list(_subscribers):
        subscriber(entry["brand_id"], event, data)


def payload(entry: dict) -> dict:
    from loyalty.models import LedgerEntry

    customer = table("customer")
    external_id = db.session.scalar(
        select(customer.c.external_id).where(customer.c.id == entry["customer_id"])
    )
    balance = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.brand_id == entry["brand_id"],
            LedgerEntry.customer_id == entry["customer_id"],
        )
    )
    return {
        "customer": external_id,
        "entry_id": entry.get("id"),
        "kind": entry["kind"],
        "points": entry["points"],
        "reason": entry["reason"],
        "reward": entry.get("reward"),
        "response_id": entry.get("response_id"),
        "review_id": entry.get("review_id"),
        "balance": int(balance),
    }
