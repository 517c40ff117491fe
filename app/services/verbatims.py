"""The written answers of one phase, newest first, through the phase-recency index.

Pages use a keyset cursor on (created_at, id), so page 500 costs what page 1 costs.
"""

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from app import cursors
from app.extensions import db
from app.models import Brand, Phase, Response
from app.services import brand_days, follow_up

SENTIMENTS = ("positive", "neutral", "negative")
# The page's own choices for this list, as page() takes them (the page keeps them in its URLs).
QUERY_KEYS = ("sentiment", "category", "score", "words", "show", "handled", "cursor")
CATEGORIES = ("promoter", "passive", "detractor")
KIND = "v"  # its cursors' mark (app.cursors)


def encode_cursor(response: Response) -> str:
    return cursors.encode(response.created_at, response.id, KIND)


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    return cursors.decode(cursor, KIND)


def older_than(stamp: datetime, ident: int):
    """The answers after (stamp, id) in newest-first order: a row-value comparison, which
    PostgreSQL bounds its index scan with. Written as `created_at < x OR (created_at = x AND
    id < y)` it could not, and every page re-read all the newer rows (a 438k-answer export
    took 23 minutes, its last batches 6 s each)."""
    return tuple_(Response.created_at, Response.id) < tuple_(stamp, ident)


def contains(column, words: str):
    """The text holds `words` as typed, in any case; % and _ in them are only themselves.
    A scan of the phase's answers under the other filters: a search, not a page's hot path."""
    escaped = words.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def conditions(brand: Brand, phase: Phase, filters: dict, persona_id: int | None) -> list:
    """The map's filters (period, persona, channel, touchpoint, locale) on raw responses."""
    where = [Response.phase_id == phase.id, Response.brand_id == brand.id]
    since, until = brand_days.moments(brand, filters.get("from_"), filters.get("to"))
    if since:
        where.append(Response.created_at >= since)
    if until:
        where.append(Response.created_at < until)
    if persona_id is not None:
        where.append(Response.persona_id == persona_id)
    if filters.get("channel"):
        where.append(Response.channel == filters["channel"])
    if filters.get("touchpoint") is not None:
        where.append(Response.touchpoint_id == filters["touchpoint"])
    if filters.get("locale"):
        where.append(Response.locale == filters["locale"])
    return where


def page(
    brand: Brand,
    phase: Phase,
    filters: dict,
    persona_id: int | None,
    query: dict,
) -> dict:
    """query: sentiment, category, score, show, handled, cursor, limit. Returns {"items",
    "next_cursor"}.

    show "follow_up": the answers that need a follow-up (services.follow_up: what the alerts
    mail), written or not, with their customers, still open unless `handled` says "handled" or
    "all"; otherwise the written answers."""
    limit = query.get("limit", 25)
    where = conditions(brand, phase, filters, persona_id)
    # a follow-up names whom to call, and whether someone did
    loads = [selectinload(Response.customer)]
    if query.get("show") == "follow_up":
        loads.append(selectinload(Response.handled))
        where.append(follow_up.condition())
        handled = follow_up.handled_condition(query.get("handled") or "open")
        if handled is not None:
            where.append(handled)
    else:
        where.append(Response.comment.is_not(None))
    if query.get("sentiment"):
        where.append(Response.sentiment_label == query["sentiment"])
    if query.get("category"):
        where.append(Response.nps_category == query["category"])
    if query.get("score") is not None:
        where.append(Response.nps == query["score"])
    if query.get("words"):
        where.append(contains(Response.comment, query["words"]))
    if query.get("cursor"):
        where.append(older_than(*decode_cursor(query["cursor"])))
    rows = list(
        db.session.scalars(
            select(Response)
            .where(*where)
            .options(*loads)
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1]) if more and rows else None}
