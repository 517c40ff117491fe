"""The words of an invitation's subject and opening: a survey's own (Survey.email_texts, per
language) or Phasewise's, with their placeholders filled in.

Pure: no Flask, no database. The schemas check a brand's texts with `unknown_placeholders`;
the invitation email fills both kinds with `fill`, so Phasewise's own greeting ("Hallo
{first_name}, …") and a brand's follow the one rule for a first name that is not known.
"""

import re

# What a text may name: the customer's first name, the brand's name, the phase's name.
PLACEHOLDERS = ("first_name", "brand", "phase")
# A survey's texts per language: the invitation's subject and opening, the reminder's.
KINDS = ("subject", "intro", "reminder_subject", "reminder_intro")

_TOKEN = re.compile(r"\{([^{}]*)\}")
# A first name that opens a line ("{first_name}, hoe was het?"): its comma goes with it, and the
# line starts with a capital ("Hoe was het?").
_NAME_OPENING = re.compile(r"^([ \t]*)\{first_name\}[ \t]*[,;:!]?[ \t]*(.?)", re.MULTILINE)
# Anywhere else ("Hallo {first_name}, …"): the name and the spaces before it go ("Hallo, …").
_NAME = re.compile(r"[ \t]*\{first_name\}")


def unknown_placeholders(text: str) -> list[str]:
    """The {…} in the text that name nothing known ("{voornaam}", "{ first_name }")."""
    return [found.group(0) for found in _TOKEN.finditer(text) if found.group(1) not in PLACEHOLDERS]


def fill(text: str, brand: str, phase: str, first_name: str | None) -> str:
    """The text with its placeholders filled. Without a first name, "{first_name}" is left out
    with the space before it, or at the start of a line with the comma after it. The values
    are put in as they are, never read for placeholders themselves: a name "{brand}" stays so."""
    if not first_name:
        text = _NAME_OPENING.sub(lambda found: found.group(1) + found.group(2).upper(), text)
        text = _NAME.sub("", text)
    values = {"first_name": first_name or "", "brand": brand, "phase": phase}
    return _TOKEN.sub(lambda found: values.get(found.group(1), found.group(0)), text)


def own(texts: dict | None, locale: str, kind: str) -> str | None:
    """The survey's own text of this kind in this language, or None: Phasewise's."""
    return ((texts or {}).get(locale) or {}).get(kind) or None
