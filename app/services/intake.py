"""Intake: every channel's answers enter here, are stored as `received`, and are queued."""

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import loyalty
from app.errors import AppError
from app.extensions import db, queue
from app.models import Brand, Customer, Response
from app.models.response import RECEIVED
from app.schemas.common import normalise_locale
from app.services import answers as answer_rules
from app.services import customers, surveys

IDEMPOTENCY_KEY_MAX = 128


def request_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _existing(brand: Brand, key: str, fingerprint: str) -> Response | None:
    found = db.session.scalar(
        select(Response).where(Response.brand_id == brand.id, Response.idempotency_key == key)
    )
    if found is not None and found.request_hash != fingerprint:
        raise AppError(
            409,
            "this Idempotency-Key was used for a different request",
            code="idempotency_conflict",
        )
    return found


def _touchpoint(survey, value) -> int | None:
    if value is None:
        return None
    for touchpoint in survey.phase.touchpoints:
        if touchpoint.id == value or touchpoint.name == value:
            return touchpoint.id
    raise AppError(422, "unknown touchpoint for this phase", fields={"touchpoint": ["unknown"]})


def accept(
    brand: Brand,
    data: dict,
    *,
    idempotency_key: str | None = None,
    customer: Customer | None = None,
    client_hash: str | None = None,
    incentivized: bool = False,
) -> tuple[Response, bool]:
    """Validate, store as received, commit, then queue. Returns (response, created)."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise AppError(
            422,
            "Idempotency-Key must be 1-128 characters",
            fields={"Idempotency-Key": ["1-128 characters"]},
        )
    fingerprint = request_hash(data)
    if idempotency_key and (found := _existing(brand, idempotency_key, fingerprint)):
        return found, False
    survey = surveys.get_survey(brand, data["survey_id"])
    cleaned = answer_rules.validate(survey, data["answers"])
    touchpoint_id = _touchpoint(survey, data.get("touchpoint"))
    if customer is None and data.get("customer") and data.get("channel", "api") == "api":
        customer = customers.ensure(brand, data["customer"])  # the server API is trusted
    if customer is not None and not incentivized:
        # Identified answers earn points in the pipeline, so every channel records the offer.
        incentivized = loyalty.offers_points(brand.id, customer.id)
    locale = normalise_locale(data.get("locale")) or (customer.locale if customer else None)
    locale = locale if locale in survey.locales else survey.default_locale
    review = data.get("review")
    response = Response(
        brand_id=brand.id,
        journey_id=survey.journey_id,
        phase_id=survey.phase_id,
        survey_id=survey.id,
        customer_id=customer.id if customer else None,
        persona_id=customer.persona_id if customer else None,
        touchpoint_id=touchpoint_id,
        channel=data.get("channel", "api"),
        locale=locale,
        answers=cleaned,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        client_hash=client_hash,
        review_request=review if review and review.get("consent") else None,
        incentivized=incentivized,
        **answer_rules.typed_values(survey, cleaned),
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its row.
        db.session.rollback()
        found = _existing(brand, idempotency_key, fingerprint) if idempotency_key else None
        if found is None:
            raise
        return found, False
    enqueue([response.id])
    return response, True


def receipt(response: Response, created: bool) -> dict:
    """What a channel answers: a new answer is `received` (even if inline jobs already ran)."""
    return {"id": response.id, "status": RECEIVED if created else response.status}


def enqueue(response_ids: list[int]) -> bool:
    from app.pipeline import jobs

    return queue.enqueue("pipeline", jobs.process_responses, response_ids)
