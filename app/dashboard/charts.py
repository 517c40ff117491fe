"""Server-side SVG charts: readable without JavaScript, titled and described for screen readers.

Every chart is a function of plain numbers returning Markup. Text is escaped here; colours
are presentation attributes or classes (never style attributes, which the CSP forbids).
"""

import itertools
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from app.numbers import plural

INK, MUTED, LINE = "#1d2327", "#50575e", "#c3c4c7"
GOOD, BAD, BELIEF, BAND = "#0b6e4f", "#b32d2e", "#8a5a00", "#d7e7f5"
MEASURED = "#0a4b78"
# Each at least 3:1 against the white card (WCAG 1.4.11), and a lightness ladder: dark green,
# light green, mid grey, light orange, dark red, so neighbours differ in more than hue.
EMOTION_COLOURS = {
    "delighted": "#0b6e4f",
    "satisfied": "#5b9a68",
    "neutral": "#6c7278",
    "disappointed": "#c46a00",
    "frustrated": "#b32d2e",
}

_ids = itertools.count(1)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, desc: str, body: str, css: str = "chart") -> Markup:
    ident = f"c{next(_ids)}"
    # Safe: numbers are formatted here and every text went through escape() in _text/this line.
    return Markup(  # noqa: S704
        f'<svg class="{css}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _text(
    x: float,
    y: float,
    text,
    anchor: str = "middle",
    size: int = 12,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}{suffix}"


def nps_strip(score, ci95, hypothesis=None, width: int = 200) -> Markup:
    """NPS on a −100…100 axis: the 95 % interval as a band, the score as a dot, the belief as ◆."""
    height, pad = 40, 8
    span = width - 2 * pad

    def x(value: float) -> float:
        return pad + (max(-100.0, min(100.0, value)) + 100) / 200 * span

    parts = [
        f'<line x1="{pad}" y1="20" x2="{width - pad}" y2="20" stroke="{LINE}" stroke-width="2"/>',
        f'<line x1="{_n(x(0))}" y1="12" x2="{_n(x(0))}" y2="28" stroke="{MUTED}"/>',
        _text(pad, 38, "−100", "start", 9, MUTED),
        _text(x(0), 38, "0", "middle", 9, MUTED),
        _text(width - pad, 38, "100", "end", 9, MUTED),
    ]
    desc = "No NPS answers in this selection"  # the phase may have others (CSAT, effort)
    if score is not None:
        if ci95:
            parts.append(
                f'<rect x="{_n(x(ci95[0]))}" y="13" width="{_n(max(x(ci95[1]) - x(ci95[0]), 1))}" '
                f'height="14" rx="3" fill="{BAND}" stroke="{MEASURED}" stroke-width="1"/>'
            )
        parts.append(f'<circle cx="{_n(x(score))}" cy="20" r="5" fill="{MEASURED}"/>')
        desc = f"NPS {fmt(score)}"
        if ci95:
            desc += f", 95% interval {fmt(ci95[0])} to {fmt(ci95[1])}"
    if hypothesis is not None:
        hx = x(hypothesis)
        parts.append(
            f'<path d="M{_n(hx)} 6 l5 6 l-5 6 l-5 -6 z" fill="{BELIEF}" stroke="#fff" '
            f'stroke-width="1"/>'
        )
        desc += f"; journey 1.0 hypothesis {fmt(hypothesis, 0)}"
    return _svg(
        width, height, "NPS with its 95% interval", desc + ".", "".join(parts), "chart strip"
    )


def emotion_bar(emotions: dict[str, int], width: int = 200) -> Markup:
    total = sum(emotions.values())
    if not total:
        return _svg(
            width,
            14,
            "Emotion mix",
            "No emotions answered in this selection.",
            f'<rect x="0" y="2" width="{width}" height="10" rx="3" fill="#f0f0f1"/>',
            "chart bar",
        )
    parts, left = [], 0.0
    for emotion, count in emotions.items():
        if not count:
            continue
        part = count / total * width
        # the white edge keeps two neighbouring segments apart whatever their colours
        parts.append(
            f'<rect x="{_n(left)}" y="0" width="{_n(part)}" height="14" '
            f'fill="{EMOTION_COLOURS.get(emotion, MUTED)}" stroke="#fff" stroke-width="1">'
            f"<title>{escape(emotion)}: {count}</title></rect>"
        )
        left += part
    desc = ", ".join(f"{e} {c} ({c / total:.0%})" for e, c in emotions.items() if c)
    return _svg(width, 14, "Emotion mix", desc + ".", "".join(parts), "chart bar")


