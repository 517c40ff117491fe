"""Answers per survey × day × channel: a pipeline step, so the dashboard never counts rows."""

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, SurveyRollup
from app.models.analytics import SURVEY_KEY
from app.services import rollups


def add_answers(items) -> None:
    """Pipeline step: items are (response, sentiment) pairs of one batch."""
    rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for response, _ in items:
        key = (response.brand_id, response.survey_id, response.created_at.date(), response.channel)
        rows[key]["responses"] += 1
        if response.comment:
            rows[key]["with_text"] += 1
    rollups.upsert(SurveyRollup, SURVEY_KEY, rows)


def by_channel(
    brand: Brand, survey_ids: list[int], since: date | None = None, until: date | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """{survey_id: {channel: {"responses", "with_text"}}} within the period."""
    if not survey_ids:
        return {}
    conditions = [SurveyRollup.brand_id == brand.id, SurveyRollup.survey_id.in_(survey_ids)]
    if since:
        conditions.append(SurveyRollup.day >= since)
    if until:
        conditions.append(SurveyRollup.day <= until)
    rows = db.session.execute(
        select(
            SurveyRollup.survey_id,
            SurveyRollup.channel,
            func.sum(SurveyRollup.responses),
            func.sum(SurveyRollup.with_text),
        )
        .where(*conditions)
        .group_by(SurveyRollup.survey_id, SurveyRollup.channel)
    )
    counts: dict[int, dict[str, dict[str, int]]] = {}
    for survey_id, channel, responses, with_text in rows:
        counts.setdefault(survey_id, {})[channel] = {
            "responses": int(responses),
            "with_text": int(with_text),
        }
    return counts
