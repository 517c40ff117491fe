"""What readers, crawlers and other sites may see of a brand's reviews: pages, feeds, sitemap.

Only published reviews are shown. A removed review that once was public answers 410 and is a
tombstone in the feeds; any other review that is not published is simply not there (404).
"""

import hashlib
import math
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Journey, LoyaltyPolicy, Phase, SurveyRollup
from app.models.review import PUBLISHED, REMOVED, Review
from app.services import brands, review_effects, review_tally

PER_PAGE = 20
FEED_LIMIT = 500
ITEM_TYPES = ("Product", "Service", "LocalBusiness", "Organization")


def brand(slug: str) -> Brand:
    if len(slug) > 64:
        raise AppError(404, "brand not found")
    return brands.by_slug(slug)


def item_reviewed(brand: Brand) -> dict:
    """What the reviews are about, as the brand configured it in review_policy["item"].

    Google shows no review stars for an Organization or LocalBusiness reviewing itself
    ("self-serving"); a Product or Service the brand sells can earn them.
    """
    item = (brand.review_policy or {}).get("item") or {}
    kind = item.get("type") if item.get("type") in ITEM_TYPES else "Organization"
    found = {"@type": kind, "name": str(item.get("name") or brand.name)[:200]}
    if item.get("description"):
        found["description"] = str(item["description"])[:500]
    if item.get("url"):
        found["url"] = str(item["url"])[:500]
    return found


def _phases_with_reviews(brand: Brand, with_reviews: dict | None = None) -> list[Phase]:
    if with_reviews is None:
        with_reviews = review_tally.published_by_phase(brand.id)
    if not with_reviews:
        return []
    return list(
        db.session.scalars(
            select(Phase)
            .where(Phase.brand_id == brand.id, Phase.id.in_(with_reviews))
            .order_by(Phase.journey_id, Phase.position)
        )
    )


def phases(brand: Brand) -> list[Phase]:
    """One phase per key that has published reviews, in journey order (the first journey's).

    The public URLs are /reviews/<slug>/<key>: two journeys' phases of one key are one page."""
    first: dict[str, Phase] = {}
    for phase in _phases_with_reviews(brand):
        first.setdefault(phase.key, phase)
    return list(first.values())


def phases_by_key(brand: Brand, key: str) -> list[Phase]:
    """The brand's phases with this key (one per journey); 404 when there are none."""
    found = list(
        db.session.scalars(
            select(Phase).where(Phase.brand_id == brand.id, Phase.key == key).order_by(Phase.id)
        )
    )
    if not found:
        raise AppError(404, "phase not found")
    return found


def _published(brand: Brand, only_phases: list[int] | None = None):
    query = select(Review).where(Review.brand_id == brand.id, Review.status == PUBLISHED)
    if only_phases is not None:
        query = query.where(Review.phase_id.in_(only_phases))
    return query


def _block(distribution: dict[int, int]) -> dict:
    count = sum(distribution.values())
    total = sum(rating * n for rating, n in distribution.items())
    return {
        "count": count,
        "average": round(total / count, 1) if count else None,
        "distribution": {rating: distribution.get(rating, 0) for rating in range(5, 0, -1)},
    }


def _overall(per_phase: dict[int, dict[int, int]]) -> dict[int, int]:
    overall: dict[int, int] = {}
    for distribution in per_phase.values():
        for rating, n in distribution.items():
            overall[rating] = overall.get(rating, 0) + n
    return overall


def summary(brand: Brand, only_phases: list[int] | None = None) -> dict:
    """Count, average and 1-5 distribution, overall and per phase, of the reviews collected
    here; `imported` the same for those imported from other sites, with their sources.

    The imported ones are listed on the pages, labelled with their source, but stay out of
    the average, as out of the JSON-LD AggregateRating that must state what the page shows:
    Google's review snippets take only reviews the site collected itself, never ones
    aggregated from other sites (docs/reviews.md, "Bring your reviews with you")."""
    kinds = review_tally.published_kinds(brand.id, only_phases)
    per_phase, imported = kinds["collected"], kinds["imported"]
    # Per phase key, as the public URLs are: journeys that share a key are one row.
    per_key: dict[str, dict[int, int]] = {}
    shown: dict[str, Phase] = {}
    for phase in _phases_with_reviews(brand, per_phase):
        shown.setdefault(phase.key, phase)
        distribution = per_key.setdefault(phase.key, {})
        for rating, n in per_phase[phase.id].items():
            distribution[rating] = distribution.get(rating, 0) + n
    phase_rows = [{"phase": phase, **_block(per_key[key])} for key, phase in shown.items()]
    found = {**_block(_overall(per_phase)), "phases": phase_rows}
    found["imported"] = {**_block(_overall(imported)), "sources": []}
    if imported:
        found["imported"]["sources"] = imported_sources(brand, only_phases)
    return found