def conversion_arrow(
    to_next, reached: int = 0, vertical: bool = False, unmeasured: str | None = None
) -> Markup:
    """An arrow whose thickness is the share of customers who went on to the next phase;
    `unmeasured` says why there is no share (customers may have reached the phase)."""
    width, height = 56, 64
    share = to_next or 0.0
    thickness = 2 + 16 * share
    colour = MUTED if to_next is None else GOOD if share >= 0.7 else BELIEF if share >= 0.4 else BAD
    y = 26
    body = (
        f'<line x1="4" y1="{y}" x2="{width - 16}" y2="{y}" stroke="{colour}" '
        f'stroke-width="{_n(thickness)}" stroke-linecap="butt"/>'
        f'<path d="M{width - 18} {_n(y - thickness / 2 - 6)} L{width - 2} {y} '
        f'L{width - 18} {_n(y + thickness / 2 + 6)} z" fill="{colour}"/>'
        + _text(
            width / 2,
            58,
            fmt(share * 100, 0, "%") if to_next is not None else "–",
            size=12,
            weight="bold",
        )
    )
    desc = (
        f"{share:.0%} of {plural(reached, 'customer')} went on to the next phase or a later one."
        if to_next is not None
        else unmeasured or "No customers reached this phase yet."
    )
    return _svg(
        width,
        height,
        "Conversion to the next phase",
        desc,
        body,
        "chart arrow vertical" if vertical else "chart arrow",
    )


def hypothesis_chart(phases: Sequence[dict], width: int = 760) -> Markup:
    """Journey 1.0 (the believed NPS per phase) against the measured NPS, gaps highlighted."""
    height, left, right, top, bottom = 300, 44, 16, 24, 64
    count = max(len(phases), 1)
    step = (width - left - right) / count

    def x(index: int) -> float:
        return left + step * (index + 0.5)

    def y(value: float) -> float:
        return top + (100 - max(-100.0, min(100.0, value))) / 200 * (height - top - bottom)

    parts = []
    for tick in (-100, -50, 0, 50, 100):
        parts.append(
            f'<line x1="{left}" y1="{_n(y(tick))}" x2="{width - right}" y2="{_n(y(tick))}" '
            f'stroke="{LINE if tick else MUTED}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y(tick) + 4, str(tick), "end", 10, MUTED))
    believed, measured, lines = [], [], []
    for index, phase in enumerate(phases):
        hypothesis = (phase.get("hypothesis") or {}).get("nps")
        score, ci = phase["nps"]["score"], phase["nps"]["ci95"]
        name = phase["name"]
        parts.append(_text(x(index), height - bottom + 18, name[:18], size=11))
        parts.append(_text(x(index), height - bottom + 34, f"n={phase['n']}", size=10, fill=MUTED))
        if hypothesis is not None:
            believed.append((x(index), y(hypothesis)))
        if score is not None:
            measured.append((x(index), y(score)))
            if ci:
                parts.append(
                    f'<line x1="{_n(x(index))}" y1="{_n(y(ci[0]))}" x2="{_n(x(index))}" '
                    f'y2="{_n(y(ci[1]))}" stroke="{MEASURED}" stroke-width="2"/>'
                )
        if hypothesis is not None and score is not None:
            gap = next((g for g in phase.get("gaps", []) if g["metric"] == "nps"), None)
            colour = MUTED
            if gap and gap["notable"]:
                colour = BAD if gap["worse"] else GOOD
            parts.append(
                f'<line x1="{_n(x(index) + 10)}" y1="{_n(y(hypothesis))}" x2="{_n(x(index) + 10)}" '
                f'y2="{_n(y(score))}" stroke="{colour}" stroke-width="6" stroke-opacity="0.75"/>'
            )
            if gap:
                parts.append(
                    _text(
                        x(index) + 16,
                        (y(hypothesis) + y(score)) / 2 + 4,
                        f"{gap['gap']:+.1f}",  # as the gaps table: shown minus shown
                        "start",
                        11,
                        colour if gap["notable"] else MUTED,
                        "bold" if gap["notable"] else "normal",
                    )
                )
            lines.append(
                f"{name}: believed {fmt(hypothesis, 0)}, measured {fmt(score)}"
                + (f" (interval {fmt(ci[0])} to {fmt(ci[1])})" if ci else "")
                + (", a notable gap" if gap and gap["notable"] else "")
            )
        elif score is not None:
            lines.append(f"{name}: measured {fmt(score)}, no hypothesis")
    if len(believed) > 1:
        points = " ".join(f"{_n(px)},{_n(py)}" for px, py in believed)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{BELIEF}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
    for px, py in believed:
        parts.append(f'<path d="M{_n(px)} {_n(py - 7)} l6 7 l-6 7 l-6 -7 z" fill="{BELIEF}"/>')
    if len(measured) > 1:
        points = " ".join(f"{_n(px)},{_n(py)}" for px, py in measured)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{MEASURED}" stroke-width="2.5"/>'
        )
    for px, py in measured:
        parts.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="5" fill="{MEASURED}"/>')
    legend_y = height - 10
    parts.append(
        f'<path d="M{left} {legend_y - 5} l5 5 l-5 5 l-5 -5 z" fill="{BELIEF}"/>'
        + _text(left + 10, legend_y + 4, "Journey 1.0 (hypothesis)", "start", 11)
        + f'<circle cx="{left + 190}" cy="{legend_y}" r="5" fill="{MEASURED}"/>'
        + _text(left + 200, legend_y + 4, "Measured NPS with 95% interval", "start", 11)
        + f'<rect x="{left + 410}" y="{legend_y - 6}" width="6" height="12" fill="{BAD}"/>'
        + _text(left + 422, legend_y + 4, "Gap beyond the interval", "start", 11)
    )
    return _svg(
        width,
        height,
        "Journey 1.0 against the measured journey (NPS per phase)",
        "; ".join(lines) + "." if lines else "No figures yet.",
        "".join(parts),
        "chart wide",
    )


