"""The journey map's narrow rollup: a pipeline step adding what the answer rollup adds, keyed
without channel and locale. Same increments (rollups.answer_increments), so sums agree."""

from collections import defaultdict

from app.models import MapRollup, Rollup
from app.models.analytics import MAP_KEY
from app.services import brand_days, rollups


def add_answers(items) -> None:
    """Pipeline step: items are (response, sentiment) pairs of one batch."""
    rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for response, sentiment in items:
        key = (
            response.brand_id,
            response.phase_id,
            brand_days.answer_day(response),
            response.persona_id or 0,
            response.touchpoint_id or 0,
        )
        for name, value in rollups.answer_increments(response, sentiment).items():
            rows[key][name] += value
    rollups.upsert(MapRollup, MAP_KEY, rows)


def source_for(filters: dict):
    """The narrow table unless the view filters on a dimension only the full rollup has."""
    if filters.get("channel") is not None or filters.get("locale") is not None:
        return Rollup
    return MapRollup


def conditions(model, brand, phase_ids: list[int], filters: dict, persona_id: int | None) -> list:
    """The stats filters on any rollup table: period and persona on all of them, channel,
    touchpoint and locale on those keyed by them. source_for never picks an answer table that
    lacks a filtered dimension; the conversion rollup has none of the three, so they leave it whole.
    """
    where = [model.brand_id == brand.id, model.phase_id.in_(phase_ids)]
    if filters.get("from_"):
        where.append(model.day >= filters["from_"])
    if filters.get("to"):
        where.append(model.day <= filters["to"])
    if persona_id is not None:
        where.append(model.persona_id == persona_id)
    for name, column in (
        ("channel", "channel"),
        ("touchpoint", "touchpoint_id"),
        ("locale", "locale"),
    ):
        if filters.get(name) is not None and column in model.__table__.c:
            where.append(model.__table__.c[column] == filters[name])
    return where
