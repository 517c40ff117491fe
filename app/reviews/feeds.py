"""Feeds of a brand's published reviews for other sites: JSON (with tombstones), Atom and RSS.

The JSON feed is the sync format: `?since=` returns only what changed after that moment,
removed reviews come as tombstones, and `next` pages on without gaps. Atom and RSS (feedgen)
carry the newest 50 reviews; Atom also lists removed ones as RFC 6721 deleted entries.
"""

from datetime import UTC, datetime
from html import escape

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from flask import jsonify, make_response, request

from app import ids, timestamps
from app.errors import AppError
from app.reviews import bp, jsonld
from app.reviews.http import absolute, cacheable, etag_for, not_modified
from app.services import review_public
from app.services.review_labels import labels, verification
from app.services.review_text import clean
from app.sessions import stateless

FEED_MAX_AGE = 300
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"


iso = timestamps.iso_utc


def _parse_since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return timestamps.naive_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError as error:
        raise AppError(
            400,
            # a "+01:00" typed into a URL unencoded arrives as " 01:00": say how to write it
            "since must be an ISO 8601 date-time, like 2026-01-31T12:00:00Z (an offset's + is"
            " %2B in a URL); a date alone or a time without an offset is taken as UTC",
            code="bad_request",
            fields={"since": ["not an ISO 8601 date-time"]},
        ) from error


def _parse_cursor(raw: str | None) -> tuple[datetime, int] | None:
    if raw is None:
        return None
    moment, _, review_id = raw.rpartition("_")
    try:
        return timestamps.naive_utc(datetime.fromisoformat(moment)), ids.checked(int(review_id))
    except ValueError as error:
        raise AppError(
            400, "cursor is not valid; use the feed's `next` link", fields={"cursor": ["invalid"]}
        ) from error


def review_item(review, brand) -> dict:
    """One review in the JSON feed: everything a site needs to show it honestly."""
    url = absolute(f"/reviews/{brand.slug}/r/{review.id}")
    return {
        "id": review.id,
        "url": url,
        "rating": review.rating,
        "scale": {"best": 5, "worst": 1},
        "rating_source": review.rating_source,
        "source_score": review.source_score,
        "title": review.title,
        "body": review.body,
        "author": {"name": review.display_name},
        "phase": {"key": review.phase.key, "name": review.phase.name},
        "locale": review.locale,
        "channel": review.channel,
        "verified": review.verified,
        "verified_by": review.verified_by,
        "incentivized": review.incentivized,
        "labels": jsonld.keywords(review),
        # imported from another site: where from, and the day it was written there
        "source": review.source,
        "written_at": iso(review.answered_at) if review.source else None,
        # the brand as it is called now, as the pages show it (a reply keeps the name it had)
        "reply": {"body": review.reply_body, "by": brand.name, "at": iso(review.replied_at)}
        if review.reply_body
        else None,
        "published_at": iso(review.published_at),
        "updated_at": iso(review.updated_at),
    }


@bp.route("/feeds/<slug>/reviews.json")
@stateless
def json_feed(slug):
    brand = review_public.brand(slug)
    since = _parse_since(request.args.get("since"))
    cursor = _parse_cursor(request.args.get("cursor"))
    seed, last_modified = review_public.version(brand)
    etag = etag_for(seed)
    if (early := not_modified(etag, last_modified)) is not None:
        return early
    changes = review_public.feed_changes(brand, since, cursor)
    next_url = None
    if changes["next"]:
        moment, review_id = changes["next"]
        next_url = absolute(
            f"/feeds/{brand.slug}/reviews.json",
            since=request.args.get("since"),
            cursor=f"{moment.isoformat()}_{review_id}",
        )
    body = {
        "version": "phasewise-reviews/1",
        "brand": {
            "name": brand.name,
            "slug": brand.slug,
            "url": absolute(f"/reviews/{brand.slug}"),
            "about": absolute(f"/reviews/{brand.slug}/about"),
        },
        "item_reviewed": review_public.item_reviewed(brand),
        "generated_at": iso(datetime.now(UTC).replace(tzinfo=None)),
        "since": iso(since),
        "items": [review_item(review, brand) for review in changes["items"]],
        "tombstones": [
            {"id": review.id, "deleted_at": iso(review.removed_at)}
            for review in changes["tombstones"]
        ],
        "next": next_url,
    }
    return cacheable(jsonify(body), etag, last_modified, FEED_MAX_AGE)


