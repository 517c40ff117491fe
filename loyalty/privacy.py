"""GDPR: a customer's loyalty data for an export, and the ledger's part in retention.

Erasure lives in the app's privacy service: it keeps the ledger as anonymous amounts on the
customer's tombstone, so balances and reports still add up, and removes only the free text.
"""

from sqlalchemy import update

from app.extensions import db
from loyalty.ledger import balance, entries
from loyalty.models import LedgerEntry


def export_customer(brand_id: int, customer_id: int) -> dict:
    items, _ = entries(brand_id, customer_id, limit=1_000_000)
    return {"balance": balance(brand_id, customer_id), "entries": items}


def unlink_responses(brand_id: int, response_ids) -> int:
    """Entries keep their points but no longer name these responses (ids or a SELECT of
    them): an entry names its customer, so it would tie an anonymised answer back to them."""
    result = db.session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.brand_id == brand_id, LedgerEntry.response_id.in_(response_ids))
        .values(response_id=None)
    )
    return result.rowcount or 0
