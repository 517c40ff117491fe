"""GDPR: a customer's loyalty data for an export, and its erasure.

Erasure is the one time ledger rows are deleted: the law's right to be forgotten outranks the
append-only rule. (PostgreSQL would cascade from the customer row; SQLite does not enforce
foreign keys, so the erasure service calls this explicitly.)
"""

from sqlalchemy import delete

from app.extensions import db
from loyalty.ledger import balance, entries
from loyalty.models import LedgerEntry


def export_customer(brand_id: int, customer_id: int) -> dict:
    items, _ = entries(brand_id, customer_id, limit=1_000_000)
    return {"balance": balance(brand_id, customer_id), "entries": items}


def erase_customer(brand_id: int, customer_id: int) -> int:
    """Delete the customer's ledger entries (no commit); how many were deleted."""
    result = db.session.execute(
        delete(LedgerEntry).where(
            LedgerEntry.brand_id == brand_id, LedgerEntry.customer_id == customer_id
        )
    )
    return result.rowcount or 0
