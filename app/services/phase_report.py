"""Everything the per-phase page shows, assembled from the analytics services.

Figures, trends and survey counts come from rollups; verbatims and top words come through the
phase-recency index with a bounded read, so the page costs the same at any data size.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Brand, Survey
from app.services import (
    journey_map,
    journeys,
    keywords,
    survey_counts,
    survey_reach,
    trends,
    verbatims,
)
from app.services.survey_forms import option_label


def surveys_of_phase(brand: Brand, phase, filters: dict) -> list[dict]:
    """The phase's surveys (every version) with their answers per channel in the period, and
    how often each option of their choice questions was chosen."""
    rows = list(
        db.session.scalars(
            select(Survey)
            .where(Survey.brand_id == brand.id, Survey.phase_id == phase.id)
            .options(selectinload(Survey.questions))
            .order_by(Survey.family_id, Survey.version.desc())
        )
    )
    period = (filters.get("from_"), filters.get("to"))
    counts = survey_counts.by_channel(brand, [s.id for s in rows], *period)
    chosen = survey_counts.choices(brand, [s.id for s in rows], *period)
    items = []
    for survey in rows:
        by_channel = counts.get(survey.id, {})
        items.append(
            {
                "survey": survey,
                "answers": {channel: c["responses"] for channel, c in by_channel.items()},
                "with_text": sum(c["with_text"] for c in by_channel.values()),
                "total": sum(c["responses"] for c in by_channel.values()),
                "choices": _choices(survey, chosen.get(survey.id, {})),
            }
        )
    return items


def _choices(survey: Survey, counts: dict[str, dict[str, int]]) -> list[dict]:
    """Each choice question with every option's answers and share, in the survey's order."""
    found = []
    for question in survey.questions:
        if question.type != "choice":
            continue
        given = counts.get(question.key, {})
        total = sum(given.values())
        options = [
            {"label": option_label(option, "en"), "n": given.get(option["key"], 0)}
            for option in question.options or []
        ]
        # An option taken out of the question since keeps its answers, under its key.
        known = set(question.option_keys())
        options += [{"label": key, "n": n} for key, n in given.items() if key not in known]
        for option in options:
            option["share"] = option["n"] / total if total else None
        found.append({"text": question.text_for("en"), "total": total, "options": options})
    return found


def build(brand: Brand, journey_id: int, key: str, filters: dict, options: dict) -> dict:
    """options: grain, sentiment, category, score, cursor (the page's own choices)."""
    phase = journeys.get_phase(brand, journey_id, key)
    persona = journeys.persona_by_key(brand, filters.get("persona"))
    persona_id = persona.id if persona else None
    journey = journey_map.build(brand, journey_id, filters)
    figure = next(item for item in journey["phases"] if item["phase"] == key)
    verbatim_query = {
        name: options[name]
        for name in ("sentiment", "category", "score", "cursor")
        if options.get(name) is not None
    }
    reach = survey_reach.for_phase(brand, phase, filters.get("from_"), filters.get("to"))
    surveys = surveys_of_phase(brand, phase, filters)
    for item in surveys:
        item["invitations"] = reach["invitations"].get(item["survey"].id)
    return {
        "journey": journey["journey"],
        "phase": phase,
        "figure": figure,
        "next_phase": next(
            (p for p in journey["phases"] if p["position"] == figure["position"] + 1), None
        ),
        "trend": trends.series(brand, phase, filters, persona_id, options.get("grain", "week")),
        "verbatims": verbatims.page(brand, phase, filters, persona_id, verbatim_query),
        "terms": keywords.for_phase(brand, phase, filters, persona_id),
        "surveys": surveys,
        "skips": reach["skips"],
        "skip_channels": reach["skip_channels"],
        "asked": reach["asked"],
    }
