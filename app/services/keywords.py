"""Words and phrases that set detractors, or promoters, apart from everyone else who wrote.

Each written answer counts a term once (document frequency). A side (detractors 0-6, promoters
9-10) is compared with all the phase's other written answers, passives included: against the
other side alone, a phase with 132 complaints and 14 promoters could never show a complaint.
Each term gets a one-sided Fisher exact test (is it said by more of this side than chance
would give it?), and the terms of both sides are one family under the Benjamini-Hochberg
procedure, so of all words listed on a page at most FDR are expected to be chance, however
many hundreds were tested. Stop words of Dutch and English are dropped; two-word phrases are
kept when they recur.
"""

import math
import re
from collections import Counter

from sqlalchemy import select

from app.extensions import db
from app.models import Brand, Phase, Response
from app.services import verbatims

# The most recent answers of each score group that are read: enough for stable terms, bounded.
SAMPLE = 600
MIN_DOCS = 2  # answers of its own side that use a term before it is listed there
# Answers needed on a side, and among the others, to compare: below it no word can pass the
# test anyway, and the page says "too few" rather than "nothing stands out".
MIN_SIDE = 10
FDR = 0.05  # the false discovery rate allowed over every term tested on the page
FREQUENT = 5  # the most frequent terms of a side shown, labelled untested, when none is listed
SIDES = ("detractors", "promoters")


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


