"""The journey map's narrow rollup: a pipeline step adding what the answer rollup adds, keyed
without channel and locale. Same increments (rollups.answer_increments), so sums agree."""

from collections import defaultdict

from app.models import MapRollup, Rollup
from app.models.analytics import MAP_KEY
from app.services import rollups


def add_answers(items) -> None:
    """Pipeline step: items are (response, sentiment) pairs of one batch."""
    rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for response, sentiment in items:
        key = (
            response.brand_id,
            response.phase_id,
            response.created_at.date(),
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
    """The stats API's filters (stats._filters) on either table; the narrow one keeps touchpoint."""
    from app.services.stats import _filters

    where = _filters(model, brand, phase_ids, filters, persona_id)
    if model is MapRollup and filters.get("touchpoint") is not None:
        where.append(MapRollup.touchpoint_id == filters["touchpoint"])
    return where