def imported_sources(brand: Brand, only_phases: list[int] | None = None) -> list[str]:
    """The sites the brand's published imported reviews (of these phases) came from."""
    query = select(Review.source).where(
        Review.brand_id == brand.id, Review.source.is_not(None), Review.status == PUBLISHED
    )
    if only_phases is not None:
        query = query.where(Review.phase_id.in_(only_phases))
    return list(db.session.scalars(query.distinct().order_by(Review.source).limit(5)))


def label_counts(brand: Brand, only_phases: list[int] | None = None) -> dict:
    """How many published reviews are verified, and how many were incentivized."""
    counted = review_tally.totals(brand.id, only_phases)
    return {
        "verified": counted["published_verified"],
        "incentivized": counted["published_incentivized"],
    }


def page(brand: Brand, number: int, only_phases: list[int] | None = None) -> dict:
    """One page of published reviews, newest first; a page past the end is a 404."""
    total = review_tally.totals(brand.id, only_phases)["published"]
    pages = max(1, math.ceil(total / PER_PAGE))
    if number < 1 or number > pages:
        raise AppError(404, "no such page")
    # The page's ids first, from ix_review_public alone (an index-only scan past the OFFSET),
    # then only those 20 rows: an OFFSET over whole rows read each skipped review's row.
    ids = (
        _published(brand, only_phases)
        .with_only_columns(Review.id)
        .order_by(Review.published_at.desc(), Review.id.desc())
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    items = db.session.scalars(
        select(Review)
        .where(Review.id.in_(ids.scalar_subquery()))
        .options(selectinload(Review.phase))
        .order_by(Review.published_at.desc(), Review.id.desc())
    ).all()
    return {"items": items, "page": number, "pages": pages, "total": total}


def review(brand: Brand, review_id: int) -> Review:
    found = db.session.scalar(
        select(Review).where(Review.id == review_id, Review.brand_id == brand.id)
    )
    if found is not None and found.status == REMOVED and found.was_public:
        raise AppError(410, "this review was removed", code="gone")
    if found is None or found.status != PUBLISHED:
        raise AppError(404, "review not found")
    return found


def version(brand: Brand) -> tuple[str, datetime | None]:
    """(ETag seed, Last-Modified) of everything public about the brand's reviews.

    Any change a reader could see bumps a public review's updated_at (publish, reply, removal),
    the brand's (its name, form of address, contact policy, privacy link; a phase edit,
    journey_editor), the loyalty policy's (the incentive terms) or adds a journey, so those
    moments, the count of reviews that were ever public, the brand's settings and its phases
    are a cheap validator.
    """
    loyalty_changed = (
        select(LoyaltyPolicy.updated_at).where(LoyaltyPolicy.brand_id == brand.id).scalar_subquery()
    )
    newest_journey = (
        select(func.max(Journey.created_at)).where(Journey.brand_id == brand.id).scalar_subquery()
    )
    newest, loyalty_at, journey_at = db.session.execute(
        select(func.max(Review.updated_at), loyalty_changed, newest_journey).where(
            Review.brand_id == brand.id, Review.published_at.is_not(None)
        )
    ).one()
    count = review_tally.totals(brand.id)["ever_public"]
    # What the pages show of phases (names, keys, order); none of it has a timestamp of its own.
    phase_rows = db.session.execute(
        select(Phase.id, Phase.journey_id, Phase.key, Phase.position, Phase.name)
        .where(Phase.brand_id == brand.id)
        .order_by(Phase.id)
    ).all()
    settings = repr(
        (
            brand.name,
            brand.review_policy,
            brand.locales,
            brand.default_locale,
            brand.formal_address,
            brand.contact_policy,
            brand.time_zone,  # the dates the pages show
            brand.privacy_url,  # linked in the footer
            [tuple(row) for row in phase_rows],
        )
    )
    seed = f"{brand.id}:{count}:{newest}:{loyalty_at}:{settings}"
    moments = (newest, brand.updated_at, loyalty_at, journey_at)
    changed = [moment for moment in moments if moment is not None]
    return hashlib.sha256(seed.encode()).hexdigest()[:32], max(changed, default=None)


# --- feeds -----------------------------------------------------------------------------------


def feed_changes(brand: Brand, since: datetime | None, cursor: tuple | None) -> dict:
    """Published reviews and tombstones changed after `since`, oldest change first.

    Ordered by (updated_at, id) so a client can page on with the returned cursor without
    missing two reviews that changed in the same instant.
    """
    query = select(Review).where(
        Review.brand_id == brand.id,
        or_(
            Review.status == PUBLISHED, (Review.status == REMOVED) & Review.published_at.isnot(None)
        ),
    )
    if since is not None:
        query = query.where(Review.updated_at > since)
    if cursor is not None:
        query = query.where(tuple_(Review.updated_at, Review.id) > cursor)
    rows = list(
        db.session.scalars(
            query.options(selectinload(Review.phase))
            .order_by(Review.updated_at, Review.id)
            .limit(FEED_LIMIT + 1)
        )
    )
    more = len(rows) > FEED_LIMIT
    rows = rows[:FEED_LIMIT]
    return {
        "items": [row for row in rows if row.status == PUBLISHED],
        "tombstones": [row for row in rows if row.status == REMOVED],
        "next": (rows[-1].updated_at, rows[-1].id) if more else None,
    }


def latest(brand: Brand, limit: int = 50, only_phases: list[int] | None = None) -> list[Review]:
    return list(
        db.session.scalars(
            _published(brand, only_phases)
            .options(selectinload(Review.phase))
            .order_by(Review.published_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )


def recent_removals(brand: Brand, limit: int = 50) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(
                Review.brand_id == brand.id,
                Review.status == REMOVED,
                Review.published_at.isnot(None),
            )
            .order_by(Review.removed_at.desc())
            .limit(limit)
        )
    )


# --- the disclosure page ---------------------------------------------------------------------


def disclosure(brand: Brand) -> dict:
    """The facts the about page states, all read from the brand's settings and data."""
    from app.services.reviews import policy_mode, unverified_mode

    # Counted answers per channel from the survey rollup: counting the raw answers read all
    # of them on every view (0.8 s at 2M answers); the rollup has a row per survey and day.
    channels = {
        channel: int(total)
        for channel, total in db.session.execute(
            select(SurveyRollup.channel, func.sum(SurveyRollup.responses))
            .where(SurveyRollup.brand_id == brand.id)
            .group_by(SurveyRollup.channel)
        )
        if total
    }
    counted = review_tally.totals(brand.id)
    removals = dict(
        db.session.execute(
            select(Review.removal_ground, func.count(Review.id))
            .where(Review.brand_id == brand.id, Review.status == REMOVED)
            .group_by(Review.removal_ground)
        ).all()
    )
    phase_rows = db.session.scalars(
        select(Phase).where(Phase.brand_id == brand.id).order_by(Phase.journey_id, Phase.position)
    ).all()
    return {
        "channels": {name: channels[name] for name in sorted(channels)},
        "policy": [(phase, policy_mode(brand, phase.key)) for phase in phase_rows],
        "unverified": unverified_mode(brand),
        "loyalty": review_effects.loyalty_terms(brand.id),
        "counts": {status: counted[status] for status in (PUBLISHED, "pending", REMOVED)},
        "rejected": counted["rejected"],
        "published": counted["published"],
        "verified": counted["published_verified"],
        "incentivized": counted["published_incentivized"],
        "imported": counted["published_imported"],
        "sources": imported_sources(brand) if counted["published_imported"] else [],
        "removals": removals,
        "moderation_hours": _moderation_hours(brand),
    }


def _moderation_hours(brand: Brand) -> float | None:
    """Median hours from answer to a moderator's decision, over the last 200 decisions."""
    from app.models.review import ModerationEntry

    rows = db.session.execute(
        select(ModerationEntry.created_at, Review.answered_at)
        .join(Review, Review.id == ModerationEntry.review_id)
        .where(
            ModerationEntry.brand_id == brand.id,
            ModerationEntry.action.in_(("publish", "reject")),
            ModerationEntry.actor != "system",
            # an imported review was answered years before anyone here could decide on it
            Review.source.is_(None),
        )
        .order_by(ModerationEntry.id.desc())
        .limit(200)
    ).all()
    hours = sorted((decided - answered).total_seconds() / 3600 for decided, answered in rows)
    if not hours:
        return None
    return round(hours[len(hours) // 2], 1)


def sitemap_max() -> int:
    return int(current_app.config.get("REVIEW_SITEMAP_MAX_URLS", 50_000))
