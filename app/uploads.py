"""Routes that take a larger body than the app's 64 KB: a marketer's list of customers, the
API's batches of customers and events.

The limit is the request's own (Flask 3.1), set before anything reads the body: the CSRF
check and storable_text read the form first, and would refuse it at the app's limit.
"""

from flask import Flask, request

# endpoint → its largest body in bytes: a list of customers to invite, up to its file's
# services.invitation_lists.MAX_BYTES plus the form's other fields.
# The API's batches: up to 1000 customers or events (schemas.customer.BATCH_MAX).
LARGER = {
    "dashboard.invitations_send": 1_000_000,
    "customers.upsert_customers": 1_000_000,
    "customers.create_events": 1_000_000,
}


def _allow_larger() -> None:
    limit = LARGER.get(request.endpoint or "")
    if limit:
        request.max_content_length = limit
        request.max_form_memory_size = limit  # a pasted list is a form field, not a file


def init_app(app: Flask) -> None:
    app.before_request(_allow_larger)
