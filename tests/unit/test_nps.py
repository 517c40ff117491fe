import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.pipeline import nps
from app.pipeline.nps import DETRACTOR, PASSIVE, PROMOTER, NpsCounts


@st.composite
def counts(draw, min_n=0, max_n=5000):
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    promoters = draw(st.integers(min_value=0, max_value=n))
    detractors = draw(st.integers(min_value=0, max_value=n - promoters))
    return NpsCounts(promoters, n - promoters - detractors, detractors)


# --- category -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, DETRACTOR),
        (6, DETRACTOR),
        (7, PASSIVE),
        (8, PASSIVE),
        (9, PROMOTER),
        (10, PROMOTER),
    ],
)
def test_category_boundaries(score, expected):
    assert nps.category(score) == expected


def test_category_of_no_answer_is_none():
    assert nps.category(None) is None


@pytest.mark.parametrize("bad", [-1, 11, 3.5, 9.0, True, False, "9"])
def test_category_rejects_values_outside_the_scale(bad):
    with pytest.raises(ValueError):
        nps.category(bad)


# --- counts and score -----------------------------------------------------------------


def test_contract_example_scores_30():
    c = NpsCounts(promoters=5, passives=3, detractors=2)
    assert c.n == 10
    assert nps.nps_score(c) == 30.0


def test_score_rounds_to_one_decimal_half_away_from_zero():
    assert nps.nps_score(NpsCounts(1, 2, 0)) == 33.3
    assert nps.nps_score(NpsCounts(0, 1, 2)) == -66.7
    # 1/8 = 12.5 exactly; 1/16 = 6.25 is a true half and rounds away from zero.
    assert nps.nps_score(NpsCounts(1, 15, 0)) == 6.3
    assert nps.nps_score(NpsCounts(0, 15, 1)) == -6.3


def test_balanced_score_is_positive_zero():
    score = nps.nps_score(NpsCounts(3, 0, 3))
    assert score == 0.0 and math.copysign(1, score) == 1


def test_empty_counts_have_no_score_and_no_interval():
    empty = NpsCounts(0, 0, 0)
    assert nps.nps_score(empty) is None
    assert nps.ci95(empty) is None
    assert nps.summary(empty) == {
        "score": None,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "n": 0,
        "ci95": None,
    }


def test_counts_accept_whole_database_sums_and_reject_nonsense():
    # PostgreSQL SUM(bigint) comes back as Decimal.
    c = NpsCounts(Decimal(5), 3.0, 2)
    assert (c.promoters, c.passives, c.detractors) == (5, 3, 2)
    assert type(c.promoters) is int and type(c.passives) is int
    for bad in [(-1, 0, 0), (1.5, 0, 0), ("3", 0, 0), (True, 0, 0), (None, 0, 0)]:
        with pytest.raises(ValueError):
            NpsCounts(*bad)


# --- interval -------------------------------------------------------------------------


def test_ci95_hand_computed_for_the_contract_example():
    # Adjusted-Wald, 5 promoters / 3 passives / 2 detractors:
    #   n' = 13, p' = 5.75/13 = 0.442308, d' = 2.75/13 = 0.211538, centre = 0.230769
    #   var = p' + d' - (p' - d')^2 = 0.653846 - 0.053254 = 0.600592
    #   se = sqrt(0.600592 / 13) = 0.214940, 1.96 se = 0.421283
    #   -> [-0.190514, 0.652052] -> [-19.1, 65.2]
    assert nps.ci95(NpsCounts(5, 3, 2)) == (-19.1, 65.2)


def test_ci95_is_clipped_and_finite_when_everyone_promotes():
    lo, hi = nps.ci95(NpsCounts(1, 0, 0))
    # n' = 4, p' = 0.4375, d' = 0.1875 -> centre 25, half-width 1.96*sqrt(0.5625/4) -> +-73.5
    assert (lo, hi) == (-48.5, 98.5)
    lo, hi = nps.ci95(NpsCounts(50, 0, 0))
    assert hi == 100.0
    assert 80 < lo < 100


def test_summary_is_the_contract_nps_object():
    assert nps.summary(NpsCounts(5, 3, 2)) == {
        "score": 30.0,
        "promoters": 5,
        "passives": 3,
        "detractors": 2,
        "n": 10,
        "ci95": [-19.1, 65.2],
    }


@given(counts(min_n=1))
def test_score_and_interval_stay_on_the_scale(c):
    score = nps.nps_score(c)
    lo, hi = nps.ci95(c)
    assert -100.0 <= score <= 100.0
    assert -100.0 <= lo <= hi <= 100.0


@given(counts(min_n=2))
def test_score_lies_inside_its_interval(c):
    # Checked exhaustively for n <= 400: the shrunken Adjusted-Wald centre still covers the
    # observed score for every n >= 2. Only n = 1 escapes (see the test below).
    lo, hi = nps.ci95(c)
    assert lo <= nps.nps_score(c) <= hi


