"""The RQ worker process: preloads the analyzer once, cleans the session after every job."""

import gc

from flask import current_app
from rq import SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy.orm import configure_mappers

from app.extensions import db, queue
from app.queue import QUEUES


class AppWorker(SimpleWorker):
    """Runs jobs in this process (no fork), so the preloaded analyzer and app context serve all."""

    def perform_job(self, job, queue):
        try:
            return super().perform_job(job, queue)
        finally:
            db.session.remove()  # a failed job must not leave its transaction to the next one


def run(burst: bool = False) -> None:
    if queue.inline:
        raise RuntimeError("REDIS_URL is not set: jobs already run inline in the web process")
    from app.pipeline import sentiment

    sentiment.get_analyzer()  # load the lexicons before the first job, once per worker
    configure_mappers()  # also once per process: ~60 ms that the first job would pay
    # The lexicons are a few hundred thousand long-lived objects that a full garbage collection
    # walks every time (~100 ms, about once per 2,000 responses processed). Frozen, they are
    # never walked; nothing in them is ever garbage.
    gc.collect()
    gc.freeze()
    worker = AppWorker([queue.rq_queue(name) for name in QUEUES], connection=queue.connection)
    current_app.logger.info("worker listening on %s", ", ".join(QUEUES))
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def failed_jobs() -> list[dict]:
    """Jobs that failed after their retries, newest first, for the CLI and the dashboard."""
    if queue.inline:
        return []
    rows = []
    for name in QUEUES:
        registry = FailedJobRegistry(name, connection=queue.connection)
        for job in registry.get_job_ids():
            loaded = queue.rq_queue(name).fetch_job(job)
            if loaded is None:
                continue
            rows.append(
                {
                    "queue": name,
                    "id": loaded.id,
                    "func": loaded.func_name,
                    "args": loaded.args,
                    "ended_at": str(loaded.ended_at),
                    "error": (loaded.latest_result().exc_string or "").splitlines()[-1:]
                    if loaded.latest_result()
                    else [],
                }
            )
    return rows
