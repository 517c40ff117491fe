"""Time spent in a phase: a histogram per rollup key, so the median needs no raw events.

A customer who reaches the next phase adds one to the bucket of their dwell time; the median
is read back by interpolating inside the bucket that holds the middle customer.
"""

from bisect import bisect_right
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, DwellRollup
from app.models.analytics import DWELL_KEY
from app.services import map_rollup, rollups

# Lower edges in days; the last bucket is open-ended. Fine where stays are short, coarse later.
EDGES_DAYS = (
    0,
    0.5,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    12,
    14,
    16,
    18,
    21,
    24,
    28,
    35,
    42,
    49,
    56,
    70,
    84,
    105,
    130,
    180,
    270,
    365,
    540,
    730,
)


def bucket(hours: float) -> int:
    return max(bisect_right(EDGES_DAYS, max(hours, 0.0) / 24) - 1, 0)


def key(brand_id: int, phase_id: int, day: date, persona_id: int | None, hours: float) -> tuple:
    """The rollup row of a customer who spent `hours` in the phase first reached on `day`."""
    return (brand_id, phase_id, day, persona_id or 0, bucket(hours))


def add_many(counts: dict[tuple, int]) -> None:
    """Add customers to rollup rows ({key(…): how many}) in one statement."""
    rollups.upsert(DwellRollup, DWELL_KEY, {k: {"customers": n} for k, n in counts.items()})


def median_days(histogram: dict[int, int]) -> float | None:
    """The median of a bucket histogram, interpolated linearly inside its bucket."""
    return median(histogram)[0]


def median(histogram: dict[int, int]) -> tuple[float | None, bool]:
    """(median days, whether that is only a lower bound): inside the open last bucket the
    median is somewhere at or past its lower edge, so it reads as "730+", never as 730."""
    days, at_least, _low = median_bucket(histogram)
    return days, at_least


def median_bucket(histogram: dict[int, int]) -> tuple[float | None, bool, float | None]:
    """The median, whether it is a lower bound, and the least it can be whatever the stays
    inside the buckets were (their lower edges).

    Inside a bucket the customers are spread evenly from its lower edge: one customer sits on
    the edge, not in the middle (events sent as dates make whole days, so a stay of exactly 3
    days read as 3.5 and was flagged "stuck" against 3). An even count takes the mean of the
    two middle customers, as any median does: stays of 4 and 6 days are 5, not 4.5."""
    total = sum(histogram.values())
    if not total:
        return None, False, None
    middle = sorted({(total + 1) // 2, total // 2 + 1})  # one rank if odd, two if even
    found = [_at_rank(histogram, rank) for rank in middle]
    days = sum(days for days, _, _ in found) / len(found)
    lowest = sum(low for _, _, low in found) / len(found)
    return round(days, 1), any(open_ for _, open_, _ in found), lowest


def _at_rank(histogram: dict[int, int], rank: int) -> tuple[float, bool, float]:
    """(days, in the open last bucket, the bucket's lower edge) of the rank-th shortest stay."""
    seen = 0
    for index in sorted(histogram):
        count = histogram[index]
        if count and seen + count >= rank:
            low = float(EDGES_DAYS[index])
            if index + 1 >= len(EDGES_DAYS):
                return low, True, low
            high = EDGES_DAYS[index + 1]
            return low + (high - low) * (rank - seen - 1) / count, False, low
        seen += count
    raise ValueError(f"no stay of rank {rank}")  # pragma: no cover - ranks are within total


def medians(
    brand: Brand, phase_ids: list[int], filters: dict, persona_id: int | None
) -> dict[int, dict]:
    """{phase_id: {"median_days", "at_least", "n", "lowest"}} for the period and persona
    filters (by day reached); "lowest" is the least the median can be (its bucket's edge)."""
    # The map's filters; dwell has no channel, touchpoint or locale, so those leave it whole.
    conditions = map_rollup.conditions(DwellRollup, brand, phase_ids, filters, persona_id)
    rows = db.session.execute(
        select(DwellRollup.phase_id, DwellRollup.bucket, func.sum(DwellRollup.customers))
        .where(*conditions)
        .group_by(DwellRollup.phase_id, DwellRollup.bucket)
    )
    histograms: dict[int, dict[int, int]] = {}
    for phase_id, index, count in rows:
        histograms.setdefault(phase_id, {})[index] = int(count)
    found = {}
    for phase_id, histogram in histograms.items():
        days, at_least, low = median_bucket(histogram)
        found[phase_id] = {
            "median_days": days,
            "at_least": at_least,
            "n": sum(histogram.values()),
            "lowest": low,
        }
    return found
