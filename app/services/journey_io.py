"""Surveys as code: export a journey with its touchpoints and surveys, import it as a new one.

An import is one transaction: the journey, its phases, touchpoints and surveys all appear,
or (on any error) none of them does.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Brand, Journey, Phase, Survey, Touchpoint
from app.schemas.journey_io import FORMAT, VERSION
from app.services import journeys
from app.services.surveys import EMAILS
from app.services.surveys import _questions as build_questions  # the API's own question rows


def _texts(value: dict) -> dict:
    return dict(value or {})


def _question(question) -> dict:
    item = {
        "key": question.key,
        "type": question.type,
        "text": _texts(question.text),
        "required": question.required,
    }
    if question.options:
        item["options"] = [
            {"key": option["key"], "label": _texts(option["label"])} for option in question.options
        ]
    if question.max_length:
        item["max_length"] = question.max_length
    return item


def _latest_versions(brand: Brand, journey_id: int) -> list[Survey]:
    """The newest version of every survey family of the journey."""
    rows = db.session.scalars(
        select(Survey)
        .where(Survey.brand_id == brand.id, Survey.journey_id == journey_id)
        .options(selectinload(Survey.questions), selectinload(Survey.phase))
        .order_by(Survey.family_id, Survey.version.desc())
    )
    latest: dict[int, Survey] = {}
    for survey in rows:
        latest.setdefault(survey.family_id or survey.id, survey)
    return sorted(latest.values(), key=lambda survey: (survey.phase.position, survey.id))


def export_journey(brand: Brand, journey_id: int) -> dict:
    journey = journeys.get_journey(brand, journey_id)
    phases = []
    for phase in journey.phases:
        item = {
            "key": phase.key,
            "name": _texts(phase.name),
            "position": phase.position,
            "hypothesis": dict(phase.hypothesis or {}),
            "in_funnel": phase.in_funnel,
            "touchpoints": [{"name": t.name, "channel": t.channel} for t in phase.touchpoints],
        }
        if phase.expected_days is not None:
            item["expected_days"] = phase.expected_days
        phases.append(item)
    surveys = []
    for survey in _latest_versions(brand, journey.id):
        item = {
            "phase": survey.phase.key,
            "locale": survey.default_locale,
            # as it asks once restored: a copy of an archived journey asks where it asked
            "active": survey.active or survey.id in journey.surveys_to_resume,
            "questions": [_question(question) for question in survey.questions],
        }
        if survey.name:
            item["name"] = survey.name
        for field in EMAILS:
            if getattr(survey, field) is not None:
                item[field] = getattr(survey, field)
        surveys.append(item)
    return {
        "format": FORMAT,
        "version": VERSION,
        "journey": {"name": journey.name, "phases": phases},
        "archived_at": journey.archived_at,
        "surveys": surveys,
    }


def import_journey(brand: Brand, document: dict) -> dict:
    """Create the document's journey as a new journey of this brand; one commit."""
    data = document["journey"]
    journey = Journey(brand_id=brand.id, name=journeys.free_name(brand, data["name"]))
    ordered = sorted(
        enumerate(data["phases"]), key=lambda item: (item[1].get("position", item[0] + 1), item[0])
    )
    by_key: dict[str, Phase] = {}
    for position, (_, item) in enumerate(ordered, start=1):
        names = item["name"]
        phase = Phase(
            brand_id=brand.id,
            key=item["key"],
            name={brand.default_locale: names} if isinstance(names, str) else dict(names),
            position=position,
            expected_days=item.get("expected_days"),
            hypothesis=item.get("hypothesis") or {},
            in_funnel=item.get("in_funnel", True),
        )
        phase.touchpoints = [
            Touchpoint(brand_id=brand.id, name=t["name"], channel=t["channel"])
            for t in item.get("touchpoints", [])
        ]
        journey.phases.append(phase)
        by_key[phase.key] = phase
    db.session.add(journey)
    db.session.flush()
    created = []
    for item in document.get("surveys", []):
        questions, locales = build_questions(item["questions"], item["locale"])
        phase = by_key[item["phase"]]
        survey = Survey(
            brand_id=brand.id,
            journey_id=journey.id,
            phase=phase,
            name=item.get("name"),
            default_locale=item["locale"],
            locales=locales,
            active=item.get("active", True),
            **{field: item.get(field) for field in EMAILS},
            questions=questions,
        )
        db.session.add(survey)
        db.session.flush()
        survey.family_id = survey.id
        created.append(survey)
    db.session.commit()
    return {"journey": journey, "surveys": created}
