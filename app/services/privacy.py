"""GDPR: everything held about one customer, as an export; and the erasure of it.

Erasure keeps what is not personal data, so the brand's figures do not change: rollups keep
their counts, responses keep their scores (without free text or a customer link), and the
loyalty ledger keeps its amounts on a tombstone customer, so every total still adds up.
Both are logged in `privacy_request`, without the identifier that was erased.
"""

import json
import logging
import secrets
import time
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Text, cast, delete, null, or_, select
from sqlalchemy.exc import OperationalError

import loyalty
from app import locks, timestamps
from app.errors import AppError
from app.extensions import db
from app.models import (
    Brand,
    Contact,
    Customer,
    CustomerPhase,
    CustomerPhaseOrder,
    Invitation,
    JourneyEvent,
    ModerationEntry,
    Phase,
    PrivacyRequest,
    Question,
    Response,
    Review,
    WebhookDelivery,
)
from app.models.base import utcnow
from app.models.customer import TOMBSTONE_PREFIX
from app.models.privacy import ERASURE, EXPORT, VIEW
from app.models.review import PENDING, PUBLISHED, REJECTED, REMOVED
from app.security import keyed_hashes
from app.services import alerts, customers, follow_up, review_tally

log = logging.getLogger(__name__)

# Runs a busy answer may fail: each needs a pipeline batch to hold one of her answers just
# then, and a batch commits within a second; the waits between runs add up to about 3 s.
ERASURE_TRIES = 8
DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for deadlock_detected
LOCK_BUSY = "55P03"  # lock_not_available: a NOWAIT lock another transaction holds
ERASURE_GROUND = "personal_data"  # one of the listed grounds for removing a review
ERASURE_ACTOR = "privacy:erasure"
# Every table with a customer_id column, and how erasure treats it (a test keeps this complete).
COVERED = {
    "customer": "tombstoned: email, first name, external id, consent and value removed",
    "response": "free text, review request, client hash, order and customer link removed; "
    "scores kept",
    "review": "removed (ground personal_data, tombstone in feeds); texts and name blanked",
    "loyalty_entry": "amounts kept on the tombstone; notes, adjustment reasons, keys removed",
    "loyalty_member": "kept on the tombstone: the first of the kept entries' dates",
    "journey_event": "deleted (conversion rollups keep their counts)",
    "customer_phase": "deleted",
    "customer_phase_order": "deleted (the shop's order numbers her events named)",
    "invitation": "deleted",
    "contact": "deleted",
}


def subject_hash(brand: Brand, external_id: str) -> str:
    """A keyed hash of the identifier: lets us answer "already erased" without keeping it."""
    return subject_hashes(brand, external_id)[0]


def subject_hashes(brand: Brand, external_id: str) -> list[str]:
    """Its hash under SECRET_KEY, then under each key SECRET_KEY replaced (the fallbacks)."""
    return keyed_hashes(f"{brand.id}:{external_id}")


