"""The append-only ledger: writing entries, balances, redemptions and manual adjustments.

Nothing here commits: entries join the caller's transaction (the pipeline batch, a review's
moderation, an API request), so points and the thing that earned them commit together.
"""

import functools
import re
import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql

from app.extensions import db
from loyalty import codes, events, members
from loyalty.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    LoyaltyError,
    NoSuchReward,
    UnknownReward,
)
from loyalty.models import ENTRY_FIELDS, LedgerEntry, naive_utc, utcnow
from loyalty.policy import get_policy, reward
from loyalty.tables import among, dialect, insert, table

UNIQUE_KEY = ["brand_id", "source_type", "source_id", "reason"]
MAX_POINTS = 1_000_000
# The source ids erasure gives a tombstone's entries (loyalty.privacy): a prefix no award
# makes and no redemption key may start with, so nothing new can ever collide with them.
ERASED_SOURCE = "erased-"


def lock_customers(customer_ids) -> dict[int, str | None]:
    """Serialise every balance-changing decision for these customers until the commit.

    Rows are locked in id order, so two transactions locking overlapping sets cannot deadlock.
    Returns {customer id: email}: the pipeline needs it, and the lock reads the rows anyway.
    """
    ids = sorted(set(customer_ids))
    emails: dict[int, str | None] = {}
    if not ids:
        return emails
    customer = table("customer")
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        if dialect() == "postgresql":
            emails.update(
                db.session.execute(
                    select(customer.c.id, customer.c.email)
                    .where(among(customer.c.id, chunk))
                    .order_by(customer.c.id)
                    # FOR NO KEY UPDATE: balance changes wait for each other (and an erasure),
                    # answers for these customers (their foreign-key check) do not
                    .with_for_update(key_share=True)
                ).all()
            )
        else:
            # SQLite has no row locks: a no-op write takes the database's write lock now,
            # before any balance is read, so two requests cannot both spend the same points.
            # (Plain SQL: a Core update would also bump the customer's updated_at.)
            db.session.execute(
                text("UPDATE customer SET id = id WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": chunk},
            )
            emails.update(
                db.session.execute(
                    select(customer.c.id, customer.c.email).where(customer.c.id.in_(chunk))
                ).all()
            )
    return emails


def lock_customer(customer_id: int) -> None:
    lock_customers([customer_id])


def balance(brand_id: int, customer_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.brand_id == brand_id, LedgerEntry.customer_id == customer_id
            )
        )
    )


def add_once(values: dict, event: str) -> int | None:
    """Insert an entry unless its (brand, source_type, source_id, reason) exists; its id or None.
    An entry added is published as `event` (in this transaction, as every entry is).

    ON CONFLICT DO NOTHING also holds under concurrency: on PostgreSQL a second writer of
    the same key waits for the first to commit and then inserts nothing.
    """
    row = {"created_at": utcnow(), **values}
    row.setdefault("effective_at", row["created_at"])
    statement = (
        insert(LedgerEntry)
        .values(**row)
        .on_conflict_do_nothing(index_elements=UNIQUE_KEY)
        .returning(LedgerEntry.id)
    )
    entry_id = db.session.execute(statement).scalar()
    if entry_id is not None:
        members.note([(row["brand_id"], row["customer_id"], row["effective_at"])])
        events.publish(event, {**values, "id": entry_id})
    return entry_id


def insert_new(rows: list[dict]) -> dict[tuple[int, str], dict]:
    """Insert entries of one reason, skipping existing keys; {(brand_id, source_id): row}.

    INSERT … ON CONFLICT DO NOTHING RETURNING, what comes back is exactly what this
    transaction added. Every row must have the same keys. On PostgreSQL the rows go as one
    array per column, unnested by the server: a short statement compiled once, where multi-row
    VALUES made psycopg parse a statement of hundreds of parameters per page of rows. Elsewhere
    they are executed as a list, so SQLAlchemy compiles once and sends multi-row INSERTs.
    """
    inserted: dict[tuple[int, str], dict] = {}
    if not rows:
        return inserted
    now = utcnow()
    values = [{"created_at": now, **row} for row in rows]
    by_key = {(row["brand_id"], row["source_id"]): row for row in values}
    if dialect() == "postgresql":
        names = tuple(values[0])
        connection = db.session.connection()
        result = connection.exec_driver_sql(
            _unnest_insert(names, connection.dialect),
            {f"rows_{name}": [row[name] for row in values] for name in names},
        )
    else:
        entries = LedgerEntry.__table__
        result = db.session.execute(
            insert(entries)
            .on_conflict_do_nothing(index_elements=UNIQUE_KEY)
            .returning(entries.c.id, entries.c.brand_id, entries.c.source_id),
            values,
        )
    for entry_id, brand_id, source_id in result.all():  # one fetch, not one per row
        inserted[(brand_id, source_id)] = {**by_key[(brand_id, source_id)], "id": entry_id}
    members.note((r["brand_id"], r["customer_id"], r["effective_at"]) for r in inserted.values())
    return inserted


