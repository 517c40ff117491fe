"""How numbers read to people: money for marketers, whole counts (points) in nl or en."""


def money(value) -> str:
    """A compact euro amount: "€12", "€1.2k", "€1.5M"; "–" when unknown."""
    if value is None:
        return "–"
    # The unit follows the amount as rounded: €999,960 is "€1.0M", not "€1000.0k".
    if value >= 999_950:
        return f"€{value / 1_000_000:.1f}M"
    if value >= 999.5:
        return f"€{value / 1000:.1f}k"
    return f"€{value:.0f}"


def whole_percent(share: float) -> int:
    """A share (0-1) in whole percents, rounded as the dashboard prints a percentage."""
    return round(share * 100)


def whole(n: int, locale: str | None) -> str:
    """A whole number with thousands separators: "1.250" in Dutch, "1,250" otherwise."""
    grouped = f"{int(n):,}"
    return grouped.replace(",", ".") if (locale or "").lower().startswith("nl") else grouped


def counted(texts: dict, key: str, n: int) -> str:
    """A text table's text for a count: its "_one" form for exactly 1 ("1 punt", "1 review"),
    where the table has one; the caller formats it ({n}, {count}) as the plural's."""
    return texts[f"{key}_one"] if n == 1 and f"{key}_one" in texts else texts[key]


def plural(n, word: str, words: str | None = None, shown: str | None = None) -> str:
    """ "1 customer", "2 customers": the count (or its formatted form, shown) and the word.

    The dashboard's one pluralizer (English): templates call it as plural(...), charts and
    the priority reasons directly.
    """
    form = word if n == 1 else (words or f"{word}s")
    if shown is None:  # a count in thousands reads as the dashboard's other figures: "1,500"
        shown = f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else n
    return f"{shown} {form}"
