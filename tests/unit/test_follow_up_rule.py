"""Which answers need a follow-up: a detractor, a CSAT of 1 or 2, an effort of 6 or 7 (CES 1-7,
lower is easier), or a written answer whose sentiment is negative."""

import pytest

from app.pipeline import nps
from app.services.follow_up import needs_follow_up, reasons


@pytest.mark.parametrize(("score", "flagged"), [(0, True), (6, True), (7, False), (10, False)])
def test_an_nps_detractor_needs_a_follow_up_a_passive_does_not(score, flagged):
    assert needs_follow_up(nps_category=nps.category(score)) is flagged
    assert reasons(nps_category=nps.category(score)) == (["detractor"] if flagged else [])


@pytest.mark.parametrize(("csat", "flagged"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_csat_of_one_or_two_needs_a_follow_up(csat, flagged):
    assert reasons(csat=csat) == (["low_csat"] if flagged else [])


@pytest.mark.parametrize(
    ("ces", "flagged"), [(1, False), (2, False), (5, False), (6, True), (7, True)]
)
def test_a_high_effort_needs_a_follow_up_a_low_one_does_not(ces, flagged):
    assert reasons(ces=ces) == (["high_effort"] if flagged else [])


def test_a_negative_written_answer_needs_a_follow_up():
    assert reasons(sentiment_label="negative", comment="Te laat en beschadigd") == ["negative_text"]
    for label in ("neutral", "positive", None):
        assert reasons(sentiment_label=label, comment="Prima") == []


def test_a_negative_label_without_a_written_answer_is_not_a_trigger():
    assert reasons(sentiment_label="negative", comment=None) == []
    assert reasons(sentiment_label="negative", comment="  \n") == []


def test_nothing_answered_or_only_good_scores_needs_nothing():
    assert reasons() == []
    assert not needs_follow_up(
        nps_category=nps.category(9), csat=4, ces=3, sentiment_label="positive", comment="Top"
    )


def test_every_trigger_is_named_at_once():
    assert reasons(nps.DETRACTOR, 1, 7, "negative", "Slecht") == [
        "detractor",
        "low_csat",
        "high_effort",
        "negative_text",
    ]


@pytest.mark.parametrize(("csat", "ces"), [(True, "7"), ("1", 6.0), (1.0, 7.0), (2.5, 6.5)])
def test_a_value_that_is_no_whole_score_is_no_trigger(csat, ces):
    """True is 1 to Python; a score of another type is a bug upstream, never a low CSAT."""
    assert reasons(csat=csat, ces=ces) == []