def _json(value):
    """Export values as plain JSON: ISO dates, numbers for decimals."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, date):
        return timestamps.json_value(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


# ---- export -----------------------------------------------------------------------------


def export(brand: Brand, external_id: str, actor: str, by: str | None = None) -> dict:
    """Everything held about this customer of this brand (404 when there is no such customer).
    `by` names the dashboard login that asked, in the log (the actor is then "dashboard")."""
    customer = customers.get(brand, external_id)
    responses = _responses(customer)
    phase_keys = dict(
        db.session.execute(select(Phase.id, Phase.key).where(Phase.brand_id == brand.id)).all()
    )
    data = {
        "brand": {"name": brand.name, "slug": brand.slug},
        "exported_at": utcnow(),
        "customer": {
            "external_id": customer.external_id,
            "email": customer.email,
            "first_name": customer.first_name,
            "locale": customer.locale,
            "persona": customer.persona.key if customer.persona else None,
            "value": customer.value,
            "consent": customer.consent,
            "unsubscribed_at": customer.unsubscribed_at,
            "created_at": customer.created_at,
            "updated_at": customer.updated_at,
        },
        "journey_events": [
            {
                "journey_id": event.journey_id,
                "phase": phase_keys.get(event.phase_id),
                "occurred_at": event.occurred_at,
                "value": event.value,
                "order": event.order_ref,
            }
            for event in db.session.scalars(
                select(JourneyEvent)
                .where(JourneyEvent.customer_id == customer.id)
                .order_by(JourneyEvent.occurred_at, JourneyEvent.id)
            )
        ],
        "phases_reached": [
            {"phase": phase_keys.get(row.phase_id), "first_reached_at": row.first_reached_at}
            for row in db.session.scalars(
                select(CustomerPhase)
                .where(CustomerPhase.customer_id == customer.id)
                .order_by(CustomerPhase.first_reached_at)
            )
        ],
        "orders_reached": [
            {
                "phase": phase_keys.get(row.phase_id),
                "order": row.order_ref,
                "first_reached_at": row.first_reached_at,
            }
            for row in db.session.scalars(
                select(CustomerPhaseOrder)
                .where(CustomerPhaseOrder.customer_id == customer.id)
                .order_by(CustomerPhaseOrder.first_reached_at, CustomerPhaseOrder.id)
            )
        ],
        "responses": [_response_out(response, phase_keys) for response in responses],
        "reviews": [_review_out(review, phase_keys) for review in _reviews(customer, responses)],
        "loyalty": loyalty.export_customer(brand.id, customer.id),
        "invitations": [
            {
                "id": invitation.id,
                "survey_id": invitation.survey_id,
                "phase": phase_keys.get(invitation.phase_id),
                "channel": invitation.channel,
                "order": invitation.order_ref,
                "locale": invitation.locale,
                "status": invitation.status,
                "skip_reason": invitation.skip_reason,
                "created_at": invitation.created_at,
                "sent_at": invitation.sent_at,
                "reminded_at": invitation.reminded_at,
                "expires_at": invitation.expires_at,
                "used_at": invitation.used_at,
                "response_id": invitation.response_id,
            }
            for invitation in db.session.scalars(
                select(Invitation)
                .where(Invitation.customer_id == customer.id)
                .order_by(Invitation.id)
            )
        ],
        "contacts": [
            {
                "journey_id": contact.journey_id,
                "phase": phase_keys.get(contact.phase_id),
                "channel": contact.channel,
                "at": contact.created_at,
            }
            for contact in db.session.scalars(
                select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)
            )
        ],
    }
    counts = {key: len(value) for key, value in data.items() if isinstance(value, list) and value}
    _log(brand, EXPORT, external_id, actor, _asked(by, {"counts": counts}))
    db.session.commit()
    return _json(data)


def log_view(brand: Brand, customer: Customer, by: str) -> None:
    """A team login opened this customer's page, which shows what an export holds: logged as
    an export is, so the brand can answer "who looked at my data?" (GDPR art. 5(2)). An
    erased customer's page shows nothing of theirs and is not logged."""
    if customer.erased_at is None:
        _log(brand, VIEW, customer.external_id, "dashboard", {"by": by})
        db.session.commit()


def _responses(customer: Customer, lock: bool = False, nowait: bool = False) -> list[Response]:
    query = select(Response).where(Response.customer_id == customer.id).order_by(Response.id)
    return list(db.session.scalars(locks.locked(query, nowait=nowait) if lock else query))


def _reviews(customer: Customer, responses: list[Response], lock: bool = False) -> list[Review]:
    """With `lock` (erasure), read under the reviews' locks: a reply or moderation being
    written waits for the erasure, or commits first and is then seen (and blanked) by it."""
    response_ids = [response.id for response in responses]
    condition = Review.customer_id == customer.id
    if response_ids:
        condition = condition | Review.response_id.in_(response_ids)
    query = select(Review).where(Review.brand_id == customer.brand_id, condition)
    query = query.order_by(Review.id)
    return list(db.session.scalars(locks.locked(query) if lock else query))


def _response_out(response: Response, phase_keys: dict) -> dict:
    return {
        "id": response.id,
        "survey_id": response.survey_id,
        "journey_id": response.journey_id,
        "phase": phase_keys.get(response.phase_id),
        "channel": response.channel,
        "locale": response.locale,
        "answers": response.answers,
        "touchpoint_id": response.touchpoint_id,
        "order": response.order_ref,
        "review_request": response.review_request,
        "incentivized": response.incentivized,
        "status": response.status,
        "nps_category": response.nps_category,
        "sentiment": response.sentiment,
        "language": response.language,
        "created_at": response.created_at,
        "processed_at": response.processed_at,
        # whether it needed a follow-up, and who on the team marked it handled (by email)
        "follow_up": {
            key: value for key, value in follow_up.state(response).items() if key != "response_id"
        },
    }