STOP_WORDS_EN = _words(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even ever every few for from further get got had hadn't
    has hasn't have haven't having he her here hers herself him himself his how i i'd i'll i'm
    i've if in into is isn't it it's its itself just let's me more most much must my myself no
    nor not now of off on once only or other ought our ours ourselves out over own quite rather
    really same she should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they're this those through to too under until up
    us very was wasn't we we're we've were weren't what when where which while who whom why will
    with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
    still yet already one two us ok okay also bit lot lots thing things way well quite get
    """
)

STOP_WORDS_NL = _words(
    """
    aan aangezien achter af al alle alleen allemaal alles als altijd ander andere anders bij
    ben bent binnen boven beetje daar daarna daarom dan dat de deze die dit doch doen door dus
    een eens eigenlijk en enkel enzo er erg even geen gehad geweest ging gaat gewoon had hadden
    heb hebben hebt heeft hem hen het hier hij hoe hun iemand iets ik in is ja je jij jou jouw
    jullie kan kon konden kun kunnen kunt maar me meer men met mij mijn mn moet moeten na naar
    natuurlijk niet niets nog nou nu of om omdat ondanks onder ons onze ook op over te tegen toch
    toen tot u uit uw van veel via voor vooral waar waren was wat we wel werd werden wie wij wil
    willen worden wordt zal ze zei zelf zich zij zijn zo zoals zonder zou zouden zeer best
    wij we hele heel echt helemaal jullie jou dus keer weer hadden daarbij verder alweer elke
    """
)

STOP_WORDS = STOP_WORDS_EN | STOP_WORDS_NL
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [word.replace("’", "'") for word in _WORD.findall(text.lower())]


def terms(text: str) -> set[str]:
    """The distinct words and two-word phrases of one answer, stop words dropped."""
    words = tokens(text)
    found = {word for word in words if len(word) > 2 and word not in STOP_WORDS}
    for first, second in zip(words, words[1:], strict=False):
        if first not in STOP_WORDS and second not in STOP_WORDS and len(first) > 1:
            found.add(f"{first} {second}")
    return found


class _LogFactorials:
    """log(n!) for n up to a size, so each hypergeometric probability is a few additions."""

    def __init__(self, size: int):
        self.values = [0.0] * (size + 1)
        for n in range(2, size + 1):
            self.values[n] = self.values[n - 1] + math.log(n)

    def choose(self, n: int, k: int) -> float:
        return self.values[n] - self.values[k] - self.values[n - k]


def _log_pmf(logs: _LogFactorials, x: int, total: int, with_term: int, side: int) -> float:
    return (
        logs.choose(with_term, x)
        + logs.choose(total - with_term, side - x)
        - logs.choose(total, side)
    )


def upper_tail(
    count: int, total: int, with_term: int, side: int, logs: _LogFactorials | None = None
) -> float:
    """One-sided Fisher exact p: of `total` answers, `with_term` use the term; the chance that
    `count` or more of them fall among the `side` answers of one side, if the side did not
    matter (hypergeometric upper tail)."""
    logs = logs or _LogFactorials(total)
    top = min(with_term, side)
    # no more than expected: cannot set the side apart; 1 is a safe (conservative) p for it
    if count > top or count * total <= with_term * side:
        return 1.0
    term = math.exp(_log_pmf(logs, count, total, with_term, side))
    p, x = term, count
    while x < top:  # past the mode the terms fall fast: stop once they no longer add anything
        term *= (with_term - x) * (side - x) / ((x + 1) * (total - with_term - side + x + 1))
        p += term
        x += 1
        if term < p * 1e-12:
            break
    return min(1.0, p)


def _adjusted(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=p_values.__getitem__)
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = running
    return adjusted


def _phrase_first(term: str) -> tuple[int, str]:
    return -term.count(" "), term


def _pick(candidates: list[dict], top: int) -> list[dict]:
    """The first `top` candidates, minus words already inside a chosen phrase of about the same
    weight (they add nothing)."""
    chosen: list[dict] = []
    for item in candidates:
        if " " not in item["term"] and any(
            item["term"] in other["term"].split() and other["count"] >= 0.8 * item["count"]
            for other in chosen
        ):
            continue
        chosen.append(item)
        if len(chosen) == top:
            break
    return chosen


def contrast(
    detractor_texts: list[str],
    promoter_texts: list[str],
    passive_texts: list[str] = (),
    top: int = 12,
) -> dict:
    """{"detractors": [...], "promoters": [...]}: each {"term", "count", "share", "others",
    "others_share", "p", "q"}: the terms a side uses significantly more than all the other
    written answers. A side with fewer than MIN_SIDE answers, or fewer others, is not compared
    ("comparable" false for it). "frequent" holds each side's most used terms, untested."""
    texts = {"detractors": detractor_texts, "promoters": promoter_texts}
    documents = {
        "detractors": len(detractor_texts),
        "passives": len(passive_texts),
        "promoters": len(promoter_texts),
    }
    total = sum(documents.values())
    others = {side: total - documents[side] for side in SIDES}
    comparable = {side: min(documents[side], others[side]) >= MIN_SIDE for side in SIDES}
    counts = {side: Counter(t for text in texts[side] for t in terms(text)) for side in SIDES}
    everyone = counts["detractors"] + counts["promoters"]
    everyone.update(t for text in passive_texts for t in terms(text))
    logs = _LogFactorials(total)

    tests: list[tuple[str, str]] = []
    p_values: list[float] = []
    for side in SIDES:
        if not comparable[side]:
            continue
        n = documents[side]
        for term, with_term in everyone.items():
            # A term that could not reach FDR even if every use were this side's is no test:
            # counting it would only dilute the others (Tarone 1990; Gilbert 2005 for FDR).
            if _log_pmf(logs, min(with_term, n), total, with_term, n) > math.log(FDR):
                continue
            tests.append((side, term))
            p_values.append(upper_tail(counts[side][term], total, with_term, n, logs))
    q_values = _adjusted(p_values)

    listed: dict[str, list[dict]] = {side: [] for side in SIDES}
    for (side, term), p, q in zip(tests, p_values, q_values, strict=True):
        count = counts[side][term]
        if q > FDR or count < MIN_DOCS:
            continue
        rest = everyone[term] - count
        listed[side].append(
            {
                "term": term,
                "count": count,
                "share": round(count / documents[side], 3),
                "others": rest,
                "others_share": round(rest / others[side], 3),
                "p": p,
                "q": round(q, 4),
            }
        )
    # on a tie a phrase goes first, so the single word inside it can be left out (_pick)
    result: dict = {
        side: _pick(
            sorted(listed[side], key=lambda i: (i["p"], -i["count"], _phrase_first(i["term"]))), top
        )
        for side in SIDES
    }
    result["frequent"] = {
        side: _pick(
            [
                {"term": term, "count": n, "share": round(n / documents[side], 3)}
                for term, n in sorted(
                    counts[side].items(), key=lambda item: (-item[1], _phrase_first(item[0]))
                )
                if n >= MIN_DOCS
            ],
            FREQUENT,
        )
        for side in SIDES
    }
    result.update(
        documents=documents,
        others=others,
        comparable=comparable,
        min_side=MIN_SIDE,
        fdr=FDR,
        tested=len(tests),
    )
    return result


def _recent_texts(where: list, category: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Response.comment)
            .where(*where, Response.nps_category == category, Response.comment.is_not(None))
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(SAMPLE)
        )
    )


def for_phase(
    brand: Brand, phase: Phase, filters: dict, persona_id: int | None, top: int = 12
) -> dict:
    where = verbatims.conditions(brand, phase, filters, persona_id)
    return contrast(
        _recent_texts(where, "detractor"),
        _recent_texts(where, "promoter"),
        _recent_texts(where, "passive"),
        top,
    )
