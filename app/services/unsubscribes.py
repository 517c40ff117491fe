"""Unsubscribing from invitations: the signed link in every email, and one-click POSTs.

An unsubscribe suppresses the address, not only the customer: the brand's suppression list
(models.suppression) holds a keyed hash of every unsubscribed address, and every email to a
customer checks it (`may_email`). So the same person under a second external id (another
order number) is not mailed, nor the same address added again after an erasure, and the list
never holds an address itself.
"""

from sqlalchemy import select, update

from app.extensions import db
from app.models import Brand, Customer, EmailSuppression, Invitation
from app.models.base import utcnow
from app.models.invitation import QUEUED, SCHEDULED, SKIPPED
from app.schemas.common import SUPPORTED_LOCALES
from app.security import keyed_hashes
from app.services import contact_budget, survey_tokens, upserts
from app.services.channel_texts import best_locale
from app.services.customers import normalise_email


class UnsubscribeInvalid(Exception):
    pass


def address_hash(brand_id: int, email: str) -> str:
    """HMAC-SHA256 (SECRET_KEY) of the brand and the normalised address: a list of addresses
    cannot be checked against it without the key. Rotating SECRET_KEY forgets the list, but
    for the keys kept in SECRET_KEY_FALLBACKS."""
    return address_hashes(brand_id, email)[0]


def address_hashes(brand_id: int, email: str) -> list[str]:
    """The address's hash under SECRET_KEY and under each key it replaced: an address
    suppressed before a key change is still recognised while its key is a fallback."""
    return keyed_hashes(f"{brand_id}:{normalise_email(email)}")


def is_suppressed(brand_id: int, email: str | None) -> bool:
    if not normalise_email(email):
        return False
    return bool(_suppressed(brand_id, address_hashes(brand_id, email)))


def _suppressed(brand_id: int, digests: list[str]) -> set[str]:
    """Those of these address hashes on the brand's suppression list."""
    found: set[str] = set()
    for chunk in upserts.chunks(sorted(set(digests))):
        found.update(
            db.session.scalars(
                select(EmailSuppression.address_hash).where(
                    EmailSuppression.brand_id == brand_id,
                    EmailSuppression.address_hash.in_(chunk),
                )
            )
        )
    return found


def may_email(customer: Customer | None) -> bool:
    """Whether this customer may get an email of any kind: an address, neither the customer
    nor the address unsubscribed."""
    return customer is not None and bool(may_email_many([customer]))


def may_email_many(customers: list[Customer]) -> set[int]:
    """The ids of those of these customers (of one brand) who may get an email: one query for
    a whole list instead of one per customer."""
    candidates = [c for c in customers if c.email and c.unsubscribed_at is None]
    if not candidates:
        return set()
    brand_id = candidates[0].brand_id
    digests = {c.id: address_hashes(brand_id, c.email) for c in candidates}
    suppressed = _suppressed(brand_id, [d for found in digests.values() for d in found])
    return {customer_id for customer_id, found in digests.items() if suppressed.isdisjoint(found)}


def may_invite_many(customers: list[Customer]) -> set[int]:
    """The ids of those of these customers (of one brand) who may be invited other than by
    our email (a personal link the brand delivers): neither the customer nor her address, if
    she has one, unsubscribed. The unsubscribe page promises no more invitations, not only no
    more emails."""
    without_address = {c.id for c in customers if not c.email and c.unsubscribed_at is None}
    return without_address | may_email_many(customers)


def suppress(brand_id: int, email: str | None) -> None:
    """Add the address to the brand's suppression list (once); the caller commits."""
    if normalise_email(email):
        _suppress_hash(brand_id, address_hash(brand_id, email))


def _suppress_hash(brand_id: int, digest: str) -> None:
    values = {"brand_id": brand_id, "address_hash": digest, "created_at": utcnow()}
    upserts.insert_ignore(EmailSuppression, ("brand_id", "address_hash"), values)


def lookup(token: str) -> tuple[Brand, Customer]:
    return _read(token)[:2]


def _read(token: str) -> tuple[Brand, Customer, str | None]:
    try:
        brand_id, customer_id, mailed = survey_tokens.read_unsubscribe(token)
    except survey_tokens.TokenInvalid as error:
        raise UnsubscribeInvalid() from error
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.brand_id != brand_id:
        raise UnsubscribeInvalid()
    return db.session.get(Brand, brand_id), customer, mailed


def locale_of(
    brand: Brand, customer: Customer, lang: str | None = None, accept_language: str | None = None
) -> str:
    """The link's ?lang (emails carry their own language), the customer's stored language,
    the browser's, else the brand's default: the order a survey link's page uses."""
    return best_locale(
        [lang, customer.locale, accept_language], list(SUPPORTED_LOCALES), brand.default_locale
    )


def unsubscribe(token: str) -> tuple[Brand, Customer]:
    """Mark the customer unsubscribed, suppress the address, and skip the invitations still
    waiting to be sent to this customer or to another of the brand's with the address."""
    brand, customer, mailed = _read(token)
    if customer.unsubscribed_at is None:
        customer.unsubscribed_at = utcnow()
    suppress(brand.id, customer.email)
    if mailed is not None:  # the address the mail went to, if the customer's changed since
        _suppress_hash(brand.id, mailed)
    recipients = Invitation.customer_id == customer.id
    if customer.email:
        recipients = recipients | Invitation.customer_id.in_(
            select(Customer.id).where(
                Customer.brand_id == brand.id, Customer.email == normalise_email(customer.email)
            )
        )
    # Never sent, so never asked: their asks are given back (contact_budget), of those this
    # UPDATE skipped: it waits for a sender that is mailing one of them, and then leaves that
    # one, sent, with its ask (the foreign key lets go of the asks given back).
    skipped = db.session.scalars(
        update(Invitation)
        .where(recipients, Invitation.status.in_((SCHEDULED, QUEUED)))
        .values(status=SKIPPED, skip_reason="unsubscribed")
        .returning(Invitation.contact_id)
    )
    contact_budget.give_back(list(skipped))
    db.session.commit()
    return brand, customer