@functools.cache
def _unnest_insert(names: tuple[str, ...], sql_dialect) -> str:
    """INSERT … SELECT * FROM unnest(:rows_a, :rows_b, …) ON CONFLICT DO NOTHING RETURNING, as
    SQL (SQLAlchemy would compile an ON CONFLICT statement on every execute), with the arrays
    as binary parameters (%(…)b): psycopg dumps a list in binary far faster than as text."""
    entries = LedgerEntry.__table__
    arrays = [
        bindparam(f"rows_{name}", type_=postgresql.ARRAY(entries.c[name].type)) for name in names
    ]
    unnested = func.unnest(*arrays).table_valued(*names, name="rows").render_derived()
    statement = (
        postgresql.insert(entries)
        .from_select(names, select(*unnested.c))
        .on_conflict_do_nothing(index_elements=UNIQUE_KEY)
        .returning(entries.c.id, entries.c.brand_id, entries.c.source_id)
    )
    return re.sub(r"%\((rows_\w+)\)s", r"%(\1)b", str(statement.compile(dialect=sql_dialect)))


def find(brand_id: int, source_type: str, source_id: str, reason: str) -> LedgerEntry | None:
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.brand_id == brand_id,
            LedgerEntry.source_type == source_type,
            LedgerEntry.source_id == source_id,
            LedgerEntry.reason == reason,
        )
    )


def entries(
    brand_id: int, customer_id: int, *, before_id: int | None = None, limit: int = 50
) -> tuple[list[dict], int | None]:
    """Newest first, each with the balance after it; returns (entries, next before_id).
    Plain rows, not ORM objects: a page of 50 was mostly the ORM's work per entry."""
    phase = table("phase")
    columns = LedgerEntry.__table__.c
    query = (
        select(*(columns[name] for name in ENTRY_FIELDS), phase.c.key.label("phase"))
        .outerjoin(phase, phase.c.id == LedgerEntry.phase_id)
        .where(LedgerEntry.brand_id == brand_id, LedgerEntry.customer_id == customer_id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit + 1)
    )
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    if rows:
        # The running balance: what is left after this entry = SUM of it and everything older.
        after = int(
            db.session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                    LedgerEntry.brand_id == brand_id,
                    LedgerEntry.customer_id == customer_id,
                    LedgerEntry.id <= rows[0].id,
                )
            )
        )
        for row in rows:
            items.append({**row._mapping, "balance_after": after})
            after -= row.points
    return items, (rows[-1].id if more else None)


def statement(
    brand_id: int, customer_id: int, *, before_id: int | None = None, limit: int = 50
) -> tuple[list[dict], int | None, int]:
    """(entries as `entries` gives them, next before_id, balance). On the first page the
    newest entry's running balance is the balance: one sum over the ledger instead of two,
    and the two figures cannot disagree when an entry is written between two reads."""
    items, next_before = entries(brand_id, customer_id, before_id=before_id, limit=limit)
    if before_id is None:
        return items, next_before, items[0]["balance_after"] if items else 0
    return items, next_before, balance(brand_id, customer_id)


def _check_points(points) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
        raise LoyaltyError(f"points must be a whole number from 1 to {MAX_POINTS}", "points")
    return points


def _check_key(key: str | None) -> None:
    if key is not None and key.startswith(ERASED_SOURCE):
        raise LoyaltyError(
            f"an Idempotency-Key may not start with {ERASED_SOURCE!r}", "Idempotency-Key"
        )