def _review_out(review: Review, phase_keys: dict) -> dict:
    return {
        "id": review.id,
        "response_id": review.response_id,
        "phase": phase_keys.get(review.phase_id),
        "status": review.status,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "display_name": review.display_name,
        "locale": review.locale,
        "channel": review.channel,
        "verified": review.verified,
        "incentivized": review.incentivized,
        "reply": review.reply_body,
        "replied_at": review.replied_at,
        "created_at": review.created_at,
        "published_at": review.published_at,
        "removed_at": review.removed_at,
        "removal_ground": review.removal_ground,
        # What happened to the review and why; the moderators' names are theirs, not the
        # customer's, so they stay out.
        "moderation": [
            {
                "action": entry.action,
                "ground": entry.ground,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "notice": entry.notice,
                "at": entry.created_at,
            }
            for entry in review.moderation
        ],
    }


# ---- erasure ----------------------------------------------------------------------------


def erase(brand: Brand, external_id: str, actor: str, by: str | None = None) -> dict:
    """Erase this customer's personal data; idempotent: again answers "already_erased".
    `by` names the dashboard login that asked, in the log.

    Locks in the pipeline's order, her answers first, then her: a pipeline batch holding one
    of her answers locks her too (its reviews refer to her, its points are hers), so it is
    waited for, and its review of the answer is then seen and removed. Holding her, ledger
    writes, invitations, events, upserts and answers for this external id wait, then find her
    gone (renamed, erased_at set) and refuse, or make a new customer.

    Once it holds her it never waits for an answer: a batch that claimed one of her answers
    in between the two locks waits for her, and the writers queued for her between the two
    (a points adjustment, an event) would be in that deadlock too, where PostgreSQL may fail
    one of them instead. The answers are locked NOWAIT there; when one is busy the erasure
    lets go of everything and runs again a moment later.
    """
    for attempt in range(1, ERASURE_TRIES + 1):
        try:
            return _erase(brand, external_id, actor, by)
        except OperationalError as error:
            db.session.rollback()
            busy = getattr(error.orig, "sqlstate", None) in (LOCK_BUSY, DEADLOCK)
            if not busy or attempt == ERASURE_TRIES:
                raise
            log.info("erasure in brand %s found an answer busy; running it again", brand.id)
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


def _erase(brand: Brand, external_id: str, actor: str, by: str | None) -> dict:
    asked = customers.find(brand, external_id)
    customer = None
    if asked is not None:
        _responses(asked, lock=True)
        customer = customers.find(brand, external_id, lock=True, erasing=True)
        if customer is not None and customer.id != asked.id:
            # Erased while this waited (a second click on Erase), and the external id names
            # a customer made since, whom this request was not about: erased already.
            customer = None
    if customer is None:
        return _erased_before(brand, external_id)
    if customer.erased_at is not None:  # the tombstone's own id: erased already, as it is
        return _erased_before(brand, external_id, tombstone=True)
    now = utcnow()
    responses = _responses(customer, lock=True, nowait=True)
    reviews = _reviews(customer, responses, lock=True)
    tallied = review_tally.before(reviews)
    counts = {
        "reviews": _erase_reviews(brand, reviews, now),
        "responses": _erase_responses(responses),
        "loyalty_entries": _anonymise_ledger(brand, customer),
        "webhook_deliveries": _scrub_deliveries(brand, customer),
    }
    # Follow-up alerts about her answers, not sent yet, are not sent now (they would name her).
    alerts.skip_erased([response.id for response in responses])
    for model, name in (
        (JourneyEvent, "journey_events"),
        (CustomerPhase, "phases_reached"),
        (CustomerPhaseOrder, "orders_reached"),
        (Invitation, "invitations"),
        (Contact, "contacts"),
    ):
        # Explicit deletes, not the foreign keys' cascade: the summary counts each kind.
        result = db.session.execute(delete(model).where(model.customer_id == customer.id))
        counts[name] = result.rowcount or 0
    tombstone = TOMBSTONE_PREFIX + secrets.token_hex(8)
    customer.external_id = tombstone
    customer.email = None
    customer.first_name = None
    customer.consent = {}
    customer.value = None
    # To the day: the exact moment would tie her to the suppression row her unsubscribe wrote
    # in the same instant, which holds a keyed hash of her address.
    customer.unsubscribed_at = _day(customer.unsubscribed_at or now)
    customer.erased_at = now
    customer.updated_at = now
    # At `now`, the erased_at of this reply: a repeat request answers with the log's time.
    details = _asked(by, {"counts": counts})
    _log(brand, ERASURE, external_id, actor, details, tombstone=tombstone, at=now)
    # Last before the commit: the tally's row locks are then held for the shortest time.
    review_tally.after(tallied)
    db.session.commit()
    log.info("erased customer %s of brand %s: %s", tombstone, brand.slug, counts)
    return {
        "status": "erased",
        "tombstone": tombstone,
        "erased_at": timestamps.iso_utc(now),
        "counts": counts,
    }


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _erased_before(brand: Brand, external_id: str, tombstone: bool = False) -> dict:
    db.session.rollback()  # nothing to change: the locks taken on the way go
    previous = erasure_of(brand, external_id, tombstone)
    if previous is None:
        raise AppError(404, "customer not found")
    return {
        "status": "already_erased",
        "tombstone": previous.tombstone,
        "erased_at": timestamps.iso_utc(previous.created_at),
        "counts": previous.details.get("counts", {}),
    }


