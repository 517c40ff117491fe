"""Net Promoter Score maths: categories, score, confidence interval, change test.

Pure functions on counts, so the pipeline, the rollups and the dashboard share one
definition. Imports no Flask (see DESIGN.md, dependency rules).
"""

import math
from dataclasses import dataclass

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"

# Two-sided 95 % normal quantile.
Z95 = 1.96


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


def mean_ci95(total: float, total_sq: float, n: int) -> tuple[float, float] | None:
    """Normal 95 % interval of a mean from its sum and sum of squares; 3 decimals."""
    if n < 2:
        return None
    mean = total / n
    # Sample variance from sums; max(0) absorbs cancellation when all values are equal.
    var = max(0.0, (total_sq - total * total / n) / (n - 1))
    half = Z95 * math.sqrt(var / n)
    return round(mean - half, 3) + 0.0, round(mean + half, 3) + 0.0