def redeem(
    brand_id: int,
    customer_id: int,
    *,
    reward_key: str,
    points: int | None = None,
    key: str | None = None,
    at: datetime | None = None,
    with_code: bool = False,
) -> tuple[LedgerEntry, bool]:
    """Spend points on a reward; (entry, created). InsufficientPoints when the balance is short.

    The customer row stays locked until the caller commits, so parallel redemptions queue up
    and each sees the balance the previous one left: the balance never goes below zero.
    With an idempotency key, the same key again returns the first redemption.
    With with_code, the entry takes a code from the catalogue reward's pool in the same
    transaction (codes.NoCodeLeft when it is empty): no points without a code, and no code
    twice.
    """
    _check_key(key)
    policy = get_policy(brand_id)
    item = reward(policy, reward_key)
    if with_code and item is None:
        raise NoSuchReward(f"{reward_key!r} is not a reward of the catalogue", "reward")
    if points is None:
        if item is None:
            raise UnknownReward(
                f"{reward_key!r} is not in the rewards catalogue; send points for it", "reward"
            )
        points = int(item["points"])
    points = _check_points(points)
    lock_customer(customer_id)
    if key is not None:
        existing = find(brand_id, "redemption", key, "redeemed")
        if existing is not None:
            if (existing.customer_id, existing.reward, -existing.points) != (
                customer_id,
                reward_key,
                points,
            ):
                raise IdempotencyConflict(
                    "this Idempotency-Key was used for a different redemption"
                )
            return existing, False
    available = balance(brand_id, customer_id)
    if available < points:
        raise InsufficientPoints(available, points)
    code = codes.take(brand_id, reward_key) if with_code else None
    entry = LedgerEntry(
        brand_id=brand_id,
        customer_id=customer_id,
        kind="redeem",
        points=-points,
        source_type="redemption",
        source_id=key or uuid.uuid4().hex,
        reason="redeemed",
        reward=reward_key,
        reward_name=item["name"] if item is not None else None,
        code=code.code if code is not None else None,
        effective_at=naive_utc(at) if at else utcnow(),
        created_at=utcnow(),
    )
    _append(entry)
    if code is not None:
        codes.hand_out(code, entry.id)
    events.publish(events.REDEEMED, _values(entry))
    return entry, True


def _stored_reason(reason: str | None) -> str:
    """An adjustment's reason as stored: trimmed, at most 200 characters (empty is refused)."""
    return (reason or "").strip()[:200]


def adjust_once(
    brand_id: int, customer_id: int, *, points: int, reason: str, key: str
) -> tuple[LedgerEntry, bool]:
    """adjust() under an idempotency key: (entry, created). The same key again returns the
    first adjustment; a key used for a different one is an IdempotencyConflict. A client
    that timed out sends it again without adding the points twice."""
    _check_key(key)
    lock_customer(customer_id)  # a repeat sent at once waits here, then finds the first
    existing = db.session.scalar(
        select(LedgerEntry)
        .where(
            LedgerEntry.brand_id == brand_id,
            LedgerEntry.source_type == "adjustment",
            LedgerEntry.source_id == key,
        )
        .order_by(LedgerEntry.id)
        .limit(1)
    )
    if existing is None:
        return adjust(brand_id, customer_id, points=points, reason=reason, key=key), True
    same = (customer_id, points, _stored_reason(reason))
    if (existing.customer_id, existing.points, existing.reason) != same:
        raise IdempotencyConflict("this Idempotency-Key was used for a different adjustment")
    return existing, False


def adjust(
    brand_id: int,
    customer_id: int,
    *,
    points: int,
    reason: str,
    key: str | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """A manual correction with a reason; a negative one may not take the balance below zero."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise LoyaltyError("points must be a non-zero whole number", "points")
    _check_points(abs(points))
    _check_key(key)
    reason = _stored_reason(reason)
    if not reason:
        raise LoyaltyError("an adjustment needs a reason", "reason")
    lock_customer(customer_id)
    if points < 0:
        available = balance(brand_id, customer_id)
        if available + points < 0:
            raise InsufficientPoints(available, -points)
    entry = LedgerEntry(
        brand_id=brand_id,
        customer_id=customer_id,
        kind="adjust",
        points=points,
        source_type="adjustment",
        source_id=key or uuid.uuid4().hex,
        reason=reason,
        effective_at=naive_utc(at) if at else utcnow(),
        created_at=utcnow(),
    )
    _append(entry)
    events.publish(events.EARNED if points > 0 else events.DEDUCTED, _values(entry))
    return entry


def _append(entry: LedgerEntry) -> None:
    db.session.add(entry)
    db.session.flush()
    members.note([(entry.brand_id, entry.customer_id, entry.effective_at)])


def _values(entry: LedgerEntry) -> dict:
    return {**entry.as_dict(), "brand_id": entry.brand_id, "customer_id": entry.customer_id}


def touch_response(response_id: int) -> None:
    """Mark a response as incentivized: points were offered (and here, given) for it."""
    response = table("response")
    db.session.execute(
        update(response)
        .where(response.c.id == response_id, response.c.incentivized.is_(False))
        .values(incentivized=True)
    )
