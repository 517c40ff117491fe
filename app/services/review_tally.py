"""The per-brand tally of reviews: how many per phase, rating and status, kept as they change.

The public pages, feeds and badge showed counts (a brand's total, its average and
distribution, the verified and incentivized labels, the page numbers, the validator of every
304) that they counted from the review table on each request: 0.4-1.6 s at 260k reviews.
They read the few rows of review_tally instead.

It stays exact because every change to a review's status (and a new review) adds its
difference in the same transaction, by an INSERT … ON CONFLICT that adds to the row: two
publishes at once both count, where a read-modify-write would lose one. `changing` is the
way to do it. The test suite recounts after every test (tests/conftest.py), and
`flask review recount` sets a brand's tally from its reviews again if ever in doubt.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, func, select, text, update

from app.extensions import db
from app.models.review import (
    PENDING,
    PUBLISHED,
    REJECTED,
    REMOVED,
    TALLY_KEY,
    Review,
    ReviewTally,
)
from app.services import upserts

Key = tuple[int, int, int]  # (brand_id, phase_id, rating)
Share = tuple[Key, dict[str, int]]  # a review's key and what it adds to that row now

STATUS_COUNTER = {
    PENDING: "pending",
    PUBLISHED: "published",
    REJECTED: "rejected",
    REMOVED: "removed",
}


def share(review: Review) -> Share:
    """What this review adds to its tally row in its present state."""
    published = review.status == PUBLISHED
    counters = {
        STATUS_COUNTER[review.status]: 1,
        "published_verified": int(published and bool(review.verified)),
        "published_incentivized": int(published and bool(review.incentivized)),
        "ever_public": int(review.published_at is not None),
        "published_imported": int(published and review.source is not None),
    }
    return (review.brand_id, review.phase_id, review.rating), counters


def add(changes: Iterable[tuple[Share | None, Share | None]]) -> None:
    """Add each (before, after) difference to the tally: one statement for all of them.

    None is a review that was not there (before) or is gone (after). Called once, last, in
    the transaction that made the changes: its row locks are then held only until the commit,
    and no transaction that holds them waits for another lock."""
    totals: dict[Key, dict[str, int]] = {}
    for before, after in changes:
        for counted, sign in ((before, -1), (after, 1)):
            if counted is None:
                continue
            key, counters = counted
            row = totals.setdefault(key, {})
            for name, n in counters.items():
                row[name] = row.get(name, 0) + sign * n
    rows = {key: row for key, row in totals.items() if any(row.values())}
    upserts.add_by_key(ReviewTally, TALLY_KEY, rows)


Snapshot = list[tuple[Review, Share]]


def before(reviews: list[Review]) -> Snapshot:
    """These reviews' shares now, before a change; `after` adds the difference."""
    return [(review, share(review)) for review in reviews]


def after(snapshot: Snapshot) -> None:
    """Add what changed in the reviews since `before` took the snapshot."""
    add((counted, share(review)) for review, counted in snapshot)


@contextmanager
def changing(reviews: list[Review]) -> Iterator[None]:
    """Count what the block changes in these reviews (`before` and `after` around it)."""
    snapshot = before(reviews)
    yield
    after(snapshot)


def added(reviews: list[Review]) -> None:
    """New reviews, counted in the state they were stored in."""
    add((None, share(review)) for review in reviews)


# --- reading ---------------------------------------------------------------------------------


def _rows(brand_id: int, only_phases: list[int] | None):
    query = select(ReviewTally).where(ReviewTally.brand_id == brand_id)
    if only_phases is not None:
        query = query.where(ReviewTally.phase_id.in_(only_phases))
    return query


def published_by_phase(brand_id: int, only_phases: list[int] | None = None) -> dict:
    """{phase_id: {rating: published reviews}}, only what has one or more."""
    return published_kinds(brand_id, only_phases)["all"]


def published_kinds(brand_id: int, only_phases: list[int] | None = None) -> dict[str, dict]:
    """published_by_phase's {phase_id: {rating: n}} of each kind, from one read: "all",
    "collected" (made here from answers) and "imported" (from another site)."""
    found: dict[str, dict[int, dict[int, int]]] = {"all": {}, "collected": {}, "imported": {}}
    query = _rows(brand_id, only_phases).where(ReviewTally.published > 0)
    for row in db.session.scalars(query):
        imported = row.published_imported or 0
        counts = {"all": row.published, "collected": row.published - imported}
        counts["imported"] = imported
        for kind, n in counts.items():
            if n > 0:
                found[kind].setdefault(row.phase_id, {})[row.rating] = n
    return found


