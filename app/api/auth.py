"""Bearer-key authentication and JSON-only bodies for the server API."""

from flask import g, request

from app.errors import AppError
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
    brand = brands.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if brand is None:
        raise AppError(
            401,
            "a valid API key is needed: Authorization: Bearer sk_…",
            headers={"WWW-Authenticate": 'Bearer realm="phasewise"'},
        )
    g.brand = brand


def current_brand() -> Brand:
    return g.brand


def protect(blueprint) -> None:
    """Every route of this blueprint needs a key; bodies must be JSON."""

    @blueprint.before_request
    def _guard():
        authenticate()
        require_json()
