"""Words and phrases that set detractors apart from promoters, offline and explainable.

Each written answer counts a term once (document frequency). Terms are ranked by the
log-odds ratio with a small prior (Monroe, Colaresi & Quinn 2008) divided by its standard
error, so a word said by 40 detractors outranks one said by 2. Stop words of Dutch and
English are dropped; two-word phrases are kept when they recur.
"""

import math
import re
from collections import Counter

from sqlalchemy import select

from app.extensions import db
from app.models import Brand, Phase, Response
from app.services import verbatims

# The most recent answers of each side that are read: enough for stable terms, bounded cost.
SAMPLE = 600
PRIOR = 0.5
MIN_DOCS = 2  # answers of its own side that use a term before it is listed there
# Answers needed on each side to compare: against none (or a handful), every word of the other
# side "sets it apart", and the log-odds of an empty side listed words it never used.
MIN_SIDE = 10
Z_LISTED = 1.96  # a term is listed when the difference is significant at 5 %


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


def contrast(detractor_texts: list[str], promoter_texts: list[str], top: int = 12) -> dict:
    """{"detractors": [...], "promoters": [...]}: each {"term", "count", "share", "z"}; both
    empty, with "comparable" false, when a side has fewer than MIN_SIDE answers."""
    d_docs, p_docs = len(detractor_texts), len(promoter_texts)
    documents = {"detractors": d_docs, "promoters": p_docs}
    if min(d_docs, p_docs) < MIN_SIDE:
        return {
            "detractors": [],
            "promoters": [],
            "documents": documents,
            "comparable": False,
            "min_side": MIN_SIDE,
        }
    d_counts = Counter(term for text in detractor_texts for term in terms(text))
    p_counts = Counter(term for text in promoter_texts for term in terms(text))
    scored = []
    for term in set(d_counts) | set(p_counts):
        yd, yp = d_counts[term], p_counts[term]
        if max(yd, yp) < MIN_DOCS:
            continue
        delta = math.log((yd + PRIOR) / (d_docs - yd + PRIOR)) - math.log(
            (yp + PRIOR) / (p_docs - yp + PRIOR)
        )
        variance = 1 / (yd + PRIOR) + 1 / (d_docs - yd + PRIOR)
        variance += 1 / (yp + PRIOR) + 1 / (p_docs - yp + PRIOR)
        scored.append((term, yd, yp, delta / math.sqrt(variance)))

    def side(sign: int, docs: int, index: int) -> list[dict]:
        picked = sorted(
            (item for item in scored if sign * item[3] >= Z_LISTED and item[1 + index] >= MIN_DOCS),
            key=lambda item: -sign * item[3],
        )
        chosen: list[dict] = []
        for term, yd, yp, z in picked:
            count = (yd, yp)[index]
            # a word already inside a chosen phrase of about the same weight adds nothing
            if " " not in term and any(
                term in item["term"].split() and item["count"] >= 0.8 * count for item in chosen
            ):
                continue
            chosen.append(
                {
                    "term": term,
                    "count": count,
                    "share": round(count / docs, 3) if docs else 0.0,
                    "z": round(z, 2),
                }
            )
            if len(chosen) == top:
                break
        return chosen

    return {
        "detractors": side(1, d_docs, 0),
        "promoters": side(-1, p_docs, 1),
        "documents": documents,
        "comparable": True,
        "min_side": MIN_SIDE,
    }


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
    return contrast(_recent_texts(where, "detractor"), _recent_texts(where, "promoter"), top)
