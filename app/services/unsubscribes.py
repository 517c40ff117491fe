"""Unsubscribing from invitations: the signed link in every email, and one-click POSTs."""

from sqlalchemy import update

from app.extensions import db
from app.models import Brand, Customer, Invitation
from app.models.base import utcnow
from app.models.invitation import QUEUED, SKIPPED
from app.schemas.common import SUPPORTED_LOCALES
from app.services import survey_tokens
from app.services.channel_texts import best_locale


class UnsubscribeInvalid(Exception):
    pass


def lookup(token: str) -> tuple[Brand, Customer]:
    try:
        brand_id, customer_id = survey_tokens.read_unsubscribe(token)
    except survey_tokens.TokenInvalid as error:
        raise UnsubscribeInvalid() from error
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.brand_id != brand_id:
        raise UnsubscribeInvalid()
    return db.session.get(Brand, brand_id), customer


def locale_of(
    brand: Brand, customer: Customer, lang: str | None = None, accept_language: str | None = None
) -> str:
    """The link's ?lang (emails carry their own language), the customer's stored language,
    the browser's, else the brand's default: the order a survey link's page uses."""
    return best_locale(
        [lang, customer.locale, accept_language], list(SUPPORTED_LOCALES), brand.default_locale
    )


def unsubscribe(token: str) -> tuple[Brand, Customer]:
    """Mark the customer unsubscribed and skip invitations still waiting to be sent."""
    brand, customer = lookup(token)
    if customer.unsubscribed_at is None:
        customer.unsubscribed_at = utcnow()
    db.session.execute(
        update(Invitation)
        .where(Invitation.customer_id == customer.id, Invitation.status == QUEUED)
        .values(status=SKIPPED, skip_reason="unsubscribed")
    )
    db.session.commit()
    return brand, customer