class _Tombstones(BaseExtension):
    """RFC 6721 <at:deleted-entry> elements for removed reviews, Atom only."""

    def __init__(self):
        self.deleted: list[tuple[str, str]] = []

    def extend_ns(self):
        return {"at": TOMBSTONE_NS}

    def extend_atom(self, feed):
        from lxml import etree

        for ref, when in self.deleted:
            element = etree.SubElement(feed, f"{{{TOMBSTONE_NS}}}deleted-entry")
            element.set("ref", ref)
            element.set("when", when)
        return feed


def _entry_text(review, brand, text: dict, locale: str) -> str:
    phase = clean(review.phase.display_name(locale))
    lines = [f"{text['rating'].format(rating=review.rating)} · {phase}", verification(review, text)]
    if review.source:
        written = timestamps.date_text(review.answered_at, locale, brand.time_zone)
        lines.append(
            f"{text['imported_from'].format(source=review.source)}: "
            + text["imported_long"].format(source=review.source, date=written)
        )
    if review.incentivized:
        lines.append(f"{text['incentivized']}: {text['incentivized_long']}")
    lines += ["", review.body]
    if review.reply_body:
        lines += ["", f"{text['reply'].format(brand=clean(brand.name))}: {review.reply_body}"]
    return "\n".join(lines)


def _feed(slug: str, kind: str):
    brand = review_public.brand(slug)
    seed, last_modified = review_public.version(brand)
    etag = etag_for(seed)
    if (early := not_modified(etag, last_modified)) is not None:
        return early
    locale = brand.default_locale
    text = labels(locale)
    page_url = absolute(f"/reviews/{brand.slug}")
    generator = FeedGenerator()
    generator.id(page_url)
    # Review text is cleaned when stored; names the brand chose may hold characters XML cannot.
    generator.title(text["reviews_of"].format(brand=clean(brand.name)))
    generator.description(text["description_empty"].format(brand=clean(brand.name)))
    # feedgen takes the RSS <link> from the last link given: the page, not the feed itself.
    generator.link(href=absolute(f"/feeds/{brand.slug}/reviews.{kind}"), rel="self")
    generator.link(href=page_url, rel="alternate")
    generator.language(locale)
    generator.updated((last_modified or datetime(2020, 1, 1)).replace(tzinfo=UTC))
    for review in reversed(review_public.latest(brand, 50)):
        url = absolute(f"/reviews/{brand.slug}/r/{review.id}")
        entry = generator.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(
            review.title or f"{text['rating'].format(rating=review.rating)} — {review.display_name}"
        )
        entry.link(href=url)
        entry.author(name=review.display_name)
        written = _entry_text(review, brand, text, locale)
        # RSS readers take a description as HTML: the text goes in escaped, so that a reader
        # shows "<img …>" written in a review as those characters, never as markup. Atom's
        # <content> is plain text by its own type.
        entry.description(escape(written).replace("\n", "<br>\n") if kind == "rss" else written)
        entry.published(review.published_at.replace(tzinfo=UTC))
        entry.updated(review.updated_at.replace(tzinfo=UTC))
        entry.category(term=review.phase.key, label=clean(review.phase.display_name(locale)))
        for keyword in jsonld.keywords(review):
            entry.category(term=keyword)
    if kind == "atom":
        generator.register_extension("tombstones", _Tombstones, None, atom=True, rss=False)
        generator.tombstones.deleted = [
            (absolute(f"/reviews/{brand.slug}/r/{review.id}"), iso(review.removed_at))
            for review in review_public.recent_removals(brand)
        ]
        body, mimetype = generator.atom_str(pretty=False), "application/atom+xml"
    else:
        body, mimetype = generator.rss_str(pretty=False), "application/rss+xml"
    response = make_response(body)
    response.mimetype = mimetype
    response.charset = "utf-8"
    return cacheable(response, etag, last_modified, FEED_MAX_AGE)


@bp.route("/feeds/<slug>/reviews.atom")
@stateless
def atom_feed(slug):
    return _feed(slug, "atom")


@bp.route("/feeds/<slug>/reviews.rss")
@stateless
def rss_feed(slug):
    return _feed(slug, "rss")