def erasure_of(brand: Brand, external_id: str, tombstone: bool = False) -> PrivacyRequest | None:
    """The latest erasure of this external id (or, with `tombstone`, of the customer now
    called so), found by the keyed hash the log keeps instead of the id; None if never."""
    which = (
        PrivacyRequest.tombstone == external_id
        if tombstone
        # the erasures before a key change too, while their key is a fallback
        else PrivacyRequest.subject.in_(subject_hashes(brand, external_id))
    )
    return db.session.scalar(
        select(PrivacyRequest)
        .where(PrivacyRequest.brand_id == brand.id, PrivacyRequest.kind == ERASURE, which)
        .order_by(PrivacyRequest.id.desc())
        .limit(1)
    )


def text_keys(survey_ids) -> dict[int, set[str]]:
    """Per survey, the keys of its free-text questions: the answers erasure removes."""
    keys: dict[int, set[str]] = {survey_id: set() for survey_id in survey_ids}
    if keys:
        for survey_id, key in db.session.execute(
            select(Question.survey_id, Question.key).where(
                Question.survey_id.in_(list(keys)), Question.type == "text"
            )
        ):
            keys[survey_id].add(key)
    return keys


# What erasure and retention remove from an answer besides its free-text answers: all that
# identifies or was written by the person (the request hash is of the body, texts included).
ERASED = {
    "comment": None,
    "review_request": None,
    "client_hash": None,
    "idempotency_key": None,
    "request_hash": None,
    "customer_id": None,
    "order_ref": None,  # the shop's order number would tie the answer back to her
}


def strip_response(response: Response, texts: set[str]) -> None:
    """Remove what identifies or was written by the person; keep scores and derived labels."""
    if texts and any(key in texts for key in response.answers or {}):
        response.answers = {
            key: value for key, value in response.answers.items() if key not in texts
        }
    for name, value in ERASED.items():
        setattr(response, name, value)
    response.review_request = null()  # SQL NULL; None would store a JSON null


def _erase_responses(responses: list[Response]) -> int:
    keys = text_keys({response.survey_id for response in responses})
    for response in responses:
        strip_response(response, keys[response.survey_id])
    return len(responses)


def _erase_reviews(brand: Brand, reviews: list[Review], now: datetime) -> int:
    from app.services import review_effects, webhooks
    from app.services import reviews as review_service

    for review in reviews:
        before = review.status
        if before in (PUBLISHED, PENDING):
            review.status = REMOVED if before == PUBLISHED else REJECTED
            review.removal_ground = ERASURE_GROUND
            review.removed_at = now if before == PUBLISHED else review.removed_at
            db.session.add(
                ModerationEntry(
                    brand_id=brand.id,
                    review_id=review.id,
                    action="remove" if before == PUBLISHED else "reject",
                    ground=ERASURE_GROUND,
                    note="erasure request (GDPR)",
                    actor=ERASURE_ACTOR,
                    from_status=before,
                    to_status=review.status,
                    created_at=now,
                )
            )
        for entry in review.moderation:
            entry.note = None if entry.actor != ERASURE_ACTOR else entry.note
            entry.notice = None
        for flag in review.flags:
            flag.note = None  # a reader's words about her review can name her, as a note can
        review.title = None
        review.body = ""
        review.body_hash = ""
        review.display_name = ""
        review.reply_body = None
        review.client_hash = None
        review.fraud_signals = []
        review.customer_id = None
        review.updated_at = now  # feeds show the tombstone from here
        if before == PUBLISHED and not review.imported:
            # As a moderator's removal does: a removed review keeps no bonus, whoever removed it
            review_effects.claw_back_bonus(review, reason=f"review removed: {ERASURE_GROUND}")
            webhooks.emit(brand.id, "review.removed", review_service.event_data(review))
    return len(reviews)


