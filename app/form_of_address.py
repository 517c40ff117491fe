"""Whether customers read "je" or "u" in Dutch: the brand's choice, kept on every page and mail.

Dutch shops pick one form of address and hold to it; a widget that says "je" beside a loyalty
page that says "u" reads as careless. Text tables keep the informal texts under "nl" (the
default: most Dutch web shops say "je") and `with_formal` adds "nl-u", the same texts with the
formal ones laid over them, so a text that addresses no one is written once. `voice` picks the
table for a locale and a brand. English has one form and is left alone.
"""

FORMAL_NL = "nl-u"


def with_formal(tables: dict[str, dict], formal_nl: dict) -> dict[str, dict]:
    """The tables with "nl-u" added: the "nl" texts, the formal ones in `formal_nl` over them."""
    unknown = set(formal_nl) - set(tables["nl"])
    if unknown:  # a typo would leave the informal text in place without a word
        raise ValueError(f"formal texts without an informal one: {sorted(unknown)}")
    return {**tables, FORMAL_NL: {**tables["nl"], **formal_nl}}


def voice(locale: str, brand=None) -> str:
    """The table key for texts in this locale, in the brand's form of address."""
    if locale == "nl" and brand is not None and brand.formal_address:
        return FORMAL_NL
    return locale
