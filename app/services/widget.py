"""The widget's two calls: which survey to show (if any), and taking its answer.

The site key is public, so it only names the brand; the request's Origin must be one of the
brand's allowed origins. A customer id counts only with a valid HMAC signature — otherwise the
visitor is anonymous, never trusted.
"""

from sqlalchemy import select

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Customer, Journey, Phase, Survey
from app.security import keyed_hash
from app.services import (
    brands,
    channel_points,
    contact_budget,
    customers,
    intake,
    journeys,
    surveys,
)
from app.services.channel_texts import best_locale, widget_texts
from app.services.survey_forms import brand_colours, survey_view

IDEMPOTENCY_PREFIX = "w:"


def open_brand(site_key: str | None, origin: str | None, own_origin: str) -> Brand:
    """The brand of this site key, if the calling page may use it; 403 otherwise."""
    brand = brands.by_site_key(site_key)
    if brand is None:
        raise AppError(403, "unknown site key", code="invalid_site_key")
    if not origin_allowed(brand, origin, own_origin):
        raise AppError(
            403, "this page's origin is not allowed for this site key", code="origin_not_allowed"
        )
    return brand


def origin_allowed(brand: Brand, origin: str | None, own_origin: str) -> bool:
    # Requests without an Origin header do not come from a browser page (curl, servers); the
    # site key is public anyway and rate limits apply. Browsers always send it cross-origin.
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    return origin == own_origin.rstrip("/").lower() or origin in (brand.allowed_origins or [])


def identify(brand: Brand, customer_id: str | None, signature: str | None, lock: bool = False):
    """The signed customer, created bare if new; None for an unsigned or wrongly signed id."""
    if not brand.verify_customer(customer_id, signature):
        return None
    return customers.ensure(brand, customer_id, lock=lock)


def _phase(brand: Brand, key: str, journey_id: int | None = None) -> Phase:
    query = (
        select(Phase)
        .join(Journey, Journey.id == Phase.journey_id)
        .where(Phase.brand_id == brand.id, Phase.key == key)
    )
    if journey_id is not None:
        journey = db.session.scalar(
            select(Journey.id).where(Journey.id == journey_id, Journey.brand_id == brand.id)
        )
        if journey is None:
            raise AppError(
                404, "no such journey for this site key", fields={"journey": ["unknown"]}
            )
        query = query.where(Phase.journey_id == journey_id)
    phase = db.session.scalar(query.order_by(Journey.id).limit(1))
    if phase is None:
        raise AppError(404, f"no phase {key!r} for this site key", fields={"phase": ["unknown"]})
    return phase


def survey_for(brand: Brand, query: dict, accept_language: str | None = None) -> dict | None:
    """The survey to show for this phase, or None when the contact budget says not now.

    Without `journey`, the oldest journey with an active survey for the phase key answers
    (surveys.active_for_phase), so a later journey with the same keys never takes over."""
    _phase(brand, query["phase"], query.get("journey"))
    survey = surveys.active_for_phase(brand, query["phase"], journey_id=query.get("journey"))
    if survey is None:
        raise AppError(404, "no active survey for this phase", fields={"phase": ["no survey"]})
    # The lookup the answer's POST makes (intake), so the widget never opens a survey whose
    # answer would be refused; before the contact budget counts an ask.
    journeys.find_touchpoint(survey.phase.touchpoints, query.get("touchpoint"))
    customer = identify(brand, query.get("customer_id"), query.get("customer_sig"), lock=True)
    locale = best_locale(
        [query.get("locale"), customer.locale if customer else None, accept_language],
        survey.locales,
        survey.default_locale,
    )
    if customer is not None:
        decision = contact_budget.spend(brand, customer, survey.phase, "widget")
        if not decision:
            contact_budget.record_widget_skip(customer, survey, decision.rule, locale)
        db.session.commit()  # the ask is counted now, so a second page load gets a 204
        if not decision:
            return None
    return present(brand, survey, locale, customer)


def present(brand: Brand, survey: Survey, locale: str, customer: Customer | None) -> dict:
    return {
        "survey_id": survey.id,
        "phase": survey.phase.key,
        "locale": locale,
        "questions": survey_view(survey, locale),
        "brand": {"name": brand.name, **brand_colours(brand), "privacy_url": brand.privacy_url},
        "texts": widget_texts(locale, brand),
        "identified": customer is not None,
        "points_offered": channel_points.offers_points(
            brand.id,
            customer.id if customer else None,
            survey.id,
            channel_points.answer_order(brand.id, customer and customer.id, survey.id),
        ),
        # the same consent step after every score, never gated; only where a review can come
        "review_step": survey.makes_reviews,
        "cooldown_days": contact_budget.policy(brand)["min_days_between"],
    }


def submit(
    brand: Brand, data: dict, idempotency_key: str | None, client_hash: str | None
) -> tuple[dict, bool]:
    """Store the widget's answer through intake; the reply carries the thank-you facts."""
    customer = identify(brand, data.get("customer_id"), data.get("customer_sig"))
    key = data.get("idempotency_key") or idempotency_key
    answer = {
        "survey_id": data["survey_id"],
        "answers": data["answers"],
        "channel": "widget",
    }
    for field in ("locale", "touchpoint", "review"):
        if data.get(field) is not None:
            answer[field] = data[field]
    customer_id = customer.id if customer else None
    # the widget names no order (its customer could name any, and earn again): her latest
    order = channel_points.answer_order(brand.id, customer_id, data["survey_id"])
    response, created = intake.accept(
        brand.id,
        answer,
        idempotency_key=IDEMPOTENCY_PREFIX + key if key else None,
        customer=customer,
        client_hash=client_hash,
        incentivized=channel_points.offers_points(brand.id, customer_id, data["survey_id"], order),
        order=order,
    )
    return thank_you(brand, response, created), created


def thank_you(brand: Brand, response, created: bool) -> dict:
    return {
        "id": response.id,
        "status": "received" if created else response.status,
        "incentivized": bool(response.incentivized),
        "points": channel_points.points_for_response(brand.id, response.id),
        "review_requested": bool(response.review_request),
    }


def client_hash(remote_address: str | None) -> str | None:
    """A keyed hash of the client address: lets reviews spot one client's floods, stores no IP."""
    if not remote_address:
        return None
    return keyed_hash("client:" + remote_address)
