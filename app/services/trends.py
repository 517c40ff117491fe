"""A phase's NPS, CSAT and sentiment by week or month, with intervals and change tests.

Read from the daily rollups and folded into weeks or months here, so the same SQL runs on
SQLite and PostgreSQL and the cost grows with days, not with answers. A change between two
periods is flagged only when the two-period test says so (p < 0.05): NPS by the foundation's
test (app.pipeline.nps.change), means by a two-sample z-test on their sums and squares.
"""

import math
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, Phase
from app.models.rollup import SCORE_COUNTERS
from app.pipeline import nps
from app.services import brand_days, map_rollup

GRAINS = ("week", "month")
# Without a start date a trend shows this many periods back from the last day.
DEFAULT_SPAN = {"week": 26, "month": 18}


def period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_start(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _label(start: date, grain: str) -> str:
    if grain == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


def mean_change(before: dict, after: dict, name: str, alpha: float = 0.05) -> dict | None:
    """Two-sample z-test on two means given their sums, sums of squares and counts."""
    n1, n2 = int(before.get(f"{name}_n", 0)), int(after.get(f"{name}_n", 0))
    if min(n1, n2) < nps.MIN_ANSWERS:  # too few to test: no change is claimed
        return None
    m1, m2 = before[f"{name}_sum"] / n1, after[f"{name}_sum"] / n2
    v1 = max(0.0, (before[f"{name}_sq"] - before[f"{name}_sum"] ** 2 / n1) / (n1 - 1))
    v2 = max(0.0, (after[f"{name}_sq"] - after[f"{name}_sum"] ** 2 / n2) / (n2 - 1))
    se = math.sqrt(v1 / n1 + v2 / n2)
    if se == 0:
        return {
            "delta": round(m2 - m1, 3),
            "p_value": 1.0 if m1 == m2 else 0.0,
            "significant": m1 != m2,
        }
    z = (m2 - m1) / se
    p_value = min(1.0, math.erfc(abs(z) / math.sqrt(2)))
    return {"delta": round(m2 - m1, 3), "p_value": p_value, "significant": p_value < alpha}


def _mean(sums: dict, name: str) -> dict:
    n = int(sums.get(f"{name}_n", 0))
    return {
        "mean": round(sums[f"{name}_sum"] / n, 3) if n else None,
        # what the page shows to two decimals (stats._mean: no rounding twice)
        "unrounded": round(sums[f"{name}_sum"] / n, 9) if n else None,
        "n": n,
        "ci95": nps.mean_interval(sums, name),
    }


def _counts(sums: dict) -> nps.NpsCounts:
    return nps.NpsCounts(
        int(sums.get("promoters", 0)), int(sums.get("passives", 0)), int(sums.get("detractors", 0))
    )


def series(
    brand: Brand, phase: Phase, filters: dict, persona_id: int | None, grain: str = "week"
) -> dict:
    """{"grain", "periods": [{"start", "end", "partial", "label", "n", "nps", "csat",
    "sentiment", "changes"}]}: start and end are the days the filters leave of the period."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    table = map_rollup.source_for(filters)
    conditions = map_rollup.conditions(table, brand, [phase.id], filters, persona_id)
    if not filters.get("from_"):
        last = db.session.scalar(select(func.max(table.day)).where(*conditions))
        if last is None:
            return {"grain": grain, "periods": []}
        start = period_start(last, grain)
        for _ in range(DEFAULT_SPAN[grain] - 1):
            start = period_start(start - timedelta(days=1), grain)
        conditions.append(table.day >= start)
    columns = [
        func.coalesce(func.sum(getattr(table, name)), 0).label(name) for name in SCORE_COUNTERS
    ]
    rows = db.session.execute(
        select(table.day, *columns).where(*conditions).group_by(table.day).order_by(table.day)
    )
    buckets: dict[date, dict] = {}
    for row in rows:
        day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
        bucket = buckets.setdefault(period_start(day, grain), dict.fromkeys(SCORE_COUNTERS, 0))
        for name in SCORE_COUNTERS:
            bucket[name] += row._mapping[name]
    periods = []
    previous = None
    today = brand_days.today(brand)
    if buckets:
        start, last = min(buckets), max(buckets)
        while start <= last:  # empty periods stay in the series, so gaps are visible
            sums = buckets.get(start, dict.fromkeys(SCORE_COUNTERS, 0))
            counts = _counts(sums)
            changes = {}
            if previous is not None:
                before = _counts(previous)
                tested = min(before.n, counts.n) >= nps.MIN_ANSWERS  # else no change is claimed
                nps_change = nps.change(before, counts) if tested else None
                changes = {
                    "nps": {
                        "delta": nps_change.delta,
                        "p_value": nps_change.p_value,
                        "significant": nps_change.significant,
                    }
                    if nps_change
                    else None,
                    "csat": mean_change(previous, sums, "csat"),
                    "sentiment": mean_change(previous, sums, "sentiment"),
                }
            # A week or month the period cuts (from a Wednesday, or a 30-day preset) shows the
            # days it holds, and says it holds only those: its label names the whole. So does
            # the week or month under way, which ends today however the period is chosen.
            end = _next_start(start, grain) - timedelta(days=1)
            shown_start = max(start, filters.get("from_") or start)
            shown_end = min(end, filters.get("to") or end, max(today, start))
            periods.append(
                {
                    "start": shown_start,
                    "end": shown_end,
                    "partial": (shown_start, shown_end) != (start, end),
                    "label": _label(start, grain),
                    "n": int(sums["responses"]),
                    "nps": nps.summary(counts),
                    "csat": _mean(sums, "csat"),
                    "ces": _mean(sums, "ces"),
                    "sentiment": _mean(sums, "sentiment"),
                    "changes": changes,
                }
            )
            if counts.n or sums["csat_n"] or sums["sentiment_n"]:
                previous = sums  # an empty period does not reset the comparison
            start = _next_start(start, grain)
    return {"grain": grain, "periods": periods}
