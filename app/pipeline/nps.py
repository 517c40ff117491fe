"""Net Promoter Score maths: categories, score, confidence interval, change test.

Pure functions on counts, so the pipeline, the rollups and the dashboard share one
definition. Imports no Flask (see DESIGN.md, dependency rules).
"""

import math
from dataclasses import dataclass

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"

# Two-sided 95 % normal quantile.
Z95 = 1.96

# The answer scales (a survey's question types) and the polarity's: where a mean can lie.
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
MEAN_SCALES = {"csat": SCALES["csat"], "ces": SCALES["ces"], "sentiment": (-1.0, 1.0)}


def category(score: int | None) -> str | None:
    """Category of one 0-10 answer: 9-10 promoter, 7-8 passive, 0-6 detractor; None stays None."""
    if score is None:
        return None
    # bool is an int subclass, but True as a score is a bug upstream, not a 1.
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"NPS score must be an integer 0..10, got {score!r}")
    if not 0 <= score <= 10:
        raise ValueError(f"NPS score must be between 0 and 10, got {score}")
    if score >= 9:
        return PROMOTER
    if score >= 7:
        return PASSIVE
    return DETRACTOR


def _count(name: str, value: object) -> int:
    # Database SUMs arrive as int, Decimal or float; accept any whole, non-negative number.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    try:
        whole = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if whole != value:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if whole < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return whole


@dataclass(frozen=True)
class NpsCounts:
    """How many promoters, passives and detractors a group of answers holds."""

    promoters: int
    passives: int
    detractors: int

    def __post_init__(self) -> None:
        for name in ("promoters", "passives", "detractors"):
            object.__setattr__(self, name, _count(name, getattr(self, name)))

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors


def nps_score(c: NpsCounts) -> float | None:
    """100 * (promoters - detractors) / n, rounded half away from zero to one decimal."""
    if c.n == 0:
        return None
    # Integer arithmetic so 12.25-style halves round the same way on every platform.
    tenths = 1000 * (c.promoters - c.detractors)
    rounded = (2 * abs(tenths) + c.n) // (2 * c.n)
    return math.copysign(rounded, tenths) / 10 if rounded else 0.0


def _proportions(c: NpsCounts) -> tuple[float, float]:
    return c.promoters / c.n, c.detractors / c.n


def _variance(p: float, d: float) -> float:
    # Per-respondent variance of a +1/0/-1 score; max(0) absorbs float rounding below zero.
    return max(0.0, p + d - (p - d) ** 2)


def _adjusted(c: NpsCounts) -> tuple[float, float, int]:
    """Adjusted-Wald centre, variance and effective n (Rocks 2016): +3/4 P, +3/4 D, +3 n."""
    n_adj = c.n + 3
    p = (c.promoters + 0.75) / n_adj
    d = (c.detractors + 0.75) / n_adj
    return p - d, _variance(p, d), n_adj


def _clip(x: float) -> float:
    return min(100.0, max(-100.0, x))


def _one_decimal(x: float) -> float:
    return round(x, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def ci95(c: NpsCounts) -> tuple[float, float] | None:
    """95 % interval of the NPS by the Adjusted-Wald method (Rocks 2016), on -100..100."""
    if c.n == 0:
        return None
    centre, var, n_adj = _adjusted(c)
    half = Z95 * math.sqrt(var / n_adj)
    lo = _clip(100 * (centre - half))
    hi = _clip(100 * (centre + half))
    return _one_decimal(lo), _one_decimal(hi)


@dataclass(frozen=True)
class NpsChange:
    """Result of comparing two periods: delta in NPS points, z statistic, two-sided p."""

    delta: float
    z: float
    p_value: float
    significant: bool


def _sampling_variance(c: NpsCounts) -> float:
    """Variance of the NPS proportion difference; Adjusted-Wald when the plain one is 0."""
    p, d = _proportions(c)
    var = _variance(p, d)
    if var > 0:
        return var / c.n
    # All answers in one category: plain variance 0 would make z infinite.
    _, var_adj, n_adj = _adjusted(c)
    return var_adj / n_adj


# Answers a period (or a group) needs before a change is tested or a figure is ranked: below
# it the normal approximation of the z-test is poor, and one answer could "change" NPS by 85.
MIN_ANSWERS = 30


def change(before: NpsCounts, after: NpsCounts, alpha: float = 0.05) -> NpsChange | None:
    """Two-sample z-test on the difference of two NPS values (independent periods)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if before.n == 0 or after.n == 0:
        return None
    pa, da = _proportions(before)
    pb, db = _proportions(after)
    diff = (pb - db) - (pa - da)
    se = math.sqrt(_sampling_variance(before) + _sampling_variance(after))
    z = diff / se
    p_value = min(1.0, math.erfc(abs(z) / math.sqrt(2)))
    # delta is the difference of the two displayed scores, so the dashboard arithmetic adds up.
    delta = _one_decimal(nps_score(after) - nps_score(before))
    return NpsChange(delta=delta, z=z + 0.0, p_value=p_value, significant=p_value < alpha)


def summary(c: NpsCounts) -> dict:
    """The CONTRACT's "nps" object: score, counts, n and ci95 as [lo, hi] or None."""
    interval = ci95(c)
    return {
        "score": nps_score(c),
        "promoters": c.promoters,
        "passives": c.passives,
        "detractors": c.detractors,
        "n": c.n,
        "ci95": list(interval) if interval is not None else None,
    }


# Student's t, two-sided 95 %, for 1..30 degrees of freedom: three answers spread 3..5 give
# an interval 2.2 wide at z = 1.96 and 4.8 wide at t = 4.303, which is what they support.
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
       2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
       2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


def t95(df: int) -> float:
    """The two-sided 95 % quantile of Student's t; beyond the table, its Cornish-Fisher
    expansion around the normal quantile (within 0.001 of the exact value from df 31)."""
    if df <= len(T95):
        return T95[df - 1]
    z = Z95
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci95(
    total: float, total_sq: float, n: int, bounds: tuple[float, float] | None = None
) -> tuple[float, float] | None:
    """The t-based 95 % interval of a mean from its sum and sum of squares; 3 decimals, kept
    within `bounds` (the scale: a mean of 1..5 answers is never below 1 or above 5)."""
    if n < 2:
        return None
    mean = total / n
    # Sample variance from sums; max(0) absorbs cancellation when all values are equal.
    var = max(0.0, (total_sq - total * total / n) / (n - 1))
    half = t95(n - 1) * math.sqrt(var / n)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return round(low, 3) + 0.0, round(high, 3) + 0.0


def mean_interval(sums: dict, name: str) -> list[float] | None:
    """The interval of a rollup's mean `name` from its `<name>_sum`, `_sq` and `_n`, within
    the scale of its answers; None below two answers."""
    interval = mean_ci95(
        sums.get(f"{name}_sum", 0),
        sums.get(f"{name}_sq", 0),
        int(sums.get(f"{name}_n", 0)),
        MEAN_SCALES.get(name),
    )
    return list(interval) if interval else None
