"""Thin RQ jobs: ids in, one service call, idempotent. They run inline without Redis."""

from flask import current_app

from app.services import processing


def process_responses(response_ids: list[int]) -> int:
    """Process these responses (and others waiting); running it twice changes nothing."""
    batch_size = current_app.config["PIPELINE_BATCH_SIZE"]
    done = processing.process_batch(response_ids, batch_size)
    return len(done)
