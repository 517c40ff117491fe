"""GDPR: a customer's loyalty data for an export.

Erasure lives in the app's privacy service: it keeps the ledger as anonymous amounts on the
customer's tombstone, so balances and reports still add up, and removes only the free text.
"""

from loyalty.ledger import balance, entries


def export_customer(brand_id: int, customer_id: int) -> dict:
    items, _ = entries(brand_id, customer_id, limit=1_000_000)
    return {"balance": balance(brand_id, customer_id), "entries": items}
