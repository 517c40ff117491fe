"""Everything the per-phase page shows, assembled from the analytics services.

Figures, trends and survey counts come from rollups; verbatims and top words come through the
phase-recency index with a bounded read, so the page costs the same at any data size.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Phase, Survey
from app.pipeline import nps
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


def check_touchpoint(phase: Phase, touchpoint_id: int | None) -> None:
    """A phase's page filters on one of the phase's own touchpoints: another phase's showed an
    empty page that read as "no answers", so it is the same 422 as an unknown touchpoint."""
    if touchpoint_id is not None and touchpoint_id not in {t.id for t in phase.touchpoints}:
        raise AppError(
            422,
            f"unknown touchpoint {touchpoint_id} for this phase",
            fields={"touchpoint": ["not a touchpoint of this phase"]},
        )


def touchpoint_choices(phase: Phase) -> list[tuple[int, str]]:
    """The phase's touchpoints as the filter bar's (value, label) options."""
    return [(touchpoint.id, touchpoint.name) for touchpoint in phase.touchpoints]


def mostly_thin(series: dict) -> bool:
    """Most periods with answers have too few NPS answers for any change to be tested."""
    counts = [period["nps"]["n"] for period in series["periods"] if period["n"]]
    return sum(n < nps.MIN_ANSWERS for n in counts) * 2 > len(counts)


def trend(
    brand: Brand, phase: Phase, filters: dict, persona_id, picked: str | None
) -> tuple[dict, str | None]:
    """The trend by the grain the user picked; else by week, or by month when most weeks are
    too thin to test a change (and there are two months to compare). Chosen rather than only
    hinted at: the default view should answer "did NPS change?" without a click, and the page
    says which grain it chose and why, one link away from the other. The note: "auto" when
    months were chosen, "thin" when a picked week is too thin, else None."""
    if picked:
        series = trends.series(brand, phase, filters, persona_id, picked)
        return series, "thin" if picked == "week" and mostly_thin(series) else None
    # both read every time, so the page's queries stay the same whatever the data (two cheap
    # reads of the daily rollups)
    weekly = trends.series(brand, phase, filters, persona_id, "week")
    monthly = trends.series(brand, phase, filters, persona_id, "month")
    if mostly_thin(weekly) and len(monthly["periods"]) >= 2:
        return monthly, "auto"
    return weekly, None


def build(brand: Brand, journey_id: int, key: str, filters: dict, options: dict) -> dict:
    """options: grain (None: chosen here), sentiment, category, score, cursor (the page's own
    choices)."""
    phase = journeys.get_phase(brand, journey_id, key)
    check_touchpoint(phase, filters.get("touchpoint"))
    persona = journeys.persona_by_key(brand, filters.get("persona"))
    persona_id = persona.id if persona else None
    journey = journey_map.build(brand, journey_id, filters)
    figure = next(item for item in journey["phases"] if item["phase"] == key)
    verbatim_query = {
        name: options[name] for name in verbatims.QUERY_KEYS if options.get(name) is not None
    }
    reach = survey_reach.for_phase(brand, phase, filters.get("from_"), filters.get("to"))
    surveys = surveys_of_phase(brand, phase, filters)
    for item in surveys:
        item["invitations"] = reach["invitations"].get(item["survey"].id)
        item["links"] = reach["links"].get(item["survey"].id)
    series, grain_note = trend(brand, phase, filters, persona_id, options.get("grain"))
    return {
        "journey": journey["journey"],
        "phase": phase,
        "figure": figure,
        "unranked": journey_map.unranked(figure),
        # The next step of the funnel: none for its last phase, nor for one outside it.
        "next_phase": next(
            (p for p in journey["funnel"] if p["position"] > figure["position"]), None
        )
        if figure["in_funnel"]
        else None,
        "trend": series,
        "grain_note": grain_note,
        "touchpoints": touchpoint_choices(phase),
        "verbatims": verbatims.page(brand, phase, filters, persona_id, verbatim_query),
        "terms": keywords.for_phase(brand, phase, filters, persona_id),
        "surveys": surveys,
        "skips": reach["skips"],
        "skip_channels": reach["skip_channels"],
        "asked": reach["asked"],
    }