def trend_chart(
    periods: Sequence[dict],
    metric: str,
    label: str,
    low: float,
    high: float,
    digits: int = 1,
    width: int = 760,
) -> Markup:
    """One metric per period as a line, its 95 % interval as a band; significant changes ringed."""
    height, left, right, top, bottom = 220, 48, 16, 16, 40
    count = max(len(periods), 1)
    step = (width - left - right) / count

    def x(index: int) -> float:
        return left + step * (index + 0.5)

    def y(value: float) -> float:
        value = max(low, min(high, value))
        return top + (high - value) / (high - low) * (height - top - bottom)

    parts = []
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<line x1="{left}" y1="{_n(y(tick))}" x2="{width - right}" y2="{_n(y(tick))}" '
            f'stroke="{LINE}"/>'
        )
        parts.append(
            _text(left - 6, y(tick) + 4, fmt(tick, 0 if digits < 2 else 1), "end", 10, MUTED)
        )
    every = max(1, math.ceil(count * 64 / (width - left - right)))  # labels ~60 px wide
    points, band_top, band_bottom, lines = [], [], [], []
    for index, period in enumerate(periods):
        figure = period[metric]
        value = figure["score"] if metric == "nps" else figure["unrounded"]
        interval = figure.get("ci95")
        if index % every == 0:
            parts.append(
                _text(x(index), height - bottom + 16, period["label"], size=10, fill=MUTED)
            )
        if value is None:
            continue
        points.append((x(index), y(value)))
        if interval:
            band_top.append((x(index), y(interval[1])))
            band_bottom.append((x(index), y(interval[0])))
        change = (period.get("changes") or {}).get(metric)
        text = f"{period['label']}: {fmt(value, digits)}"
        if interval:
            text += f" ({fmt(interval[0], digits)} to {fmt(interval[1], digits)})"
        if change and change["significant"]:
            up = change["delta"] > 0
            colour = GOOD if up else BAD
            parts.append(
                f'<circle cx="{_n(x(index))}" cy="{_n(y(value))}" r="10" fill="none" '
                f'stroke="{colour}" stroke-width="2.5"/>'
            )
            parts.append(_text(x(index), y(value) - 14, "▲" if up else "▼", size=12, fill=colour))
            text += f", a significant {'rise' if up else 'fall'} of {change['delta']:+.{digits}f}"
        lines.append(text)
    if len(band_top) > 1:
        outline = band_top + list(reversed(band_bottom))
        parts.insert(
            0,
            f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in outline)}" fill="{BAND}"/>',
        )
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in points)}" fill="none" '
            f'stroke="{MEASURED}" stroke-width="2.5"/>'
        )
    for px, py in points:
        parts.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="3.5" fill="{MEASURED}"/>')
    return _svg(
        width,
        height,
        f"{label} per period with its 95% interval",
        "; ".join(lines) + "." if lines else "No answers in this period.",
        "".join(parts),
        "chart wide",
    )


