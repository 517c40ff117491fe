"""Absolute links customers follow (emails, QR codes, snippets), built from PUBLIC_URL.

Jobs run outside any request, so these are plain paths on PUBLIC_URL instead of url_for.
"""

from decimal import Decimal
from html import escape
from urllib.parse import quote

from flask import current_app

from app.models import Brand


def absolute(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def survey_url(token: str, score=None) -> str:
    url = absolute(f"/s/{quote(token, safe='.-_')}")
    return f"{url}?score={quote(str(score))}" if score is not None else url


def qr_url(token: str) -> str:
    return absolute(f"/s/{quote(token, safe='.-_')}/qr.svg")


def unsubscribe_url(token: str) -> str:
    return absolute(f"/u/{quote(token, safe='.-_')}")


# The widget's own bounds for its targeting attributes (widgets/widget.js): a tag printed
# with a value outside them would only warn in the page's console and ask everyone at once.
MAX_DELAY_SECONDS = 3600


def snippet(
    brand: Brand,
    phase: str = "PHASE",
    locale: str | None = None,
    sample: float | None = None,
    delay: float | None = None,
    exit_intent: bool = False,
) -> str:
    """The one tag a brand pastes into its pages. Without `locale` it has no data-locale, so
    the widget follows the visitor's browser language (not the brand's default). `sample` is
    the share of visitors asked (0–1), `delay` seconds on the page, `exit_intent` waits for
    the visitor to be about to leave; each is left out when not asked for."""
    attributes = f'data-site-key="{escape(brand.site_key)}" data-phase="{escape(phase)}"'
    if locale:
        attributes += f' data-locale="{escape(locale)}"'
    if sample is not None and sample < 1:  # 1 is everyone: no attribute needed
        if not 0 <= sample < 1:
            raise ValueError(f"sample {sample!r} is not a share from 0 to 1")
        attributes += f' data-sample="{_number(sample)}"'
    if delay:
        if not 0 < delay <= MAX_DELAY_SECONDS:
            raise ValueError(f"delay {delay!r} is not 0 to {MAX_DELAY_SECONDS} seconds")
        attributes += f' data-delay="{_number(delay)}"'
    if exit_intent:
        attributes += ' data-trigger="exit"'
    return f'<script src="{escape(absolute("/widget.js"))}" {attributes} async></script>'


def _number(value: float) -> str:
    # the widget reads plain decimals only ("0.2", "15"), never "2e-05" or "15.0"; every digit
    # a float has (its shortest repr), so a share of 0.004 % is not written as 0, nobody
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
