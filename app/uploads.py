"""The body limits: the app's 64 KB, and routes that take a larger body (a marketer's list of
customers, the API's batches of customers and events).

The limit is the request's own (Flask 3.1), set before anything reads the body: the CSRF
check and storable_text read the form first, and would refuse it at the app's limit.
"""

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

# endpoint → its largest body in bytes: a list of customers to invite, up to its file's
# services.invitation_lists.MAX_BYTES plus the form's other fields.
# The API's batches: up to 1000 customers or events (schemas.customer.BATCH_MAX).
LARGER = {
    "dashboard.invitations_send": 1_000_000,
    "customers.upsert_customers": 1_000_000,
    "customers.create_events": 1_000_000,
    # a file of reviews to import: services.review_import.MAX_BYTES and the form's fields
    "dashboard.reviews_import": 4_100_000,
    "reviews_api.import_reviews": 4_100_000,
    # A pool of voucher codes: up to loyalty.codes.MAX_CODES codes of at most 64 characters.
    "dashboard.loyalty_codes": 1_000_000,
    "loyalty.add_reward_codes": 1_000_000,
}


def _allow_larger() -> None:
    limit = LARGER.get(request.endpoint or "")
    if limit:
        request.max_content_length = limit
        request.max_form_memory_size = limit  # a pasted list is a form field, not a file


def _refuse_cut_off() -> None:
    """A body sent without Content-Length (chunked) over the limit is a 413, as with one.

    Werkzeug stops reading such a stream at the limit without saying so: the JSON parser got
    the first 64 KB of it and answered 400 "malformed_json". Read (and cached) here, once the
    route's own limit is set, a body that fills the limit is taken to go on past it."""
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return
    limit = request.max_content_length
    if limit and len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge()


def init_app(app: Flask) -> None:
    app.before_request(_allow_larger)
    app.before_request(_refuse_cut_off)