SIDE_WORDS = {"detractors": "detractor", "promoters": "promoter"}


def _no_terms(terms: dict, side: str) -> Markup:
    """Why a side lists no term: too few answers to test, or tested and nothing stood out; then
    its most frequent terms, labelled as frequency only."""
    answers, others = terms["documents"][side], terms["others"][side]
    if not terms["comparable"][side]:
        reason = "too-few"
        text = (
            f"Too few written answers to compare: {plural(answers, SIDE_WORDS[side] + ' answer')}"
            f" and {plural(others, 'other')}; at least {terms['min_side']} of each are needed."
        )
    else:
        reason = "none-significant"
        text = (
            f"No word sets {side} apart significantly from the other "
            f"{plural(others, 'written answer')}."
        )
    frequent = terms["frequent"][side]
    if frequent:
        words = ", ".join(f"{item['term']} ({item['count']})" for item in frequent)
        text += f" Most frequent among {side} (not a significant difference): {words}."
    return Markup('<p class="muted terms-none" data-terms="{}">{}</p>').format(reason, text)


def term_bars(terms: dict, side: str, width: int = 360) -> Markup:
    """The terms a side (detractors or promoters) uses significantly more than all other
    written answers, as bars of the share of the side's answers using them (keywords.contrast);
    a sentence saying why when there are none."""
    items = terms[side]
    if not items:
        return _no_terms(terms, side)
    row = 22
    height = row * len(items) + 8
    colour = BAD if side == "detractors" else GOOD
    top_share = max(item["share"] for item in items) or 1
    parts = []
    for index, item in enumerate(items):
        y = 4 + index * row
        bar = (width - 170) * item["share"] / top_share
        parts.append(_text(150, y + 14, item["term"][:26], "end", 12))
        parts.append(
            f'<rect x="158" y="{y + 3}" width="{_n(max(bar, 2))}" height="14" rx="2" '
            f'fill="{colour}"/>'
        )
        parts.append(_text(162 + bar, y + 14, f"{item['count']}", "start", 11, MUTED))
    desc = "; ".join(
        f"{i['term']}: {plural(i['count'], 'answer')} ({i['share']:.0%}), "
        f"against {i['others_share']:.0%} of the other answers"
        for i in items
    )
    title = f"Words and phrases that set {side} apart"
    return _svg(width, height, title, desc + ".", "".join(parts), "chart terms")


def channel_bars(counts: dict[str, int], width: int = 260) -> Markup:
    """Answers per channel as horizontal bars."""
    row = 20
    items = [(channel, n) for channel, n in counts.items() if n]
    height = max(row * len(items) + 6, 24)
    top = max((n for _, n in items), default=0) or 1
    parts = []
    for index, (channel, n) in enumerate(items):
        y = 3 + index * row
        bar = (width - 120) * n / top
        parts.append(_text(60, y + 13, channel, "end", 11))
        parts.append(
            f'<rect x="66" y="{y + 2}" width="{_n(max(bar, 2))}" height="13" fill="{MEASURED}"/>'
        )
        parts.append(_text(70 + bar, y + 13, str(n), "start", 11, MUTED))
    desc = ", ".join(f"{channel}: {n}" for channel, n in items) or "no answers"
    return _svg(width, height, "Answers per channel", desc + ".", "".join(parts), "chart terms")
