"""Reading responses back: newest first, with an opaque cursor."""

import base64
import binascii

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import ids
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Phase, Response
from app.services import follow_up


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"r:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "r":
            raise ValueError(kind)
        return ids.checked(int(value))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise AppError(422, "the cursor is not valid", fields={"cursor": ["invalid"]}) from exc


def get(brand: Brand, response_id: int) -> Response:
    """One of the brand's answers (another brand's is a 404)."""
    response = db.session.scalar(
        select(Response)
        .where(Response.id == response_id, Response.brand_id == brand.id)
        .options(selectinload(Response.handled))
    )
    if response is None:
        raise AppError(404, "response not found")
    return response


def page(brand: Brand, query: dict) -> dict:
    limit = query.get("limit", 50)
    statement = (
        select(Response)
        .where(Response.brand_id == brand.id)
        .options(
            selectinload(Response.phase),
            selectinload(Response.customer),
            selectinload(Response.handled),
        )
        .order_by(Response.id.desc())
        .limit(limit + 1)
    )
    if query.get("cursor"):
        statement = statement.where(Response.id < decode_cursor(query["cursor"]))
    if query.get("phase"):
        statement = statement.where(
            Response.phase_id.in_(
                select(Phase.id).where(Phase.brand_id == brand.id, Phase.key == query["phase"])
            )
        )
    if query.get("survey_id"):
        statement = statement.where(Response.survey_id == query["survey_id"])
    if query.get("status"):
        statement = statement.where(Response.status == query["status"])
    if query.get("since"):  # naive UTC already (schemas.common.Moment)
        statement = statement.where(Response.created_at >= query["since"])
    if query.get("follow_up"):  # needed, or of those the open or the handled ones
        statement = statement.where(follow_up.condition())
        handled = follow_up.handled_condition(query["follow_up"].replace("needed", "all"))
        if handled is not None:
            statement = statement.where(handled)
    rows = list(db.session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more and rows else None}
