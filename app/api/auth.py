"""Bearer-key authentication and JSON-only bodies for the server API."""

from flask import current_app, g, request

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


def unauthorized() -> AppError:
    return AppError(
        401,
        "a valid API key is needed: Authorization: Bearer sk_…",
        headers={"WWW-Authenticate": 'Bearer realm="phasewise"'},
    )


def authenticate(deferred: bool = False) -> None:
    """Find the key's brand. `deferred`: the view's own statement checks the key is still live
    (g.live_key), so a key seen before costs no query here."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip() if scheme.lower() == "bearer" else None
    g.pop("brand", None)  # a test's app context outlives its requests; g.brand is per key
    g.pop("live_key", None)
    if deferred:
        owner = brands.key_owner(secret)
        if owner is None:
            raise unauthorized()
        g.live_key, g.brand_id = owner
        return
    brand_id = brands.authenticate(secret)
    if brand_id is None:
        raise unauthorized()
    g.brand_id = brand_id


def live_key() -> str | None:
    """The hash of a key the view must prove live in its statement, when auth was deferred."""
    return g.get("live_key")


def current_brand_id() -> int:
    return g.brand_id


def current_brand() -> Brand:
    """The key's brand, loaded on first use (intake needs only its id)."""
    if "brand" not in g:
        g.brand = db.session.get(Brand, g.brand_id)
    return g.brand


def single_statement(view):
    """Mark a view whose request writes with one statement that also proves the key live.

    The answer path is the hottest there is, and each round-trip costs both processes CPU.
    Such a view's key is checked by its own statement (see live_key and intake's INSERT), so a
    known key's answer costs one round-trip and no query for the key.
    """
    view.single_statement = True
    return view


def protect(blueprint) -> None:
    """Every route of this blueprint needs a key; bodies must be JSON."""

    @blueprint.before_request
    def _guard():
        view = current_app.view_functions.get(request.endpoint)
        authenticate(deferred=getattr(view, "single_statement", False))
        require_json()
