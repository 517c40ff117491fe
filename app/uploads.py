"""Routes that take a larger body than the app's 64 KB: a marketer's list of customers.

The limit is the request's own (Flask 3.1), set before anything reads the body: the CSRF
check and storable_text read the form first, and would refuse it at the app's limit.
"""

from flask import Flask, request

# endpoint → its largest body in bytes. 2,000 customers with a few columns of a shop's export
# take about 150 KB; the 1 MB leaves room for wide exports without inviting abuse.
LARGER = {"dashboard.invitations_send": 1_000_000}


def _allow_larger() -> None:
    limit = LARGER.get(request.endpoint or "")
    if limit:
        request.max_content_length = limit
        request.max_form_memory_size = limit  # a pasted list is a form field, not a file


def limit_for(endpoint: str) -> int:
    return LARGER[endpoint]


def init_app(app: Flask) -> None:
    app.before_request(_allow_larger)