def totals(brand_id: int, only_phases: list[int] | None = None) -> dict[str, int]:
    """Every counter summed over the brand (or these phases of it)."""
    query = _rows(brand_id, only_phases).with_only_columns(
        *(func.coalesce(func.sum(getattr(ReviewTally, name)), 0) for name in ReviewTally.COUNTERS)
    )
    values = db.session.execute(query).one()
    return {name: int(value) for name, value in zip(ReviewTally.COUNTERS, values, strict=True)}


def public_brand_ids(limit: int) -> list[int]:
    """The first brands (by id) with published reviews: the ones with public review pages."""
    return list(
        db.session.scalars(
            select(ReviewTally.brand_id)
            .group_by(ReviewTally.brand_id)
            .having(func.sum(ReviewTally.published) > 0)
            .order_by(ReviewTally.brand_id)
            .limit(limit)
        )
    )


def published_total() -> int:
    """Published reviews of every brand (the sitemap's size)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(ReviewTally.published), 0))))


# --- checking --------------------------------------------------------------------------------


def counted(brand_id: int | None = None) -> dict[Key, dict[str, int]]:
    """The tally as it should be, counted from the review table (all brands, or one)."""
    published = Review.status == PUBLISHED
    counts = {name: Review.status == status for status, name in STATUS_COUNTER.items()} | {
        "published_verified": published & Review.verified,
        "published_incentivized": published & Review.incentivized,
        "ever_public": Review.published_at.is_not(None),
        "published_imported": published & Review.source.is_not(None),
    }
    names = ReviewTally.COUNTERS
    columns = [func.sum(func.cast(counts[name], db.Integer)) for name in names]
    query = select(Review.brand_id, Review.phase_id, Review.rating, *columns).group_by(
        Review.brand_id, Review.phase_id, Review.rating
    )
    if brand_id is not None:
        query = query.where(Review.brand_id == brand_id)
    return {
        (b, p, r): {name: int(n or 0) for name, n in zip(names, values, strict=True)}
        for b, p, r, *values in db.session.execute(query)
    }


def stored(brand_id: int | None = None) -> dict[Key, dict[str, int]]:
    """The tally as it is, without rows that count nothing."""
    query = select(ReviewTally)
    if brand_id is not None:
        query = query.where(ReviewTally.brand_id == brand_id)
    found = {}
    for row in db.session.scalars(query):
        counters = {name: getattr(row, name) for name in ReviewTally.COUNTERS}
        if any(counters.values()):
            found[(row.brand_id, row.phase_id, row.rating)] = counters
    return found


def differences(brand_id: int | None = None) -> dict[Key, tuple[dict | None, dict | None]]:
    """{key: (stored, counted)} where the tally and a recount differ; {} when it is exact."""
    have, should = stored(brand_id), counted(brand_id)
    return {
        key: (have.get(key), should.get(key))
        for key in sorted(have.keys() | should.keys())
        if have.get(key) != should.get(key)
    }


def recount(brand_id: int) -> int:
    """Set a brand's tally from its reviews again; returns how many of its rows were wrong.

    On PostgreSQL the tally is locked against writes for the recount (SHARE ROW EXCLUSIVE:
    readers go on): a change committed before it is in the count, and one still open adds its
    difference after it. Without the lock a review counted here whose change had already been
    added to a row made meanwhile would count twice. SQLite has one writer at a time, but a
    read does not take it: a write first (of nothing) holds it from the count to the commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE review_tally IN SHARE ROW EXCLUSIVE MODE"))
    else:
        db.session.execute(
            update(ReviewTally)
            .where(ReviewTally.brand_id == brand_id)
            .values(brand_id=ReviewTally.brand_id)
        )
    have, should = stored(brand_id), counted(brand_id)
    db.session.execute(delete(ReviewTally).where(ReviewTally.brand_id == brand_id))
    upserts.add_by_key(ReviewTally, TALLY_KEY, should)
    db.session.commit()
    return sum(1 for key in have.keys() | should.keys() if have.get(key) != should.get(key))
