"""Bearer-key authentication and JSON-only bodies for the server API."""

import time
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import or_, update
from sqlalchemy.exc import SQLAlchemyError

from app.errors import AppError
from app.extensions import db
from app.models import ApiKey, Brand
from app.models.base import utcnow
from app.services import brands

BODY_METHODS = ("POST", "PUT", "PATCH")
# How stale the dashboard's "Last used" of a key may be: it costs a write once in this time.
USE_NOTED_EVERY = timedelta(hours=1)


def require_json() -> None:
    """415 for a body that is not JSON; checked before the body is parsed."""
    if (
        request.method in BODY_METHODS
        and (request.content_length or request.data)
        and not request.is_json
    ):
        raise AppError(415, "send the body as application/json")


# A file's body as curl --data-binary sends it, or as a form's upload (field "file").
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "multipart/form-data")


def require_csv() -> None:
    """415 for a body that is no CSV file (a view marked `takes_csv`: the review import)."""
    if request.method in BODY_METHODS and request.mimetype not in CSV_TYPES:
        raise AppError(
            415,
            "send the file as text/csv (curl --data-binary @reviews.csv -H 'Content-Type: "
            "text/csv') or as multipart/form-data with a field file",
        )


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
        note_use(g.live_key)
        return
    brand_id = brands.authenticate(secret)
    if brand_id is None:
        raise unauthorized()
    g.brand_id = brand_id
    note_use(ApiKey.hash(secret))


def note_use(digest: str) -> None:
    """Set the key's last_used_at, at most once per USE_NOTED_EVERY.

    Requests come by the thousand a second (answers above all), so a write for each would
    cost them a round-trip and a row lock on one hot row. This process remembers when it last
    wrote for a key and asks nothing until that is an interval ago; the UPDATE's WHERE lets
    only the first process in an interval change the row."""
    noted = current_app.extensions.setdefault("api_key_use_noted", {})
    now = time.monotonic()
    last = noted.get(digest)
    if last is not None and now - last < USE_NOTED_EVERY.total_seconds():
        return
    stamp = utcnow()
    try:
        db.session.execute(
            update(ApiKey)
            .where(
                ApiKey.key_hash == digest,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < stamp - USE_NOTED_EVERY),
            )
            .values(last_used_at=stamp)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()  # now: the request's own work may fail and roll back
    except SQLAlchemyError:  # bookkeeping: never a reason to refuse the request itself
        db.session.rollback()
        current_app.logger.warning("could not note the use of an API key", exc_info=True)
        return
    if len(noted) > 10_000:
        noted.clear()  # bounds memory as key_owner's cache does
    noted[digest] = now


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
        if getattr(view, "takes_csv", False):
            require_csv()
        else:
            require_json()
