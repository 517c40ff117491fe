"""The journey map: the API's per-phase figures plus what a marketer needs to read them.

Everything comes from rollups: one grouped scan of the answer rollups plus the conversion and
dwell rollups, so the cost follows days × dimensions, not answers. The phase figures are made
by the API's own stats.journey_figures from the same sums, so the map and
GET /api/v1/journeys/<id>/stats always agree (tests/dashboard/test_map.py compares them).
"""

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Brand,
    ConversionRollup,
    Journey,
    Persona,
    Phase,
    Question,
    Response,
    Rollup,
    Survey,
)
from app.numbers import money
from app.pipeline import nps
from app.services import dwell, journeys, map_rollup, stats

# A gap between belief and measurement worth shouting about, when intervals are unknown.
GAP_THRESHOLD = {"nps": 10.0, "csat": 0.3, "conversion": 0.1}
# Decimals the map shows NPS and CSAT with (conversion is shown in whole percents).
SHOWN_DIGITS = {"nps": 1, "csat": 2}


def journey_choices(brand: Brand) -> list[tuple[int, str]]:
    """(id, name) of the brand's journeys that are not archived, for the journey picker: no
    phases loaded."""
    rows = db.session.execute(
        select(Journey.id, Journey.name)
        .where(Journey.brand_id == brand.id, Journey.archived_at.is_(None))
        .order_by(Journey.id)
    )
    return [(row.id, row.name) for row in rows]


def all_phases(brand: Brand) -> list[Phase]:
    """Every phase of the brand's journeys, in journey and phase order (for labels)."""
    return list(
        db.session.scalars(
            select(Phase)
            .where(Phase.brand_id == brand.id)
            .order_by(Phase.journey_id, Phase.position)
        )
    )


def persona_choices(brand: Brand) -> list[Persona]:
    return journeys.list_personas(brand)


def first_steps(brand: Brand, journey) -> dict:
    """For an empty map: whether the journey has any answer at all, and which phases have a survey.

    Two index-bounded reads, run only when the map's filters found no answers.
    """
    phase_ids = [phase.id for phase in journey.phases]
    if not phase_ids:
        return {"has_answers": False, "surveyed": set()}
    answered = db.session.scalar(
        select(Response.id)
        .where(Response.brand_id == brand.id, Response.phase_id.in_(phase_ids))
        .limit(1)
    )
    surveyed = db.session.scalars(
        select(Survey.phase_id)
        .where(Survey.brand_id == brand.id, Survey.phase_id.in_(phase_ids))
        .distinct()
    )
    return {"has_answers": answered is not None, "surveyed": set(surveyed)}


def asked_metrics(brand: Brand, phase_ids: list[int]) -> dict[int, set[str]]:
    """The NPS and CSAT questions each phase's active surveys ask: a belief with no answers is
    "none yet" when a survey asks it, a question for the marketer when none does."""
    rows = db.session.execute(
        select(Survey.phase_id, Question.type)
        .join(Question, Question.survey_id == Survey.id)
        .where(
            Survey.brand_id == brand.id,
            Survey.phase_id.in_(phase_ids),
            Survey.active.is_(True),
            Question.type.in_(("nps", "csat")),
        )
        .distinct()
    )
    asked: dict[int, set[str]] = {}
    for row in rows:
        asked.setdefault(row.phase_id, set()).add(row.type)
    return asked


def _grouped_sums(brand, phase_ids, filters) -> list[dict]:
    """Every counter per phase × touchpoint × persona, under every filter but persona.

    One scan of the rollups serves the phase figures, the touchpoints and the persona table;
    the persona filter is applied in Python, so the sums are exactly the API's.
    """
    table = map_rollup.source_for(filters)
    columns = [
        func.coalesce(func.sum(getattr(table, name)), 0).label(name) for name in Rollup.COUNTERS
    ]
    rows = db.session.execute(
        select(table.phase_id, table.touchpoint_id, table.persona_id, *columns)
        .where(*map_rollup.conditions(table, brand, phase_ids, filters, None))
        .group_by(table.phase_id, table.touchpoint_id, table.persona_id)
    )
    return [row._asdict() for row in rows]


def _add(into: dict, row: dict) -> None:
    for name in Rollup.COUNTERS:
        into[name] = into.get(name, 0) + row[name]


def _persona_nps(rows: list[dict]) -> dict[tuple[int, int], nps.NpsCounts]:
    counts: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        total = counts.setdefault((row["phase_id"], row["persona_id"]), [0, 0, 0])
        total[0] += int(row["promoters"])
        total[1] += int(row["passives"])
        total[2] += int(row["detractors"])
    return {key: nps.NpsCounts(*value) for key, value in counts.items()}


