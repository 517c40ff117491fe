"""The journey map: the API's per-phase figures plus what a marketer needs to read them.

Everything comes from rollups (a constant number of grouped queries per page), so the map
costs the same at a thousand answers as at a million. The phase figures are exactly
stats.journey_stats, so the map and GET /api/v1/journeys/<id>/stats always agree.
"""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, Journey, Persona, Rollup
from app.pipeline import nps
from app.services import dwell, journeys, stats
from app.services.stats import _filters as rollup_conditions  # the API's own filter semantics

_SQ_COUNTERS = (
    "responses",
    "promoters",
    "passives",
    "detractors",
    "csat_sum",
    "csat_sq",
    "csat_n",
    "ces_sum",
    "ces_sq",
    "ces_n",
    "sentiment_sum",
    "sentiment_sq",
    "sentiment_n",
)

# A gap between belief and measurement worth shouting about, when intervals are unknown.
GAP_THRESHOLD = {"nps": 10.0, "csat": 0.3, "conversion": 0.1}


def journey_choices(brand: Brand) -> list[tuple[int, str]]:
    """(id, name) of the brand's journeys, for the journey picker: no phases loaded."""
    rows = db.session.execute(
        select(Journey.id, Journey.name).where(Journey.brand_id == brand.id).order_by(Journey.id)
    )
    return [(row.id, row.name) for row in rows]


def persona_choices(brand: Brand) -> list[Persona]:
    return journeys.list_personas(brand)


def _touchpoint_sums(brand, phase_ids, filters, persona_id) -> dict[tuple[int, int], dict]:
    columns = [
        func.coalesce(func.sum(getattr(Rollup, name)), 0).label(name) for name in _SQ_COUNTERS
    ]
    rows = db.session.execute(
        select(Rollup.phase_id, Rollup.touchpoint_id, *columns)
        .where(*rollup_conditions(Rollup, brand, phase_ids, filters, persona_id))
        .group_by(Rollup.phase_id, Rollup.touchpoint_id)
    )
    return {(row.phase_id, row.touchpoint_id): row._asdict() for row in rows}


def _persona_nps(brand, phase_ids, filters) -> dict[tuple[int, int], nps.NpsCounts]:
    """NPS counts per phase × persona, under every filter but the persona one."""
    rows = db.session.execute(
        select(
            Rollup.phase_id,
            Rollup.persona_id,
            func.sum(Rollup.promoters),
            func.sum(Rollup.passives),
            func.sum(Rollup.detractors),
        )
        .where(*rollup_conditions(Rollup, brand, phase_ids, filters, None))
        .group_by(Rollup.phase_id, Rollup.persona_id)
    )
    return {(p, persona): nps.NpsCounts(int(a), int(b), int(c)) for p, persona, a, b, c in rows}


def _mean_interval(sums: dict, name: str) -> list[float] | None:
    interval = nps.mean_ci95(
        sums.get(f"{name}_sum", 0), sums.get(f"{name}_sq", 0), int(sums.get(f"{name}_n", 0))
    )
    return list(interval) if interval else None


def _gap(metric: str, hypothesis, measured, interval) -> dict | None:
    """Measured minus believed; `notable` when the belief lies outside the 95 % interval."""
    if hypothesis is None or measured is None:
        return None
    gap = measured - hypothesis
    if interval:
        notable = not interval[0] <= hypothesis <= interval[1]
    else:
        notable = abs(gap) >= GAP_THRESHOLD[metric]
    digits = 1 if metric == "nps" else 2 if metric == "csat" else 3
    return {
        "metric": metric,
        "hypothesis": hypothesis,
        "measured": measured,
        "gap": round(gap, digits),
        "notable": notable,
        "worse": gap < 0,
    }


def _money(value: float) -> str:
    return f"€{value / 1000:.1f}k" if value >= 1000 else f"€{value:.0f}"


