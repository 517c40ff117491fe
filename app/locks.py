"""Row locks that make a check and the write it decides one step, until the commit."""

from sqlalchemy import select, update

from app.extensions import db


def locked(query, *, keys: bool = False, nowait: bool = False):
    """`query` locking its rows until the commit, read afresh once the lock is ours.

    A second writer waits here, then decides on what the first one left, so two requests at
    once get what two in a row get (a 409, not a unique constraint's 500; a status changed
    once, not twice). FOR NO KEY UPDATE: rows that only refer to these (their foreign-key
    check takes KEY SHARE) can still be written meanwhile. With `keys`, FOR UPDATE, which
    holds those off too: an erasure, which renames the customer that answers must not land
    on. SQLite ignores both; it lets one writer in at a time anyway.

    With `nowait`, a row another transaction holds fails the statement at once (SQLSTATE
    55P03) instead of waiting: for a caller that must not wait while it holds other locks.
    """
    return query.with_for_update(key_share=not keys, nowait=nowait).execution_options(
        populate_existing=True
    )


def referenced(query):
    """`query` taking FOR KEY SHARE on its rows, read afresh: the lock a foreign-key check
    takes, taken when they are read. A DELETE of one (or an erasure's FOR UPDATE) waits for
    this transaction; one committed while this waited leaves the row out, where the INSERT
    that refers to it would have failed its foreign key. Such readers never wait for each
    other, nor for `locked`."""
    return query.with_for_update(read=True, key_share=True).execution_options(
        populate_existing=True
    )


def shared(query):
    """`query` taking FOR SHARE on its rows: readers that decide on the rows' contents (a
    journey's phase order) hold off `locked` writers, and not each other."""
    return query.with_for_update(read=True)


def claimed(model, *conditions) -> list:
    """The outbox rows (an alert, a weekly report: a model with `id` and `attempts`) that
    match, this sender's until the commit, oldest first. SKIP LOCKED: rows another sender is
    mailing right now are that sender's; it marks them, so none is mailed twice.

    SQLite ignores FOR UPDATE, and `make run` serves requests in threads that send inline:
    there a write comes first (write_first), so a second sender waits for this one's commit
    and then finds the rows sent."""
    write_first(model, *conditions)
    return list(
        db.session.scalars(
            select(model)
            .where(*conditions)
            .order_by(model.id)
            .with_for_update(skip_locked=True, key_share=True)
            .execution_options(populate_existing=True)
        )
    )


def write_first(model, *conditions) -> None:
    """On SQLite, which ignores FOR UPDATE: take its one write lock now, by a write that
    changes nothing on these rows (of a model with `attempts`), so that a second request that
    decides on them waits for this one's commit instead of deciding on what this one is about
    to change. PostgreSQL's row locks do that already: nothing is written there."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(model).where(*conditions).values(attempts=model.attempts))


def lock_brand(brand_id: int) -> None:
    """For what is counted or named per brand (webhook endpoints, persona keys)."""
    from app.models import Brand  # here: the models import the extensions this module does

    db.session.execute(locked(select(Brand.id).where(Brand.id == brand_id)))
