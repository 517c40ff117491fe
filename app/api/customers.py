"""/api/v1 customers and journey events."""

from flask import make_response, request

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.customer import (
    CustomerBatchIn,
    CustomerBatchOut,
    CustomerIn,
    CustomerOut,
    EventBatchIn,
    EventBatchOut,
    EventIn,
    EventOut,
)
from app.services import batches, customers

blp = Blueprint(
    "customers", __name__, url_prefix="/api/v1", description="Customers and their journey events"
)
protect(blp)


@blp.route("/customers", methods=["POST"])
@blp.arguments(CustomerIn)
@blp.response(201, CustomerOut)
@blp.alt_response(200, schema=CustomerOut, description="An existing customer was updated")
def upsert_customer(data):
    """Create a customer, or update the one with this external_id (200)."""
    customer, created = customers.upsert(current_brand(), data)
    return make_response(CustomerOut().dump(customer), 201 if created else 200)


# `path:` on every route by external id: an id may hold a "/" ("order/1001"), which a
# client sends as %2F and the plain converter never matches (a customer the API could make
# but not read, export, erase or give points to).
@blp.route("/customers/<path:external_id>", methods=["GET"])
@blp.response(200, CustomerOut)
def get_customer(external_id):
    """One customer by external id."""
    return customers.get(current_brand(), external_id)


@blp.route("/events", methods=["POST"])
@blp.arguments(EventIn)
@blp.response(201, EventOut)
@blp.doc(**idempotency_header("The same key again returns the same event and counts nothing"))
def create_event(data):
    """Record that a customer reached a phase; the first time counts for conversion."""
    return customers.record_event(
        current_brand(), data, idempotency_key=request.headers.get("Idempotency-Key")
    )


@blp.route("/customers/batch", methods=["POST"])
@blp.arguments(CustomerBatchIn)
@blp.response(200, CustomerBatchOut)
def upsert_customers(data):
    """Create or update up to 1000 customers at once, as POST /customers would each; all or
    nothing (a 422 names the items, `items.<index>.<field>`). Bodies up to 1 MB."""
    return batches.upsert_customers(current_brand(), data["items"])


@blp.route("/events/batch", methods=["POST"])
@blp.arguments(EventBatchIn)
@blp.response(201, EventBatchOut)
def create_events(data):
    """Record up to 1000 journey events at once, in their order, as POST /events would each;
    all or nothing. An item's `idempotency_key` makes a retried batch store it once (an
    `Idempotency-Key` header is a 422 here: a batch's items are keyed one by one)."""
    return batches.record_events(
        current_brand(), data["items"], request_key=request.headers.get("Idempotency-Key")
    )
