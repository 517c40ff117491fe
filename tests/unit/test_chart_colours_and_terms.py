"""Chart details a user notices: emotion colours that can be seen, and what an empty word list
means."""

import re

import pytest

from app.dashboard import charts

CHART_BACKGROUND = "#ffffff"  # charts sit on cards (app.css --card)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_does():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#a7aaad", "#ffffff") == pytest.approx(2.33, abs=0.01)  # the audit's figure


@pytest.mark.parametrize("emotion", sorted(charts.EMOTION_COLOURS))
def test_every_emotion_colour_has_3_to_1_contrast_with_the_chart(emotion):
    """WCAG 1.4.11: a bar segment is a graphical object; neutral (2.33:1) and disappointed
    (2.74:1) were too light to see against the card."""
    assert contrast(charts.EMOTION_COLOURS[emotion], CHART_BACKGROUND) >= 3


def test_emotion_colours_stay_apart_from_each_other():
    colours = list(charts.EMOTION_COLOURS.values())
    assert len(set(colours)) == len(colours)
    # next to each other in the bar, a white gap keeps neighbours with close lightness apart
    bar = str(charts.emotion_bar(dict.fromkeys(charts.EMOTION_COLOURS, 3)))
    assert bar.count('stroke="#fff"') == len(colours)


def test_the_legend_swatches_use_the_chart_colours():
    with open("app/static/dashboard.css", encoding="utf-8") as css:
        styles = css.read()
    for emotion, colour in charts.EMOTION_COLOURS.items():
        assert re.search(rf"\.e-{emotion} \{{ background: {colour}; \}}", styles), emotion


def _terms(detractors=(), comparable=True, frequent=()):
    return {
        "detractors": list(detractors),
        "promoters": [],
        "frequent": {"detractors": list(frequent), "promoters": []},
        "documents": {"detractors": 132, "passives": 58, "promoters": 14},
        "others": {"detractors": 72, "promoters": 190},
        "comparable": {"detractors": comparable, "promoters": False},
        "min_side": 10,
    }


def test_no_significant_word_is_not_called_too_few_answers():
    """132 written complaints said "Not enough written answers yet"."""
    shown = str(charts.term_bars(_terms(), "detractors"))
    assert "Not enough written answers" not in shown and "Too few" not in shown
    assert "No word sets detractors apart significantly" in shown
    assert "from the other 72 written answers" in shown


def test_too_few_answers_says_how_many_there_are_and_are_needed():
    shown = str(charts.term_bars(_terms(), "promoters"))
    assert "Too few written answers to compare" in shown
    assert "14 promoter" in shown and "at least 10" in shown


def test_the_most_frequent_words_are_labelled_as_not_a_tested_difference():
    frequent = [
        {"term": "kwam", "count": 19, "share": 0.144},
        {"term": "<b>", "count": 3, "share": 0.02},
    ]
    shown = str(charts.term_bars(_terms(frequent=frequent), "detractors"))
    assert "Most frequent" in shown and "not a significant difference" in shown
    assert "kwam (19)" in shown
    assert "<b>" not in shown and "&lt;b&gt;" in shown


def test_listed_words_are_bars_with_their_counts_against_the_others():
    item = {
        "term": "kwam",
        "count": 19,
        "share": 0.144,
        "others": 0,
        "others_share": 0.0,
        "q": 0.01,
    }
    shown = str(charts.term_bars(_terms([item]), "detractors"))
    assert "<rect" in shown and "kwam" in shown
    assert "kwam: 19 answers (14%), against 0% of the other answers" in shown


def test_one_other_answer_is_singular_in_the_terms_notes():
    """ "1 detractor answer and 1 others" and "the other 1 written answers" read wrong."""
    terms = {
        **_terms(comparable=False),
        "documents": {"detractors": 1, "passives": 0, "promoters": 1},
        "others": {"detractors": 1, "promoters": 1},
    }
    too_few = str(charts.term_bars(terms, "detractors"))
    assert "1 detractor answer and 1 other;" in too_few and "1 others" not in too_few
    tested = {**terms, "comparable": {"detractors": True, "promoters": False}}
    none_apart = str(charts.term_bars(tested, "detractors"))
    assert "from the other 1 written answer." in none_apart