def _touchpoint_priorities(phase, figure, sums_by_touchpoint) -> list[dict]:
    """Split the phase's value at stake over its touchpoints by where its detractors answered."""
    conversion, score = figure["conversion"], figure["nps"]
    drop = 1 - conversion["to_next"] if conversion["to_next"] is not None else 1.0
    value = conversion["reached_value"]
    items = []
    for touchpoint in phase.touchpoints:
        sums = sums_by_touchpoint.get((phase.id, touchpoint.id))
        if not sums or not score["n"]:
            continue
        answered = int(sums["promoters"] + sums["passives"] + sums["detractors"])
        detractors = int(sums["detractors"])
        at_stake = drop * value * detractors / score["n"]
        share = detractors / answered if answered else 0.0
        items.append(
            {
                "id": touchpoint.id,
                "name": touchpoint.name,
                "channel": touchpoint.channel,
                "n": answered,
                "detractor_share": round(share, 4),
                "value_at_stake": round(at_stake, 2),
                "reason": (
                    f"{touchpoint.name}: {share:.0%} detractors among {answered} answers, "
                    f"{_money(at_stake)} of the phase's value at stake"
                ),
            }
        )
    return sorted(items, key=lambda item: -item["value_at_stake"])


def build(brand: Brand, journey_id: int, filters: dict) -> dict:
    """The whole journey map for these filters (the same filters as the stats API)."""
    figures = stats.journey_stats(brand, journey_id, filters)
    journey = journeys.get_journey(brand, journey_id)  # already in the session: no new rows
    persona = journeys.persona_by_key(brand, filters.get("persona"))
    persona_id = persona.id if persona else None
    phase_ids = [phase.id for phase in journey.phases]
    touchpoint_sums = _touchpoint_sums(brand, phase_ids, filters, persona_id)
    medians = dwell.medians(brand, phase_ids, filters, persona_id)
    persona_counts = _persona_nps(brand, phase_ids, filters)

    phases = []
    for phase, figure in zip(journey.phases, figures["phases"], strict=True):
        sums: dict = {}
        for (phase_id, _), row in touchpoint_sums.items():
            if phase_id == phase.id:
                for name in _SQ_COUNTERS:
                    sums[name] = sums.get(name, 0) + row[name]
        hypothesis = phase.hypothesis or {}
        time = medians.get(phase.id, {"median_days": None, "n": 0})
        stuck = (
            phase.expected_days is not None
            and time["median_days"] is not None
            and time["median_days"] > phase.expected_days
        )
        gaps = [
            _gap("nps", hypothesis.get("nps"), figure["nps"]["score"], figure["nps"]["ci95"]),
            _gap(
                "csat", hypothesis.get("csat"), figure["csat"]["mean"], _mean_interval(sums, "csat")
            ),
            _gap("conversion", hypothesis.get("conversion"), figure["conversion"]["to_next"], None),
        ]
        phases.append(
            {
                **figure,
                "id": phase.id,
                "key": phase.key,
                "expected_days": phase.expected_days,
                "csat_ci95": _mean_interval(sums, "csat"),
                "ces_ci95": _mean_interval(sums, "ces"),
                "sentiment_ci95": _mean_interval(sums, "sentiment"),
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

    ranked = sorted(
        (phase for phase in phases if phase["priority"]["rank"]),
        key=lambda p: p["priority"]["rank"],
    )
    total = nps.NpsCounts(
        sum(p["nps"]["promoters"] for p in phases),
        sum(p["nps"]["passives"] for p in phases),
        sum(p["nps"]["detractors"] for p in phases),
    )
    return {
        "journey": {"id": journey.id, "name": journey.name},
        "filters": figures["filters"],
        "phases": phases,
        "priorities": ranked,
        "personas": persona_rows,
        "totals": {
            "responses": sum(p["n"] for p in phases),
            "nps": nps.summary(total),
            "reached_first": phases[0]["conversion"]["reached"] if phases else 0,
        },
    }
