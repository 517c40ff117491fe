"""A survey as a customer sees it, in one language: for the widget's JSON and the hosted page."""

import re

from app.models import Brand, Survey
from app.models.survey import EMOTIONS, SCALES, TEXT_MAX_LENGTH
from app.services.channel_texts import t

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FALLBACK_COLOUR = "#0b6e4f"


def option_label(option: dict, locale: str) -> str:
    labels = option.get("label") or {}
    if isinstance(labels, str):
        return labels
    return labels.get(locale) or next(iter(labels.values()), option["key"])


def question_view(question, locale: str) -> dict:
    view = {
        "key": question.key,
        "type": question.type,
        "text": question.text_for(locale),
        "required": bool(question.required),
    }
    if question.type in SCALES:
        low, high = SCALES[question.type]
        view["scale"] = [low, high]
        view["labels"] = [t(locale, f"{question.type}_low"), t(locale, f"{question.type}_high")]
    elif question.type == "emotion":
        view["options"] = [{"key": key, "label": t(locale, f"emotion_{key}")} for key in EMOTIONS]
    elif question.type == "choice":
        view["options"] = [
            {"key": option["key"], "label": option_label(option, locale)}
            for option in question.options or []
        ]
    elif question.type == "text":
        view["max_length"] = question.max_length or TEXT_MAX_LENGTH
    return view


def survey_view(survey: Survey, locale: str) -> list[dict]:
    return [question_view(question, locale) for question in survey.questions]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def ui_accent(colour: str) -> str:
    """The colour for borders and the chosen answer: 3:1 against white (WCAG 1.4.11).

    A light brand colour (#ffff00, an orange) drawn as a thin border on white all but
    vanishes; text contrast says nothing about it. The colour is darkened in small steps, so
    the accent keeps the brand's hue and stays as light as 3:1 allows; a colour that already
    reaches 3:1 is kept as it is."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    accent, step = colour, 0
    while _contrast(_luminance(accent), 1.0) < 3.0:
        step += 1  # ends by 20 steps at the latest: black
        factor = max(0.0, 1 - step * 0.05)
        accent = "#" + "".join(f"{round(c * factor):02x}" for c in channels)
    return accent


def brand_colours(brand: Brand) -> dict[str, str]:
    """The brand colour (validated, so it is safe inside CSS), text colours with AA contrast
    and a UI accent for component borders with 3:1 against white.

    White or black on any colour reaches 4.5:1 with one of the two, so buttons stay readable
    whatever a brand configured."""
    colour = brand.primary_color if HEX_COLOUR.match(brand.primary_color or "") else None
    colour = (colour or FALLBACK_COLOUR).lower()
    lum = _luminance(colour)
    white, black = _contrast(lum, 1.0), _contrast(lum, 0.0)
    on_colour = "#ffffff" if white >= black else "#000000"
    # Text on a white card in the brand colour needs 4.5:1 against white, too.
    ink = colour if _contrast(lum, 1.0) >= 4.5 else "#1d2327"
    return {"color": colour, "on_color": on_colour, "ink": ink, "accent": ui_accent(colour)}