def test_single_answer_interval_excludes_its_own_score():
    # With one answer the +3/4 adjustment pulls the centre so far towards 0 that the
    # observed +-100 lies outside the interval; that is the method, not a bug.
    assert nps.ci95(NpsCounts(1, 0, 0)) == (-48.5, 98.5)
    assert nps.ci95(NpsCounts(0, 0, 1)) == (-98.5, 48.5)


@given(counts(min_n=1, max_n=2000))
def test_interval_narrows_with_four_times_the_answers(c):
    lo, hi = nps.ci95(c)
    lo4, hi4 = nps.ci95(NpsCounts(4 * c.promoters, 4 * c.passives, 4 * c.detractors))
    assert hi4 - lo4 < hi - lo


# --- change between periods -----------------------------------------------------------


@given(counts(min_n=1))
def test_identical_periods_show_no_change(c):
    result = nps.change(c, c)
    assert result.delta == 0.0
    assert result.z == 0.0
    assert result.p_value == pytest.approx(1.0)
    assert not result.significant


def test_big_shift_with_many_answers_is_significant():
    before = NpsCounts(200, 100, 200)  # NPS 0
    after = NpsCounts(350, 100, 50)  # NPS 60
    result = nps.change(before, after)
    assert result.delta == 60.0
    assert result.z > 10
    assert result.p_value < 1e-6
    assert result.significant


def test_same_shift_with_few_answers_is_not_significant():
    result = nps.change(NpsCounts(2, 1, 2), NpsCounts(3, 1, 1))
    assert result.delta == 40.0
    assert not result.significant


def test_change_is_finite_when_a_period_has_zero_variance():
    result = nps.change(NpsCounts(20, 0, 0), NpsCounts(0, 0, 20))
    assert result.delta == -200.0
    assert math.isfinite(result.z) and result.z < 0
    assert result.significant


def test_change_needs_answers_in_both_periods():
    assert nps.change(NpsCounts(0, 0, 0), NpsCounts(1, 0, 0)) is None
    assert nps.change(NpsCounts(1, 0, 0), NpsCounts(0, 0, 0)) is None


def test_change_alpha_is_a_probability():
    with pytest.raises(ValueError):
        nps.change(NpsCounts(1, 0, 0), NpsCounts(1, 0, 0), alpha=0)


@given(counts(min_n=1), counts(min_n=1))
def test_change_is_symmetric_in_sign(a, b):
    forward, backward = nps.change(a, b), nps.change(b, a)
    assert forward.delta == -backward.delta
    assert forward.z == pytest.approx(-backward.z)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.significant == backward.significant
    assert 0.0 <= forward.p_value <= 1.0


@given(counts(min_n=1), counts(min_n=1))
def test_change_delta_matches_the_displayed_scores(a, b):
    expected = round(nps.nps_score(b) - nps.nps_score(a), 1)
    assert nps.change(a, b).delta == expected


# --- mean interval (CSAT, sentiment) ---------------------------------------------------


def test_mean_ci95_from_sums():
    values = [4, 5, 3, 4, 5, 4]
    lo, hi = nps.mean_ci95(sum(values), sum(v * v for v in values), len(values))
    # mean 4.1667, sample sd 0.7528, se 0.3073; t(5) = 2.571, so ± 0.7901
    assert (lo, hi) == (3.377, 4.957)


def test_a_mean_interval_stays_on_its_scale_and_widens_for_few_answers():
    """Three CSAT answers 3, 4, 5: "0.31 – 5.02" was printed on a 1–5 scale."""
    three = {"csat_sum": 12, "csat_sq": 50, "csat_n": 3}
    assert nps.mean_interval(three, "csat") == [1.516, 5.0]
    assert nps.mean_interval({"csat_sum": 4, "csat_sq": 16, "csat_n": 1}, "csat") is None
    sentiment = {"sentiment_sum": 0.4, "sentiment_sq": 1.06, "sentiment_n": 2}  # 0.9, -0.5
    assert nps.mean_interval(sentiment, "sentiment") == [-1.0, 1.0]
    # the quantile: the table up to 30, then within 0.001 of the exact value
    assert nps.t95(1) == 12.706 and nps.t95(30) == 2.042
    for df, exact in ((31, 2.0395), (40, 2.0211), (100, 1.9840), (1000, 1.9623)):
        assert abs(nps.t95(df) - exact) < 0.001


@given(
    st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=60),
)
def test_mean_intervals_hold_the_mean_within_the_scale(values):
    sums = {"ces_sum": sum(values), "ces_sq": sum(v * v for v in values), "ces_n": len(values)}
    low, high = nps.mean_interval(sums, "ces")
    mean = sum(values) / len(values)
    assert 1 <= low <= round(mean, 3) <= high <= 7


def test_mean_ci95_needs_two_values_and_survives_equal_values():
    assert nps.mean_ci95(4.0, 16.0, 1) is None
    assert nps.mean_ci95(0.0, 0.0, 0) is None
    assert nps.mean_ci95(0.3 * 3, 0.09 * 3, 3) == (0.3, 0.3)
