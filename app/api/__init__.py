"""The server API: /api/v1, documented at /api/v1/openapi.json and /api/v1/docs."""

from flask import request

from app.api import (
    answer_fields,
    brand,
    customers,
    docs,
    invitations,
    journey_io,
    journeys,
    links,
    responses,
    surveys,
)
from app.api import loyalty as loyalty_api
from app.api import privacy as privacy_api
from app.api import reviews as reviews_api
from app.api import webhooks as webhooks_api
from app.extensions import csrf, limiter
from app.sessions import API_PREFIX

BLUEPRINTS = [
    journeys.blp,
    surveys.blp,
    customers.blp,
    responses.blp,
    reviews_api.blp,
    journey_io.blp,
    loyalty_api.blp,
    webhooks_api.blp,
    privacy_api.blp,
    invitations.blp,
    links.blp,
    brand.blp,
]


def register(app, api) -> None:
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "a brand's sk_… key"}
    )
    api.spec.options["security"] = [{"bearer": []}]
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)  # the API authenticates with bearer keys, never with cookies
        api.register_blueprint(blueprint)
    answer_fields.name_them(api.spec)
    app.register_blueprint(docs.bp)


@limiter.request_filter
def _no_rate_limits() -> bool:
    """The API sets no rate limits (its callers hold keys, and intake must take bursts): its
    requests skip the limiter's search for limits, which cost every answer some 5 % of its CPU."""
    return request.path.startswith(API_PREFIX)
