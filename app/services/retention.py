"""Retention: after a brand's `retention_days`, answers lose their free text and customer link,
and keep only the day they were given.

Scores, labels and rollups stay, so the brand's figures do not change; what could identify a
person goes. Running it again changes nothing: it only picks rows that still hold such data.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import Text, and_, cast, delete, func, or_, select, update

import loyalty
from app import timestamps
from app.errors import AppError
from app.extensions import db
from app.models import (
    Alert,
    Brand,
    Customer,
    Invitation,
    PrivacyRequest,
    Response,
    Review,
    WebhookAttempt,
    WebhookDelivery,
)
from app.models.base import utcnow
from app.models.privacy import RETENTION
from app.models.webhook import PENDING
from app.services import privacy, upserts

MIN_DAYS, MAX_DAYS = 30, 3650
WEBHOOK_LOG_DAYS = 30  # finished deliveries are kept this long, for the dashboard


def cutoff(brand: Brand, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=brand.retention_days)


def _holding_personal_data(brand: Brand, before: datetime):
    # Also an erased customer's answer of any age: one sent in the instant of the erasure can
    # be stored after it, against the tombstone; the next run strips it. Their ids are read
    # once: as a subquery they were a scan of every customer for every batch.
    erased = db.session.scalars(
        select(Customer.id).where(Customer.brand_id == brand.id, Customer.erased_at.is_not(None))
    ).all()
    return (
        Response.brand_id == brand.id,
        or_(Response.created_at < before, Response.customer_id.in_(erased)),
        or_(
            Response.comment.is_not(None),
            Response.customer_id.is_not(None),
            Response.client_hash.is_not(None),
            # intake stores "no review" as JSON null, which is not SQL NULL
            and_(
                Response.review_request.is_not(None), cast(Response.review_request, Text) != "null"
            ),
            Response.idempotency_key.is_not(None),
            Response.order_ref.is_not(None),  # the shop's order number ties it to her too
        ),
    )


def due(brand: Brand, now: datetime | None = None) -> int:
    """How many responses are past the period and still hold personal data."""
    return db.session.scalar(
        select(func.count(Response.id)).where(*_holding_personal_data(brand, cutoff(brand, now)))
    )


def apply(
    brand: Brand,
    now: datetime | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    actor: str = "cli",
) -> dict:
    """Anonymise this brand's responses older than its period, in committed batches."""
    now = now or utcnow()
    before = cutoff(brand, now)
    holding = _holding_personal_data(brand, before)
    responses, after = 0, 0
    while True:
        # SKIP LOCKED: a second run at the same time takes other rows (both took the same
        # ones, rewrote them one after the other and logged them twice); a row it skips is
        # the other run's, or the pipeline's, and the next run's otherwise. On from the last
        # id done: from the start, each batch read past every row already stripped.
        batch = list(
            db.session.scalars(
                select(Response)
                .where(*holding, Response.id > after)
                .order_by(Response.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if not batch:
            break
        keys = privacy.text_keys({response.survey_id for response in batch})
        for response in batch:
            privacy.strip_response(response, keys[response.survey_id])
        after = batch[-1].id
        db.session.commit()
        responses += len(batch)
        if progress:
            progress(len(batch))
    # Reviews stay public by the customer's consent, but the fraud-check hash has done its job.
    reviews = db.session.execute(
        update(Review)
        .where(
            Review.brand_id == brand.id,
            Review.created_at < before,
            Review.client_hash.is_not(None),
        )
        .values(client_hash=None)
    ).rowcount
    invitations, entries = _unlink_old_responses(brand, before)
    alerts = _drop_old_alerts(brand, before)
    days = _keep_only_the_day(brand, before, batch_size)
    deliveries = _prune_deliveries(brand, now)
    counts = {
        "responses": responses,
        "answer_times": days,
        "reviews": reviews or 0,
        "invitations": invitations,
        "loyalty_entries": entries,
        "alerts": alerts,
        "webhook_deliveries": deliveries,
    }
    if any(counts.values()):
        db.session.add(
            PrivacyRequest(
                brand_id=brand.id,
                kind=RETENTION,
                actor=actor[:40],
                details={
                    "retention_days": brand.retention_days,
                    "before": timestamps.iso_utc(before),
                    "counts": counts,
                },
                created_at=now,
            )
        )
    db.session.commit()
    return counts


def _past(brand: Brand, before: datetime):
    """The ids of the brand's answers past the period, as a subquery."""
    return select(Response.id).where(Response.brand_id == brand.id, Response.created_at < before)


def _unlink_old_responses(brand: Brand, before: datetime) -> tuple[int, int]:
    """An invitation and a loyalty entry name their customer beside the answer's id: once the
    answer has lost its customer link they must lose theirs to it, or the two would tie it
    back. They stay (contact history, points), without the answer's id. Runs over every
    answer past the period, so links left by runs before this existed go too."""
    old = _past(brand, before)
    invitations = db.session.execute(
        update(Invitation)
        .where(Invitation.brand_id == brand.id, Invitation.response_id.in_(old))
        .values(response_id=None)
    ).rowcount
    return invitations or 0, loyalty.unlink_responses(brand.id, old)


def _drop_old_alerts(brand: Brand, before: datetime) -> int:
    """Follow-up alerts about answers past the period go: an outbox row has done its work, and
    its moment (the answer's batch) matches the points that batch wrote to the customer to the
    millisecond, which would tie the anonymous answer back to her."""
    old = _past(brand, before)
    result = db.session.execute(
        delete(Alert).where(Alert.brand_id == brand.id, Alert.response_id.in_(old))
    )
    return result.rowcount or 0


def _has_a_time_of_day(column):
    if db.engine.dialect.name == "postgresql":
        return column != func.date_trunc("day", column)
    # SQLite keeps a moment as text: midnight as the DateTime type writes it. Rows an earlier
    # version rewrote as "YYYY-MM-DD 00:00:00" differ from it too, and are rewritten right.
    return column != func.strftime("%Y-%m-%d 00:00:00.000000", column)


def _midnight(moment: datetime | None, zone_name: str) -> datetime | None:
    """A UTC midnight on the brand's day of `moment` (brand_days): the answer stays on the day
    the rollups counted it on, and "no time of day" stays a check SQL makes without zones.
    East of UTC that is the day's own UTC midnight; west of it the next one (the day's own
    falls on the evening before there). Offsets stay within ±14 hours, so one of them does."""
    if moment is None:
        return None
    day = timestamps.local_day(moment, zone_name)
    own = datetime.combine(day, time.min)
    return own if timestamps.local_day(own, zone_name) == day else own + timedelta(days=1)


def _keep_only_the_day(brand: Brand, before: datetime, batch_size: int) -> int:
    """An answer past the period keeps the day it was given, not the moment. Points, contacts,
    invitations and journey events note to the second when their customer did something; an
    anonymous answer at that same second would be theirs. Rollups count by day already, so
    no figure changes. Picks only answers that still have a time of day: idempotent.

    The midnights are datetimes written through the column's type, as every other moment is:
    a day computed in SQL is text in another format on SQLite, which compares as the day
    before in the period filters of the export and the verbatims."""
    changed, after = 0, 0
    while True:
        rows = db.session.execute(
            select(Response.id, Response.created_at, Response.processed_at)
            .where(
                Response.brand_id == brand.id,
                Response.created_at < before,
                Response.id > after,
                _has_a_time_of_day(Response.created_at),
            )
            .order_by(Response.id)
            .limit(batch_size)
            # A row the pipeline holds is skipped: the next run takes it.
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return changed
        upserts.update_by_id(
            Response.__table__,
            [
                {
                    "id": row.id,
                    "created_at": _midnight(row.created_at, brand.time_zone),
                    "processed_at": _midnight(row.processed_at, brand.time_zone),
                }
                for row in rows
                if row.processed_at is not None
            ],
        )
        # Not processed yet: the pipeline may be writing processed_at now; NULL must not undo it.
        upserts.update_by_id(
            Response.__table__,
            [
                {"id": row.id, "created_at": _midnight(row.created_at, brand.time_zone)}
                for row in rows
                if row.processed_at is None
            ],
        )
        changed += len(rows)
        after = rows[-1].id


def _prune_deliveries(brand: Brand, now: datetime) -> int:
    days = current_app.config.get("WEBHOOK_LOG_DAYS", WEBHOOK_LOG_DAYS)
    old = select(WebhookDelivery.id).where(
        WebhookDelivery.brand_id == brand.id,
        WebhookDelivery.status != PENDING,
        WebhookDelivery.created_at < now - timedelta(days=days),
    )
    ids = list(db.session.scalars(old))
    if not ids:
        return 0
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return len(ids)


def brands(slug: str | None = None) -> list[Brand]:
    query = select(Brand).order_by(Brand.id)
    if slug:
        query = query.where(Brand.slug == slug)
    found = list(db.session.scalars(query))
    if slug and not found:
        raise AppError(404, f"no brand with slug {slug!r}")
    return found


def set_days(brand: Brand, days: int) -> dict:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise AppError(
            422,
            f"retention_days must be from {MIN_DAYS} to {MAX_DAYS}",
            fields={"retention_days": [f"a whole number from {MIN_DAYS} to {MAX_DAYS}"]},
        )
    brand.retention_days = days
    db.session.commit()
    return settings(brand)


def settings(brand: Brand) -> dict:
    return {"retention_days": brand.retention_days, "due": due(brand)}
