"""Upserts into the rollup tables: one statement per key, additive, on SQLite and PostgreSQL."""

from collections import defaultdict

from app.models import Rollup
from app.models.rollup import ANSWER_KEY
from app.services import brand_days, upserts


def upsert(model, key_columns: tuple[str, ...], rows: dict[tuple, dict[str, float]]) -> None:
    """Add each row's counters to the row with that key, creating it when missing."""
    upserts.add_by_key(model, key_columns, rows)


def answer_increments(response, sentiment) -> dict[str, float]:
    """What one processed response adds to its rollup row."""
    add: dict[str, float] = {"responses": 1}
    if response.nps_category:
        add[
            {"promoter": "promoters", "passive": "passives", "detractor": "detractors"}[
                response.nps_category
            ]
        ] = 1
    for name in ("csat", "ces"):
        value = getattr(response, name)
        if value is not None:
            add[f"{name}_sum"], add[f"{name}_sq"], add[f"{name}_n"] = value, value * value, 1
    if sentiment is not None:
        add["sentiment_sum"] = sentiment.polarity
        add["sentiment_sq"] = sentiment.polarity**2
        add["sentiment_n"] = 1
        add[sentiment.label] = 1
    if response.emotion:
        add[f"emotion_{response.emotion}"] = 1
    return add


def add_answers(items) -> None:
    """items: (response, sentiment) pairs of one batch, merged per rollup key first."""
    rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for response, sentiment in items:
        key = (
            response.brand_id,
            response.phase_id,
            brand_days.answer_day(response),
            response.channel,
            response.persona_id or 0,
            response.touchpoint_id or 0,
            response.locale,
        )
        for name, value in answer_increments(response, sentiment).items():
            rows[key][name] += value
    upsert(Rollup, ANSWER_KEY, rows)
