"""The dashboard's customer lookup: find one customer by an exact email address or external id,
and read on one page what is held about them, a list at a time.

Exact matches only, each through an index (customer's unique (brand, external_id) and
ix_customer_brand_email): a partial match over addresses would let any login page through
the brand's customers' addresses, and would scan the table. Every list is a keyset page
through an index on its customer column, so a customer with a long history costs what a new
one costs.
"""

from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

import loyalty
from app import cursors as page_cursors  # `cursors` here: the page's own, by list
from app.errors import AppError
from app.extensions import db
from app.models import (
    Brand,
    Contact,
    Customer,
    CustomerPhase,
    CustomerPhaseOrder,
    Invitation,
    JourneyEvent,
    Phase,
    Response,
    Review,
)
from app.models.customer import ORDER_LENGTH, TOMBSTONE_PREFIX
from app.models.review import PENDING, PUBLISHED
from app.services import customers, follow_up, privacy, unsubscribes

PAGE = {"answers": 20, "invitations": 20, "events": 20, "points": 10}
# Enough for anyone's: a review is made from one answer, once.
REVIEWS_SHOWN = 50


def search(brand: Brand, text: str) -> dict:
    """The customers this text names exactly: the one with that external id, those with
    that address (trimmed, any case, as addresses are stored), and those whose journey events
    named it as an order (customer service is asked about order 1001). An address is not
    unique: a shop may send one person under two ids. `erased` is the erasure of a customer who had
    this external id, found by the log's keyed hash (the id itself is not kept)."""
    text = text.strip()
    found = {}
    by_id = customers.find(brand, text)
    if by_id is not None:
        found[by_id.id] = by_id
    email = customers.normalise_email(text)
    if email and "@" in email:
        for customer in db.session.scalars(
            select(Customer)
            .where(Customer.brand_id == brand.id, Customer.email == email)
            .order_by(Customer.id)
            .limit(50)
        ):
            found.setdefault(customer.id, customer)
    if text and len(text) <= ORDER_LENGTH:
        ordered = select(CustomerPhaseOrder.customer_id).where(
            CustomerPhaseOrder.brand_id == brand.id, CustomerPhaseOrder.order_ref == text
        )
        for customer in db.session.scalars(
            select(Customer).where(Customer.id.in_(ordered)).order_by(Customer.id).limit(50)
        ):
            found.setdefault(customer.id, customer)
    erased = None
    if not text.lower().startswith(TOMBSTONE_PREFIX):
        erased = privacy.erasure_of(brand, text)
    return {"customers": list(found.values()), "erased": erased}


def get(brand: Brand, customer_id: int) -> Customer:
    """The brand's customer by row id (the page's address: no email or id in URLs and access
    logs). Another brand's is a 404."""
    customer = db.session.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.brand_id == brand.id)
    )
    if customer is None:
        raise AppError(404, "customer not found")
    return customer


# ---- paging ---------------------------------------------------------------------------------


def encode_cursor(moment: datetime | None, ident: int) -> str:
    return page_cursors.encode(moment, ident, "c")


def decode_cursor(name: str, cursor: str) -> tuple[datetime | None, int]:
    """A list's cursor; a stale or made-up one is a 422 naming its list."""
    return page_cursors.decode(cursor, "c", field=name)


