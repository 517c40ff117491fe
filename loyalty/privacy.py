"""GDPR: a customer's loyalty data for an export, the ledger's part in an erasure, and in
retention.

Erasure (the app's privacy service) keeps the ledger as anonymous amounts on the customer's
tombstone, so balances and reports still add up; `anonymise_customer` removes what is the
person's in it.
"""

from sqlalchemy import String, cast, func, literal, select, update

from app.extensions import db
from loyalty.ledger import ERASED_SOURCE, balance, entries
from loyalty.models import LedgerEntry

# Source ids that can name the person: an answer's is keyed by a hash of the email, and a
# redemption's is the brand's Idempotency-Key. A review's is the review id (a clawback finds
# the bonus by it) and an expiry's the tombstone's own id and a date: neither says who it was.
PERSONAL_SOURCES = ("answer", "redemption", "adjustment")


def export_customer(brand_id: int, customer_id: int) -> dict:
    items, _ = entries(brand_id, customer_id, limit=1_000_000)
    return {"balance": balance(brand_id, customer_id), "entries": items}


def anonymise_customer(brand_id: int, customer_id: int) -> int:
    """Keep the amounts, remove the person: notes, adjustments' free-text reasons, and source
    ids that were derived from her. Returns the number of her entries.

    A rewritten source id is `erased-<entry id>`: unique (entry ids are) and outside every key
    an award or a redemption makes, so a returning customer with the same address earns like
    a new one and no new key can meet an old entry; a replayed award for the tombstone itself
    is refused by award_for_response, not by a key."""
    mine = (LedgerEntry.brand_id == brand_id, LedgerEntry.customer_id == customer_id)
    count = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(*mine))
    if not count:
        return 0
    db.session.execute(update(LedgerEntry).where(*mine).values(note=None))
    db.session.execute(
        update(LedgerEntry)
        .where(*mine, LedgerEntry.kind == "adjust")
        .values(reason="adjustment (erased)")
    )
    db.session.execute(
        update(LedgerEntry)
        .where(*mine, LedgerEntry.source_type.in_(PERSONAL_SOURCES))
        .values(source_id=literal(ERASED_SOURCE) + cast(LedgerEntry.id, String))
    )
    return int(count)


def unlink_responses(brand_id: int, response_ids) -> int:
    """Entries keep their points but no longer name these responses (ids or a SELECT of
    them): an entry names its customer, so it would tie an anonymised answer back to them."""
    result = db.session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.brand_id == brand_id, LedgerEntry.response_id.in_(response_ids))
        .values(response_id=None)
    )
    return result.rowcount or 0
