"""Absolute links customers follow (emails, QR codes, snippets), built from PUBLIC_URL.

Jobs run outside any request, so these are plain paths on PUBLIC_URL instead of url_for.
"""

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


def snippet(brand: Brand, phase: str = "PHASE", locale: str | None = None) -> str:
    """The one tag a brand pastes into its pages. Without `locale` it has no data-locale, so
    the widget follows the visitor's browser language (not the brand's default)."""
    attributes = f'data-site-key="{escape(brand.site_key)}" data-phase="{escape(phase)}"'
    if locale:
        attributes += f' data-locale="{escape(locale)}"'
    return f'<script src="{escape(absolute("/widget.js"))}" {attributes} async></script>'
