"""Bearer-key authentication and JSON-only bodies for the server API."""

from flask import g, request

from app.errors import AppError
from app.extensions import db
from app.models import Brand
from app.services import brands

BODY_METHODS = ("POST", "PUT", "PATCH")


def require_json() -> None:
    """415 for a body that is not JSON; checked before the body is parsed."""
    if (
        request.method in BODY_METHODS
        and (request.content_length or request.data)
        and not request.is_json
    ):
        raise AppError(415, "send the body as application/json")


def authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    brand_id = brands.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if brand_id is None:
        raise AppError(
            401,
            "a valid API key is needed: Authorization: Bearer sk_…",
            headers={"WWW-Authenticate": 'Bearer realm="phasewise"'},
        )
    g.brand_id = brand_id
    g.pop("brand", None)  # a test's app context outlives its requests; g.brand is per key


def current_brand_id() -> int:
    return g.brand_id


def current_brand() -> Brand:
    """The key's brand, loaded on first use (intake needs only its id)."""
    if "brand" not in g:
        g.brand = db.session.get(Brand, g.brand_id)
    return g.brand


def protect(blueprint) -> None:
    """Every route of this blueprint needs a key; bodies must be JSON."""

    @blueprint.before_request
    def _guard():
        authenticate()
        require_json()
