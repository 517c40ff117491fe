"""Pure rules for review text: cleaning, display names, duplicate keys and the 1-5 rating."""

import hashlib
import re
import unicodedata

# Bidi embeddings, overrides and isolates can reverse the text around a name on a page or in a
# feed reader ("Trojan source"); they are never needed in a review, so they are dropped.
BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"), None
)
# Characters XML 1.0 cannot carry: feeds and sitemaps would be invalid with them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
DEFAULT_NAME = {"nl": "Klant", "en": "Customer"}
NAME_MAX = 60
TITLE_MAX = 120


def clean(text: str | None) -> str:
    """NFC text without bidi controls or XML-invalid characters, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(BIDI_CONTROLS)
    return NOT_XML.sub("", text).strip()


def display_name(given: str | None, locale: str) -> str:
    """First name + initial by default ("Jan de Vries" → "Jan V."); "Klant"/"Customer" if none."""
    words = clean(given).split()
    if not words:
        return DEFAULT_NAME.get(locale, DEFAULT_NAME["en"])
    if len(words) == 1:
        return words[0][:NAME_MAX]
    first, last = words[0], words[-1]
    if last.endswith(".") and len(last) <= 3:  # already an initial: "Anna B."
        return f"{first} {last}"[:NAME_MAX]
    # The initial is a letter: "Anna (Vries)" is "Anna V.", not "Anna (.".
    initial = next((char for char in last if char.isalpha()), None)
    if initial is None:
        return first[:NAME_MAX]
    return f"{first} {initial.upper()}."[:NAME_MAX]


def body_key(body: str) -> str:
    """The same text whatever its case, spacing or punctuation: what duplicates share."""
    letters = re.sub(r"[\W_]+", " ", body.casefold()).strip()
    return hashlib.sha256(letters.encode()).hexdigest()


def rating(nps: int | None, csat: int | None) -> tuple[int, str, int] | None:
    """(rating 1-5, source question type, source answer): CSAT as is, NPS 0-10 mapped.

    NPS 0-1 → 1, 2-3 → 2, 4-6 → 3, 7-8 → 4, 9-10 → 5, so detractors never read as 4 or 5 stars.
    """
    if csat is not None:
        return csat, "csat", csat
    if nps is not None:
        return (4 * nps + 5) // 10 + 1, "nps", nps
    return None
