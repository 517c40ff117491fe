"""The pipeline's work on a batch of received responses, in one transaction.

Rows are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL), so two workers never process the
same response, and marked processed in the same commit as their rollup increments: a job
that runs twice, or is killed half-way, changes nothing twice. SQLite has no row locks: there
a batch is marked only if its rows are still received, else rolled back (_mark_processed).

A batch costs a fixed handful of statements whatever its size: the claim, one upsert per
rollup table, the loyalty step's few, the follow-up alerts' one (or three when a user of the
batch's brands wants alerts), and one UPDATE that writes every row's results.
"""

import logging
import time
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import instance_state, set_committed_value

import loyalty
from app.connections import TRANSIENT
from app.extensions import db, queue
from app.models import Response
from app.models.base import utcnow
from app.models.response import FAILED, PROCESSED, RECEIVED
from app.pipeline import nps, sentiment
from app.services import (
    follow_up,
    map_rollup,
    reviews,
    rollups,
    survey_counts,
    upserts,
    webhooks,
)

log = logging.getLogger(__name__)


def _claim(response_ids: list[int], batch_size: int) -> list[Response]:
    """Lock the given received rows, plus other waiting ones up to batch_size (grab-along)."""
    base = (
        select(Response)
        .where(Response.status == RECEIVED)
        # The raw answers are never read here (the typed copies are): not worth decoding.
        # Nor are surveys or customers loaded: the loyalty step reads the two columns it needs.
        .options(defer(Response.answers))
        .order_by(Response.id)
        .with_for_update(skip_locked=True, of=Response)
    )
    claimed = (
        list(db.session.scalars(base.where(Response.id.in_(response_ids)))) if response_ids else []
    )
    room = batch_size - len(claimed)
    if room > 0:
        claimed += db.session.scalars(
            base.where(Response.id.not_in(response_ids or [0])).limit(room)
        ).all()
    return claimed


def score(batch: list[Response]) -> list[tuple[Response, sentiment.Sentiment | None]]:
    """The scores, set on the rows as if already stored: _mark_processed stores them, so no
    step's query autoflushes the batch row by row first."""
    analyzer = sentiment.get_analyzer()
    scores = analyzer.score_many((response.comment, response.locale) for response in batch)
    scored = []
    for response, result in zip(batch, scores, strict=True):
        values = {"nps_category": nps.category(response.nps)}
        if result is not None:
            values["sentiment_polarity"] = result.polarity
            values["sentiment_label"] = result.label
            values["language"] = result.language
        _as_loaded(response, values)
        scored.append((response, result))
    return scored


def _as_loaded(response: Response, values: dict) -> None:
    """Set these attributes as if loaded so: no history, so no flush writes them. A claimed row
    is unmodified and fully loaded, so they go straight into its dict; set_committed_value
    does the same with bookkeeping for other states that costs twenty times more."""
    state = instance_state(response)
    if state.modified or state.expired_attributes.intersection(values):
        for name, value in values.items():
            set_committed_value(response, name, value)
    else:
        state.dict.update(values)


def _mark_processed(batch: list[Response]) -> bool:
    """Every row's results and its new status in one statement. False when another processor
    marked one of the rows first, which only SQLite allows (it ignores FOR UPDATE): there only
    rows still received are marked. SQLite has one writer at a time, from its first write to
    its commit, so none can mark them between this check and the commit of the steps' counts."""
    rows = [
        {
            "id": response.id,
            "nps_category": response.nps_category,
            "sentiment_polarity": response.sentiment_polarity,
            "sentiment_label": response.sentiment_label,
            "language": response.language,
        }
        for response in batch
    ]
    now = utcnow()
    if db.session.get_bind().dialect.name == "postgresql":  # the claim's row locks hold them
        upserts.update_by_id(Response.__table__, rows, status=PROCESSED, processed_at=now)
        return True
    marked = upserts.update_by_id(
        Response.__table__, rows, only_if={"status": RECEIVED}, status=PROCESSED, processed_at=now
    )
    return marked == len(rows)


def steps() -> list[Callable[[list[tuple[Response, object]]], None]]:
    """What happens to a scored batch, in order, inside the batch's transaction."""
    return [
        rollups.add_answers,
        map_rollup.add_answers,
        survey_counts.add_answers,
        loyalty.award_batch,  # before reviews: it marks the responses that earned points
        reviews.make_reviews,
        follow_up.make_alerts,  # one query when no user of the batch's brands opted in
        webhooks.response_processed,
    ]


