"""Thin RQ jobs: ids in, one service call, idempotent. They run inline without Redis."""

from flask import current_app

from app.extensions import queue
from app.services import processing


def kick(response_ids: list[int]) -> bool:
    """What intake does after its commit: make sure a job is coming, one for many answers."""
    return queue.kick("pipeline", process_responses, response_ids)


def enqueue(response_ids: list[int]) -> bool:
    """A job for these ids whatever is pending (`flask pipeline sweep --enqueue`)."""
    return queue.enqueue("pipeline", process_responses, response_ids)


def process_responses(response_ids: list[int]) -> int:
    """Process these responses, then the others waiting; running it twice changes nothing."""
    batch_size = current_app.config["PIPELINE_BATCH_SIZE"]
    if queue.inline:
        # In the web request that committed them: one batch, as soon as possible.
        return len(processing.process_batch(response_ids, batch_size))
    # The kick is taken before the first claim. A row committed before this DEL is visible to
    # every claim below (each a fresh READ COMMITTED snapshot taken after it), so this job
    # finds it; the request of a row committed after it looks for the kick after the DEL,
    # finds none (or one set since, with its own job still to run) and enqueues. So no row
    # waits on a job that has already looked past it.
    queue.take_kick("pipeline")
    done, finished = processing.process_waiting(
        response_ids, batch_size, current_app.config["PIPELINE_JOB_SECONDS"]
    )
    if not finished:
        kick([])  # out of time (or the worker stops) with rows waiting: a fresh job carries on
    return done
