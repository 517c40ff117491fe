import random
from collections import Counter

import pytest

from app.demo import corpus

PHASE_KEYS = [phase["key"] for phase in corpus.PHASES]


def test_journey_has_the_seven_phases_in_order():
    assert PHASE_KEYS == [
        "behoefte",
        "orientatie",
        "offerte",
        "aankoop",
        "levering",
        "gebruik",
        "evaluatie",
    ]
    assert [phase["position"] for phase in corpus.PHASES] == list(range(1, 8))
    names = {phase["key"]: phase["name"] for phase in corpus.PHASES}
    assert names["orientatie"] == {"nl": "Oriëntatie", "en": "Orientation"}
    assert names["levering"]["nl"] == "Levering & montage"
    for phase in corpus.PHASES:
        assert phase["name"]["nl"] and phase["name"]["en"]


def test_hypotheses_are_on_their_scales_and_optimistic_about_delivery():
    for phase in corpus.PHASES:
        hypothesis = phase["hypothesis"]
        assert -100 <= hypothesis["nps"] <= 100
        assert 1 <= hypothesis["csat"] <= 5
        if "conversion" in hypothesis:
            assert 0 <= hypothesis["conversion"] <= 1
    # The last phase has no next phase to convert to.
    assert "conversion" not in corpus.PHASES[-1]["hypothesis"]
    belief = {phase["key"]: phase["hypothesis"]["nps"] for phase in corpus.PHASES}
    assert belief["levering"] == max(belief.values())


@pytest.mark.parametrize("phase_key", PHASE_KEYS)
def test_every_phase_tone_and_locale_has_twelve_unique_texts(phase_key):
    assert set(corpus.TEXTS[phase_key]) == set(corpus.TONES)
    for tone in corpus.TONES:
        assert set(corpus.TEXTS[phase_key][tone]) == set(corpus.LOCALES)
        for locale in corpus.LOCALES:
            texts = corpus.TEXTS[phase_key][tone][locale]
            assert len(texts) >= 12, (phase_key, tone, locale)
            assert len(set(texts)) == len(texts), (phase_key, tone, locale)
            assert all(text == text.strip() and 3 <= len(text) <= 200 for text in texts)


def test_no_text_is_reused_across_phases_or_tones():
    counts = Counter(
        text
        for by_tone in corpus.TEXTS.values()
        for by_locale in by_tone.values()
        for texts in by_locale.values()
        for text in texts
    )
    assert [text for text, count in counts.items() if count > 1] == []


def test_delivery_carries_notably_more_negative_material():
    for locale in corpus.LOCALES:
        negative = {key: len(corpus.TEXTS[key]["negative"][locale]) for key in PHASE_KEYS}
        others = max(count for key, count in negative.items() if key != "levering")
        assert negative["levering"] >= 2 * others
        levering = corpus.TEXTS["levering"]
        assert len(levering["negative"][locale]) > len(levering["positive"][locale])


@pytest.mark.parametrize(
    ("locale", "words"),
    [("nl", ["lek", "tegels", "te laat"]), ("en", ["leak", "tiles", "late"])],
)
def test_delivery_complaints_tell_the_demo_story(locale, words):
    complaints = " ".join(corpus.TEXTS["levering"]["negative"][locale]).lower()
    for word in words:
        assert word in complaints


def test_display_names_are_unique_and_look_like_first_name_and_initial():
    assert set(corpus.NAMES) == {"nl", "en"}
    everyone = corpus.NAMES["nl"] + corpus.NAMES["en"]
    assert len(set(everyone)) == len(everyone)
    for locale in ("nl", "en"):
        assert len(corpus.NAMES[locale]) >= 20
    for name in everyone:
        first, initial = name.split(" ")
        assert first.istitle() and len(initial) == 2 and initial.endswith(".")


def test_questions_exist_for_every_phase_kind_and_locale():
    assert set(corpus.QUESTIONS) == set(PHASE_KEYS)
    for phase_key in PHASE_KEYS:
        assert set(corpus.QUESTIONS[phase_key]) == {"nps", "text", "csat"}
        for kind in ("nps", "text", "csat"):
            for locale in ("nl", "en"):
                question = corpus.QUESTIONS[phase_key][kind][locale]
                assert question.strip() and question.endswith(("?", ".")), (phase_key, kind)
        assert corpus.QUESTIONS[phase_key]["nps"]["nl"] != corpus.QUESTIONS[phase_key]["nps"]["en"]


def test_pick_text_is_reproducible_with_a_seeded_rng():
    first = [corpus.pick_text(random.Random(7), "levering", "negative", "nl") for _ in range(3)]
    assert len(set(first)) == 1
    assert first[0] in corpus.TEXTS["levering"]["negative"]["nl"]
    rng = random.Random(1)
    picks = {corpus.pick_text(rng, "gebruik", "positive", "en") for _ in range(200)}
    assert picks == set(corpus.TEXTS["gebruik"]["positive"]["en"])


@pytest.mark.parametrize(
    "args",
    [("delivery", "negative", "nl"), ("levering", "angry", "nl"), ("levering", "negative", "de")],
)
def test_pick_text_rejects_unknown_keys(args):
    with pytest.raises(ValueError):
        corpus.pick_text(random.Random(0), *args)