def _shown(metric: str, value: float) -> float:
    """The value as the map prints it: NPS to 0.1, CSAT to 0.01, conversion to whole percents."""
    if metric == "conversion":
        return round(value * 100) / 100
    return round(value, SHOWN_DIGITS[metric])


def _gap(metric: str, hypothesis, measured, interval) -> dict | None:
    """Measured minus believed; `notable` when the belief lies outside the 95 % interval.

    The gap is the difference of the two figures as shown (50% → 57% reads +7 pts, not the
    +6 that rounding the exact difference gives), so the table's arithmetic adds up.
    """
    if hypothesis is None:
        return None
    if measured is None:  # believed, but nothing in this selection answers it
        return {
            "metric": metric,
            "hypothesis": hypothesis,
            "measured": None,
            "gap": None,
            "notable": False,
            "worse": False,
        }
    gap = measured - hypothesis
    if interval:
        notable = not interval[0] <= hypothesis <= interval[1]
    else:
        notable = abs(gap) >= GAP_THRESHOLD[metric]
    shown_gap = _shown(metric, measured) - _shown(metric, hypothesis)
    return {
        "metric": metric,
        "hypothesis": hypothesis,
        "measured": measured,
        "gap": round(shown_gap, 2 if metric == "conversion" else SHOWN_DIGITS[metric]),
        "notable": notable,
        "worse": gap < 0,
    }


def _touchpoint_priorities(phase, figure, sums_by_touchpoint) -> list[dict]:
    """Each touchpoint's part of the phase's value at stake, by where its detractors answered.

    A touchpoint's part is drop-off × the phase's customer value × its detractors ÷ all the
    phase's NPS answers (stats.stake, the same denominator as a channel's or a language's
    part), so it reads the same with or without a touchpoint filter, and the parts add up.
    """
    basis = figure["stake_basis"]
    phase_answers = basis["answers"]
    items = []
    for touchpoint in phase.touchpoints:
        sums = sums_by_touchpoint.get((phase.id, touchpoint.id))
        if not sums or not phase_answers:
            continue
        answered = int(sums["promoters"] + sums["passives"] + sums["detractors"])
        detractors = int(sums["detractors"])
        at_stake = stats.stake(basis, detractors)
        share = detractors / answered if answered else 0.0
        among = f"{share:.0%} detractors among {answered} of the phase's {phase_answers} answers"
        items.append(
            {
                "id": touchpoint.id,
                "name": touchpoint.name,
                "channel": touchpoint.channel,
                "n": answered,
                "detractor_share": round(share, 4),
                "value_at_stake": None if at_stake is None else round(at_stake, 2),
                "reason": f"{touchpoint.name}: {among}, "
                + (
                    "nothing at stake in the last phase"
                    if at_stake is None
                    else f"{money(at_stake)} of the phase's value at stake"
                ),
            }
        )
    return sorted(items, key=lambda item: -(item["value_at_stake"] or 0))


def _figures(brand, journey, filters, persona_id, rows) -> tuple[list[dict], dict, dict]:
    """The API's per-phase figures (stats.journey_figures) from the rows."""
    answers: dict[int, dict] = {}
    touchpoint_sums: dict[tuple[int, int], dict] = {}
    for row in rows:
        if persona_id is not None and row["persona_id"] != persona_id:
            continue
        _add(answers.setdefault(row["phase_id"], {}), row)
        _add(touchpoint_sums.setdefault((row["phase_id"], row["touchpoint_id"]), {}), row)
    phase_ids = [phase.id for phase in journey.phases]
    conversion = stats._sums(
        ConversionRollup,
        map_rollup.conditions(ConversionRollup, brand, phase_ids, filters, persona_id),
    )
    # The same assembly as stats.journey_stats; tests/dashboard/test_map.py keeps them equal.
    figures = stats.journey_figures(
        brand, journey, answers, conversion, filters, persona_id, brand.default_locale
    )
    return figures, answers, touchpoint_sums


def unranked(phase: dict) -> bool:
    """Worth a "not ranked" line (map and phase page): NPS answers with something maybe at
    stake, or answers without NPS where customers dropped off (their stake is 0 for want of
    detractors, not for want of drop-off)."""
    if phase["priority"]["rank"] is not None:
        return False
    if phase["nps"]["n"]:
        return phase["priority"]["value_at_stake"] != 0
    return bool(phase["n"] and phase["stake_basis"]["drop"])


