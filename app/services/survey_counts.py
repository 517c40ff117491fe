"""Answers per survey × day × channel, and choice answers per option × day: pipeline steps, so
the dashboard never counts rows."""

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, ChoiceRollup, Response, SurveyRollup
from app.models.analytics import CHOICE_KEY, SURVEY_KEY
from app.services import brand_days, rollups, survey_specs


def add_answers(items) -> None:
    """Pipeline step: items are (response, sentiment) pairs of one batch."""
    rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for response, _ in items:
        key = (
            response.brand_id,
            response.survey_id,
            brand_days.answer_day(response),
            response.channel,
        )
        rows[key]["responses"] += 1
        if response.comment:
            rows[key]["with_text"] += 1
    rollups.upsert(SurveyRollup, SURVEY_KEY, rows)
    _add_choices([response for response, _ in items])


def _add_choices(responses) -> None:
    """Count the options chosen. The claim does not load answers (decoding them costs every
    batch): they are read here only for responses to surveys that ask a choice question,
    which the process's held survey specs tell without a query."""
    questions: dict[int, list[str]] = {}
    for brand_id, survey_id in {(r.brand_id, r.survey_id) for r in responses}:
        spec = survey_specs.get(brand_id, survey_id)
        keys = [question.key for question in spec.questions if question.type == "choice"]
        if keys:
            questions[survey_id] = keys
    if not questions:
        return
    chosen = [response for response in responses if response.survey_id in questions]
    answers = dict(
        db.session.execute(
            select(Response.id, Response.answers).where(
                Response.id.in_([response.id for response in chosen])
            )
        ).all()
    )
    rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for response in chosen:
        given = answers.get(response.id) or {}
        for question in questions[response.survey_id]:
            if isinstance(given.get(question), str):
                key = (response.brand_id, response.survey_id, question, given[question])
                rows[(*key, brand_days.answer_day(response))]["answers"] += 1
    rollups.upsert(ChoiceRollup, CHOICE_KEY, rows)


def by_channel(
    brand: Brand, survey_ids: list[int], since: date | None = None, until: date | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """{survey_id: {channel: {"responses", "with_text"}}} within the period."""
    if not survey_ids:
        return {}
    conditions = _in_period(SurveyRollup, brand, survey_ids, since, until)
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


def choices(
    brand: Brand, survey_ids: list[int], since: date | None = None, until: date | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """{survey_id: {question key: {option key: answers}}} within the period."""
    if not survey_ids:
        return {}
    conditions = _in_period(ChoiceRollup, brand, survey_ids, since, until)
    rows = db.session.execute(
        select(
            ChoiceRollup.survey_id,
            ChoiceRollup.question,
            ChoiceRollup.option,
            func.sum(ChoiceRollup.answers),
        )
        .where(*conditions)
        .group_by(ChoiceRollup.survey_id, ChoiceRollup.question, ChoiceRollup.option)
    )
    found: dict[int, dict[str, dict[str, int]]] = {}
    for survey_id, question, option, answers in rows:
        found.setdefault(survey_id, {}).setdefault(question, {})[option] = int(answers)
    return found


def _in_period(model, brand: Brand, survey_ids: list[int], since, until) -> list:
    """The rows of these surveys of the brand, on the days of the period (both ends in)."""
    conditions = [model.brand_id == brand.id, model.survey_id.in_(survey_ids)]
    if since:
        conditions.append(model.day >= since)
    if until:
        conditions.append(model.day <= until)
    return conditions