def _newest_first(name: str, query, moment, ident, cursors: dict):
    """One page of a list, newest first on (moment, id), and the cursor of the next page."""
    if cursors.get(name):
        stamp, last = decode_cursor(name, cursors[name])
        if stamp is None:
            raise AppError(422, "the cursor is not valid", fields={name: ["invalid"]})
        query = query.where(tuple_(moment, ident) < tuple_(stamp, last))
    limit = PAGE[name]
    rows = list(db.session.scalars(query.order_by(moment.desc(), ident.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    key = rows[-1] if rows else None
    following = None
    if more and key is not None:
        following = encode_cursor(getattr(key, moment.key), getattr(key, ident.key))
    return {"items": rows, "next_cursor": following, "older": bool(cursors.get(name))}


# ---- the page -------------------------------------------------------------------------------


def record(brand: Brand, customer: Customer, cursors: dict) -> dict:
    """What is held about the customer, for the page; a tombstone shows none of it."""
    if customer.erased_at is not None:
        return {"customer": customer, "erased": True}
    phases = {
        phase.id: phase
        for phase in db.session.scalars(
            select(Phase).where(Phase.brand_id == brand.id).options(selectinload(Phase.journey))
        )
    }
    answers = _newest_first(
        "answers",
        select(Response)
        .where(Response.customer_id == customer.id, Response.brand_id == brand.id)
        .options(selectinload(Response.handled)),
        Response.created_at,
        Response.id,
        cursors,
    )
    invitations = _newest_first(
        "invitations",
        select(Invitation).where(
            Invitation.customer_id == customer.id, Invitation.brand_id == brand.id
        ),
        Invitation.created_at,
        Invitation.id,
        cursors,
    )
    events = _newest_first(
        "events",
        select(JourneyEvent).where(
            JourneyEvent.customer_id == customer.id, JourneyEvent.brand_id == brand.id
        ),
        JourneyEvent.occurred_at,
        JourneyEvent.id,
        cursors,
    )
    before = decode_cursor("points", cursors["points"])[1] if cursors.get("points") else None
    entries, next_before, balance = loyalty.statement(
        brand.id, customer.id, before_id=before, limit=PAGE["points"]
    )
    return {
        "customer": customer,
        "erased": False,
        "phases": phases,
        "answers": answers,
        "answer_count": _count(Response, customer),
        # whether each answer needed a follow-up, why, and who marked it handled
        "follow_ups": {response.id: follow_up.state(response) for response in answers["items"]},
        "invitations": invitations,
        "invitation_count": _count(Invitation, customer),
        "events": events,
        "event_count": _count(JourneyEvent, customer),
        "reached": list(
            db.session.scalars(
                select(CustomerPhase)
                .where(CustomerPhase.customer_id == customer.id)
                .order_by(CustomerPhase.first_reached_at, CustomerPhase.id)
            )
        ),
        "reviews": _reviews(brand, customer),
        "loyalty": {
            "balance": balance,
            "entries": entries,
            "next_cursor": encode_cursor(None, next_before) if next_before else None,
            "older": before is not None,
        },
        # Unsubscribed as a customer, or the address is on the brand's suppression list (an
        # unsubscribe under another id, or before an erasure): either way no email goes.
        "suppressed": unsubscribes.is_suppressed(brand.id, customer.email),
    }


def _count(model, customer: Customer) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.customer_id == customer.id)
    )


def _reviews(brand: Brand, customer: Customer) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.customer_id == customer.id, Review.brand_id == brand.id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(REVIEWS_SHOWN)
        )
    )


def erasure_preview(brand: Brand, customer: Customer) -> dict:
    """What an erasure of this customer would change, counted now, for the page that asks to
    confirm it: the counts privacy.erase reports, and the reviews it would take offline."""
    reviews = db.session.execute(
        select(Review.status, func.count())
        .where(Review.customer_id == customer.id, Review.brand_id == brand.id)
        .group_by(Review.status)
    ).all()
    by_status = dict(reviews)
    written = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.customer_id == customer.id, Response.comment.is_not(None))
    )
    return {
        "responses": _count(Response, customer),
        "written": written,
        "published_reviews": by_status.get(PUBLISHED, 0),
        "pending_reviews": by_status.get(PENDING, 0),
        "reviews": sum(by_status.values()),
        "loyalty_entries": _count(loyalty.LedgerEntry, customer),
        "balance": loyalty.balance(brand.id, customer.id),
        "journey_events": _count(JourneyEvent, customer),
        "phases_reached": _count(CustomerPhase, customer),
        "invitations": _count(Invitation, customer),
        "contacts": _count(Contact, customer),
    }
