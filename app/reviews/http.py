"""Shared by the review views: page language, absolute URLs and conditional GET (ETag, 304)."""

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import Response, current_app, request
from werkzeug.http import is_resource_modified

from app import ids
from app.errors import AppError
from app.models.base import utcnow
from app.services import widget
from app.services.review_labels import LOCALES

MAX_AGE = 300  # pages may be cached briefly; ETag revalidation keeps them honest after that


def absolute(path: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value is not None})
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}{path}{'?' + query if query else ''}"


def lang_param(locale: str, default: str) -> str | None:
    """The ?lang value a link carries: None (no ?lang) when the page opens in that language anyway.

    `default` is the language the linked page shows without ?lang: the brand's for its lists
    and about page, the review's own for a review page and its flag form."""
    return None if locale == default else locale


def lang_query(locale: str, default: str) -> str:
    """`lang_param` as a query string to append to a path: "" or "?lang=en" (a Jinja global)."""
    lang = lang_param(locale, default)
    return "" if lang is None else f"?lang={lang}"


def page_locale(default: str) -> str:
    """?lang=nl|en, else the page's own default (the brand's, or the review's locale)."""
    lang = request.args.get("lang")
    if lang is None:
        return default
    if lang not in LOCALES:
        raise AppError(404, "this page is in Dutch (nl) or English (en)")
    return lang


def page_number() -> int:
    page = ids.number(request.args.get("page", "1"), high=999_999)
    if page is None:
        raise AppError(404, "no such page")
    return page


def alternates(path: str, default: str, page: int | None = None) -> list[tuple[str, str]]:
    """(hreflang, href) for each language, plus x-default: the page's default language."""
    page_param = page if page and page > 1 else None
    links = [
        (locale, absolute(path, lang=lang_param(locale, default), page=page_param))
        for locale in LOCALES
    ]
    links.append(("x-default", absolute(path, page=page_param)))
    return links


def canonical(path: str, locale: str, default: str, page: int | None = None) -> str:
    return absolute(
        path, lang=lang_param(locale, default), page=page if page and page > 1 else None
    )


def etag_for(seed: str) -> str:
    """The brand's review version plus this URL (path and query) makes the ETag."""
    return hashlib.sha256(f"{seed}|{request.full_path}".encode()).hexdigest()[:32]


def _settled(last_modified: datetime | None) -> datetime | None:
    """Last-Modified in whole seconds, or None while the latest change is under a second old.

    HTTP dates have no fractions: a second change within the same second as the first would
    keep the date a client already holds, and If-Modified-Since would then answer 304 to a
    stale copy. A date sent only once its second has passed is older than any later change.
    (The ETag, sent always, has no such blind spot.)"""
    if last_modified is None or utcnow() - last_modified < timedelta(seconds=1):
        return None
    return last_modified.replace(tzinfo=UTC, microsecond=0)


def not_modified(etag: str, last_modified: datetime | None) -> Response | None:
    """A 304 when the client's copy is current, before any rendering work is done."""
    modified = _settled(last_modified)
    if request.method in ("GET", "HEAD") and not is_resource_modified(
        request.environ, etag=etag, last_modified=modified
    ):
        response = Response(status=304)
        return cacheable(response, etag, last_modified)
    return None


def cacheable(response: Response, etag: str, last_modified: datetime | None, max_age=MAX_AGE):
    response.set_etag(etag)
    if (settled := _settled(last_modified)) is not None:
        response.last_modified = settled
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


def client_hash() -> str:
    """A keyed hash of the client address, as the widget's answers carry: no raw IP is stored."""
    return widget.client_hash(request.remote_addr or "unknown")
