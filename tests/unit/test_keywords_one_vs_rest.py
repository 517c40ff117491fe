"""What detractors and promoters say: each side against everyone else who wrote, honestly tested.

The audit's worst phase had 132 written detractor answers and 14 promoter answers: compared with
the promoters alone, no complaint could ever be significant ("kwam": 19 of 132 against 0 of 14,
z = 1.10), so the phase to fix first showed no complaint themes at all.
"""

import random
from collections import Counter

import pytest

from app.services import keywords

# The audit's shape: many detractors, a handful of promoters, the passives in between.
DETRACTORS = ["monteur kwam niet opdagen"] * 19 + ["het duurde lang"] * 113
PASSIVES = ["het duurde lang"] * 30 + ["prima"] * 28
PROMOTERS = ["snel geholpen, prima"] * 12 + ["prima"] * 2


def terms_of(result, side):
    return [item["term"] for item in result[side]]


def listed_with(result, side, word):
    """The listed term holding the word, alone or in a phrase ("monteur kwam")."""
    return next((item for item in result[side] if word in item["term"].split()), None)


def test_detractor_words_are_tested_against_passives_and_promoters_together():
    result = keywords.contrast(DETRACTORS, PROMOTERS, PASSIVES)
    kwam = listed_with(result, "detractors", "kwam")
    assert kwam is not None
    assert (kwam["count"], kwam["others"]) == (19, 0)  # 19 of 132 against 0 of the 72 others
    assert kwam["share"] == pytest.approx(19 / 132, abs=0.001)
    assert kwam["q"] <= keywords.FDR
    assert result["documents"] == {"detractors": 132, "passives": 58, "promoters": 14}
    assert result["others"] == {"detractors": 72, "promoters": 190}
    assert result["comparable"] == {"detractors": True, "promoters": True}


def test_promoter_words_are_tested_against_detractors_and_passives_together():
    result = keywords.contrast(DETRACTORS, PROMOTERS, PASSIVES)
    promoter_terms = terms_of(result, "promoters")
    assert listed_with(result, "promoters", "snel")
    # "prima" is said by passives as often as by promoters: it does not set promoters apart
    assert "prima" not in promoter_terms
    # a side's words are the ones it uses more than the rest, never the other side's
    assert not set(promoter_terms) & {"kwam", "duurde", "lang"}


def _noise(rng, vocabulary, answers):
    return [" ".join(rng.sample(vocabulary, 5)) for _ in range(answers)]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_words_said_alike_by_everyone_are_never_listed(seed):
    """Hundreds of words are tested at once: tested one by one at 5 %, chance alone lists a
    dozen. The false discovery rate correction keeps chance off the page."""
    rng = random.Random(seed)
    vocabulary = [f"w{a}{b}{c}" for a in "klmnop" for b in "aeiou" for c in "rstvz"]
    texts = {side: _noise(rng, vocabulary, 200) for side in ("d", "pa", "pr")}
    result = keywords.contrast(texts["d"], texts["pr"], texts["pa"])
    assert result["detractors"] == result["promoters"] == []
    # ...while the same test without the correction would have listed some
    said = Counter(term for text in texts["d"] for term in keywords.terms(text))
    everyone = Counter(
        term for side in texts.values() for text in side for term in keywords.terms(text)
    )
    raw = [keywords.upper_tail(said[term], 600, n, 200) for term, n in everyone.items()]
    assert sum(p < 0.05 for p in raw) >= 2


def test_the_upper_tail_is_fisher_exact():
    # 8 answers use the term, all 8 of them among the side's 10 of 20: C(10, 8) / C(20, 8)
    assert keywords.upper_tail(8, 20, 8, 10) == pytest.approx(45 / 125970)
    assert keywords.upper_tail(0, 20, 8, 10) == 1.0
    assert keywords.upper_tail(3, 20, 3, 10) == pytest.approx(120 / 1140)


def test_a_side_with_too_few_written_answers_is_not_compared_but_the_other_is():
    result = keywords.contrast(DETRACTORS, PROMOTERS[:5], PASSIVES)
    assert result["comparable"] == {"detractors": True, "promoters": False}
    assert result["promoters"] == []
    assert listed_with(result, "detractors", "kwam")


def test_when_nothing_is_significant_the_most_frequent_words_are_kept_apart():
    """The page may name them, labelled as frequent only, never as a tested difference."""
    detractors = ["tegels kapot", "tegels scheef", "monteur laat", "tegels ok"] * 3
    others = ["tegels mooi", "monteur laat", "tegels prima", "netjes"] * 5
    result = keywords.contrast(detractors, others[:10], others[10:])
    assert result["detractors"] == []
    assert result["comparable"]["detractors"] is True
    frequent = result["frequent"]["detractors"]
    assert frequent[0] == {"term": "tegels", "count": 9, "share": 0.75}
    assert len(frequent) <= keywords.FREQUENT


def test_a_full_sample_is_read_fast_enough_for_a_page():
    import time

    rng = random.Random(7)
    vocabulary = [
        f"w{a}{b}{c}{d}" for a in "klmnop" for b in "aeiou" for c in "rstvz" for d in "aei"
    ]
    texts = [_noise(rng, vocabulary, keywords.SAMPLE) for _ in range(3)]
    started = time.perf_counter()
    keywords.contrast(*texts)
    assert time.perf_counter() - started < 2.0
