"""Idempotency-Key: a client's retry of a write finds the row its first try stored.

The row keeps the key (unique per brand) and a hash of the request; the same key with another
request is a 409, so a reused key never answers for something else.
"""

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import AppError
from app.extensions import db

KEY_MAX = 128


def request_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= KEY_MAX:
        raise AppError(
            422,
            "Idempotency-Key must be 1-128 characters",
            fields={"Idempotency-Key": ["1-128 characters"]},
        )


def first_try(model, brand_id: int, key: str | None, data: dict) -> tuple[str, object | None]:
    """(the request's fingerprint, the row an earlier try stored under `key` or None); a 422
    for a key of the wrong length, a 409 for a key used for another request."""
    fingerprint = request_hash(data)
    if key is None:
        return fingerprint, None
    check_key(key)
    return fingerprint, existing(model, brand_id, key, fingerprint)


def commit_once(row, key: str | None, fingerprint: str):
    """Commit the session with `row` stored under `key`: the row, or the one a concurrent try
    of the same request stored first (its INSERT met the unique key; this one's rolled back)."""
    row.idempotency_key, row.request_hash = key, fingerprint
    model, brand_id = type(row), row.brand_id
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = key and existing(model, brand_id, key, fingerprint)
        if not found:
            raise
        return found
    return row


def existing(model, brand_id: int, key: str, fingerprint: str):
    """The brand's row stored under this key (`model` has idempotency_key and request_hash),
    None when there is none; a 409 when it was stored for a different request."""
    found = db.session.scalar(
        select(model).where(model.brand_id == brand_id, model.idempotency_key == key)
    )
    if found is not None and found.request_hash != fingerprint:
        raise AppError(
            409,
            "this Idempotency-Key was used for a different request",
            code="idempotency_conflict",
        )
    return found