def erase_imported_review(brand: Brand, review_id: int, actor: str, by: str | None = None) -> dict:
    """Erase one review imported from another site, at its writer's request: she is no
    customer here (no export, no customer erasure reaches her), so the review is named by id.

    It is removed on the ground personal_data and blanked as a customer's reviews are by her
    erasure (a tombstone in the feeds, 410 on its page); its source and external reference
    stay, so importing the same file again does not bring it back. Again: "already_erased"."""
    from app.services.reviews import get_review

    review = get_review(brand, review_id, lock=True)
    if not review.imported:
        raise AppError(
            409,
            "only an imported review is erased on its own; a review made from an answer goes "
            "with its customer's erasure (DELETE /api/v1/customers/<external_id>)",
            code="not_imported",
        )
    if any(entry.actor == ERASURE_ACTOR for entry in review.moderation):
        return {"status": "already_erased", "review_id": review.id, "erased_at": None}
    now = utcnow()
    tallied = review_tally.before([review])
    _erase_reviews(brand, [review], now)
    _log(brand, ERASURE, None, actor, _asked(by, {"imported_review": review.id}), at=now)
    review_tally.after(tallied)
    db.session.commit()
    return {"status": "erased", "review_id": review.id, "erased_at": now}


def _anonymise_ledger(brand: Brand, customer: Customer) -> int:
    """Amounts stay (balances and reports add up); what was the person's goes."""
    return loyalty.anonymise_customer(brand.id, customer.id)


def _scrub_deliveries(brand: Brand, customer: Customer) -> int:
    """Webhook payloads that named the customer (loyalty events do) lose their data."""
    values = {value for value in (customer.external_id, customer.email) if value}
    # A cheap text filter in the database, then an exact check on the parsed payload ("7"
    # must not match "17"). The filter looks for each value as the stored JSON spells it: a
    # quote or backslash escaped, non-ASCII as is (PostgreSQL) or as \uXXXX (SQLite's text).
    spellings = {
        spelt
        for value in values
        for spelt in (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])
    }
    found = db.session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.brand_id == brand.id,
            or_(
                *(
                    cast(WebhookDelivery.payload, Text).contains(spelt, autoescape=True)
                    for spelt in sorted(spellings)
                )
            ),
        )
    )
    scrubbed = 0
    for delivery in found:
        if _mentions(delivery.payload.get("data"), values):
            delivery.payload = {**delivery.payload, "data": {"erased": True}}
            scrubbed += 1
    return scrubbed


def _mentions(data, values: set[str]) -> bool:
    if isinstance(data, dict):
        return any(_mentions(item, values) for item in data.values())
    if isinstance(data, list):
        return any(_mentions(item, values) for item in data)
    return isinstance(data, str) and data in values


# ---- the log ----------------------------------------------------------------------------


def _asked(by: str | None, details: dict) -> dict:
    """The team login that asked, beside what changed: the actor column (40 characters) says
    only where from, and an email does not fit it."""
    return {**details, "by": by} if by else details


def _log(brand, kind, external_id, actor, details, tombstone=None, at=None) -> PrivacyRequest:
    entry = PrivacyRequest(
        brand_id=brand.id,
        kind=kind,
        subject=subject_hash(brand, external_id) if external_id else None,
        tombstone=tombstone,
        actor=actor[:40],
        details=_json(details),
        created_at=at or utcnow(),
    )
    db.session.add(entry)
    return entry


def requests_log(brand: Brand, limit: int = 100) -> list[PrivacyRequest]:
    """Exports, erasures, retention runs and views of a customer's page, newest first."""
    return list(
        db.session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.brand_id == brand.id)
            .order_by(PrivacyRequest.id.desc())
            .limit(limit)
        )
    )