def build(brand: Brand, journey_id: int, filters: dict) -> dict:
    """The whole journey map for these filters (the same filters as the stats API)."""
    journey = journeys.get_journey(brand, journey_id)
    persona = journeys.persona_by_key(brand, filters.get("persona"))
    journeys.check_touchpoint(brand, filters.get("touchpoint"))
    persona_id = persona.id if persona else None
    phase_ids = [phase.id for phase in journey.phases]
    rows = _grouped_sums(brand, phase_ids, filters)
    figures, answers, touchpoint_sums = _figures(brand, journey, filters, persona_id, rows)
    medians = dwell.medians(brand, phase_ids, filters, persona_id)
    persona_counts = _persona_nps(rows)

    phases = []
    for phase, figure in zip(journey.phases, figures, strict=True):
        sums = answers.get(phase.id, {})
        hypothesis = phase.hypothesis or {}
        time = medians.get(phase.id, {"median_days": None, "at_least": False, "n": 0})
        # Stuck only when the median is past the expected days whatever the stays inside its
        # bucket were: an estimate inside the bucket would flag phases that are on time.
        stuck = (
            phase.expected_days is not None
            and time.get("lowest") is not None
            and time["lowest"] > phase.expected_days
        )
        gaps = [
            _gap("nps", hypothesis.get("nps"), figure["nps"]["score"], figure["nps"]["ci95"]),
            _gap(
                "csat",
                hypothesis.get("csat"),
                figure["csat"]["unrounded"],
                nps.mean_interval(sums, "csat"),
            ),
            # outside the funnel no conversion is measured: a belief about one has no gap
            _gap(
                "conversion",
                hypothesis.get("conversion"),
                figure["conversion"]["unrounded"]["to_next"],
                None,
            )
            if phase.in_funnel
            else None,
        ]
        phases.append(
            {
                **figure,
                "id": phase.id,
                "key": phase.key,
                "expected_days": phase.expected_days,
                "csat_ci95": nps.mean_interval(sums, "csat"),
                "ces_ci95": nps.mean_interval(sums, "ces"),
                "sentiment_ci95": nps.mean_interval(sums, "sentiment"),
                "time_in_phase": {**time, "stuck": stuck},
                "gaps": [gap for gap in gaps if gap],
                "touchpoints": _touchpoint_priorities(phase, figure, touchpoint_sums),
            }
        )

    personas = journeys.list_personas(brand)
    persona_rows = []
    for item in [None, *personas]:
        cells = []
        for phase in journey.phases:
            if item is None:  # customers without a persona, shown only when there are any
                counts = persona_counts.get((phase.id, 0))
            else:
                counts = persona_counts.get((phase.id, item.id))
            cells.append(nps.summary(counts) if counts else None)
        if item is None and not any(cells):
            continue
        persona_rows.append(
            {
                "key": item.key if item else None,
                "name": item.name if item else "No persona",
                "cells": cells,
            }
        )

    # Only a belief nothing answered needs to know whether a survey asks it: one read, then.
    unanswered = [
        (phase["id"], gap)
        for phase in phases
        for gap in phase["gaps"]
        if gap["measured"] is None and gap["metric"] != "conversion"
    ]
    if unanswered:
        asked = asked_metrics(brand, phase_ids)
        for phase_id, gap in unanswered:
            gap["asked"] = gap["metric"] in asked.get(phase_id, ())

    ranked = sorted(
        (phase for phase in phases if phase["priority"]["rank"]),
        key=lambda p: p["priority"]["rank"],
    )
    funnel = [phase for phase in phases if phase["in_funnel"]]
    total = nps.NpsCounts(
        sum(p["nps"]["promoters"] for p in phases),
        sum(p["nps"]["passives"] for p in phases),
        sum(p["nps"]["detractors"] for p in phases),
    )
    return {
        "journey": {"id": journey.id, "name": journey.name},
        "filters": {
            ("from" if key == "from_" else key): str(value) for key, value in filters.items()
        },
        "phases": phases,
        # The map draws these as its steps, left to right, and the others apart from them.
        "funnel": funnel,
        "outside": [phase for phase in phases if not phase["in_funnel"]],
        "priorities": ranked,
        # Not ranked although something may be at stake: the last phase, too few answers, or
        # answers without an NPS question (the API's reason says which).
        "unranked": [phase for phase in phases if unranked(phase)],
        "personas": persona_rows,
        "totals": {
            "responses": sum(p["n"] for p in phases),
            "nps": nps.summary(total),
            "reached_first": funnel[0]["conversion"]["reached"] if funnel else 0,
        },
    }