def after_commit() -> list[Callable[[list[int]], None]]:
    """What is queued once the batch is committed (ids only)."""
    return [follow_up.send_after_commit]


def process_batch(response_ids: list[int], batch_size: int = 200) -> list[int]:
    """Process what is still received among these ids (and waiting others); returns ids done."""
    return _run(list(response_ids), batch_size, grab=True)[0]


def _run(response_ids: list[int], batch_size: int, grab: bool) -> tuple[list[int], int]:
    """(ids processed, rows claimed). A batch that fails is halved until the rows that fail on
    their own stand alone; those are marked failed and the rest are processed. Otherwise one
    bad row would fail its batch on every retry, and every job claims the oldest rows first:
    the whole pipeline would stop behind it. Errors of the connection (or a deadlock) are not
    the rows' fault: they propagate, and RQ retries the job."""
    batch = _claim(response_ids, batch_size if grab else len(response_ids))
    if not batch:
        db.session.rollback()
        return [], 0
    ids = [response.id for response in batch]  # before a rollback or commit expires them
    try:
        done = _process(batch)
    except TRANSIENT:
        db.session.rollback()
        raise
    except Exception:
        db.session.rollback()
        if len(ids) == 1 and not grab:
            log.exception("response %s fails the pipeline on its own: marked failed", ids[0])
            _mark_failed(ids[0])
            return [], 1
        if len(ids) == 1:
            raise  # alone from the start: a broken step and a bad row look the same; RQ retries
        log.warning("a pipeline batch of %d failed; halving it to find the row(s)", len(ids))
        half = len(ids) // 2
        done = _run(ids[:half], half, grab=False)[0] + _run(ids[half:], len(ids) - half, False)[0]
        if not done and grab:
            # Every row failed alone: the fault is the pipeline's, not the rows'. They stay
            # received for a retry of the job (or the sweep) once it is fixed.
            retry_failed(ids)
            raise
        return done, len(ids)
    if done is None:
        # Another processor took rows of this batch first (SQLite) and counted them: this
        # batch's counts were rolled back. What is still waiting is claimed again.
        return _run(response_ids, batch_size, grab)
    return done, len(ids)


def _process(batch: list[Response]) -> list[int] | None:
    """The ids processed, or None (nothing done) when another processor took some first."""
    scored = score(batch)
    for step in steps():
        step(scored)
    if not _mark_processed(batch):
        db.session.rollback()
        return None
    done = [response.id for response in batch]  # before the commit expires (and reloads) them
    db.session.commit()
    for action in after_commit():
        action(done)
    return done


def _mark_failed(response_id: int) -> None:
    db.session.execute(
        update(Response)
        .where(Response.id == response_id, Response.status == RECEIVED)
        .values(status=FAILED, processed_at=utcnow())
    )
    db.session.commit()


def failed_ids(limit: int = 10_000) -> list[int]:
    """Responses that failed the pipeline on their own, oldest first."""
    return _oldest(FAILED, limit)


def retry_failed(response_ids: list[int]) -> int:
    """Put failed responses back to received (after a fix); returns how many."""
    result = db.session.execute(
        update(Response)
        .where(Response.id.in_(response_ids), Response.status == FAILED)
        .values(status=RECEIVED, processed_at=None)
    )
    db.session.commit()
    return result.rowcount


def process_waiting(response_ids: list[int], batch_size: int, seconds: float) -> tuple[int, bool]:
    """These ids, then waiting rows batch by batch, oldest first, until none is left,
    `seconds` have passed or the worker was asked to stop (after the batch in hand). Returns
    (responses processed, whether it stopped for lack of work)."""
    deadline = time.monotonic() + seconds
    total = 0
    while True:
        done, claimed = _run(list(response_ids), batch_size, grab=True)
        total += len(done)
        response_ids = []
        # A short batch took every row it could lock: the rest are locked by another job.
        if claimed < batch_size:
            return total, True
        # A stopping worker is given a grace period, not a minute: the rest waits as received.
        if time.monotonic() >= deadline or queue.stopping():
            return total, False


def waiting_ids(limit: int = 10_000) -> list[int]:
    """Ids still received, oldest first: what a sweep re-enqueues."""
    return _oldest(RECEIVED, limit)


def _oldest(status: str, limit: int) -> list[int]:
    query = select(Response.id).where(Response.status == status).order_by(Response.id)
    return list(db.session.scalars(query.limit(limit)))
