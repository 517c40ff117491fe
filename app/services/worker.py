"""The RQ worker process: preloads the analyzer once, cleans the session after every job."""

import gc
import threading
import time
from urllib.parse import urlsplit

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers

from app.connections import TRANSIENT
from app.extensions import db, queue
from app.queue import QUEUES

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
# Set when Redis failed inside RQ's wait for a job: RQ catches that itself (it logs "could not
# connect to Redis instance ... retrying") and reconnects silently, so run()'s own wait never
# sees the outage. Per process, as queue's stop flag: a process runs one worker at a time.
_REDIS_LOST = threading.Event()


def release_session() -> None:
    """The session's connection back to the pool, even one the database dropped (a restart, a
    failover, an idle timeout): remove() rolls back on it, and that error, raised out of RQ's
    job handling, made the worker quit after a job that had finished. The connection is
    thrown away instead; the next job gets a fresh one."""
    try:
        db.session.remove()
    except TRANSIENT:
        current_app.logger.warning("dropped a lost database connection", exc_info=True)
        db.session().invalidate()  # the session remove() could not close: its connection goes
        db.session.remove()


class AppQueue(Queue):
    """RQ's queue; an idle worker's wait for a job that loses Redis is noted (_REDIS_LOST)."""

    @classmethod
    def dequeue_any(cls, *args, **kwargs):
        try:
            return super().dequeue_any(*args, **kwargs)
        except REDIS_DOWN:
            _REDIS_LOST.set()
            raise


class AppWorker(SimpleWorker):
    """Runs jobs in this process (no fork), so the preloaded analyzer and app context serve all."""

    queue_class = AppQueue
    # A lasting worker queues the job for the answers left waiting after an outage; a burst
    # one (a one-off) does not. run() says which.
    kicks_after_outage = False

    def heartbeat(self, timeout=None, pipeline=None):
        """RQ's wait for a job begins every pass with this, also each pass that retries after
        a lost connection: the first one Redis answers queues the job for the waiting answers."""
        try:
            super().heartbeat(timeout, pipeline)
        except REDIS_DOWN:
            _REDIS_LOST.set()
            raise
        # With a pipeline nothing was sent yet: Redis has not answered. A kick that fails
        # leaves the flag for the next pass.
        lost = pipeline is None and _REDIS_LOST.is_set() and self.kicks_after_outage
        if lost and _after_redis_returned():
            _REDIS_LOST.clear()

    def perform_job(self, job, queue):
        try:
            return super().perform_job(job, queue)
        finally:
            release_session()  # a failed job must not leave its transaction to the next one

    def request_stop(self, signum, frame):
        # RQ lets the current job finish; the flag makes a draining job finish only the batch
        # in hand (its rows stay `received` for the next worker), not a minute of batches.
        queue.request_stop()
        super().request_stop(signum, frame)

    def run_maintenance_tasks(self):
        """RQ's own (at the start, then every DUE_CHECK_SECONDS between jobs), and a job for
        each kind of mail that is due, if any: it goes out on time without cron."""
        super().run_maintenance_tasks()
        kick_due_mail()


# How often a busy worker looks for mail that is due (RQ's maintenance interval, which also
# cleans its registries: cheap); an idle one looks when its wait for a job ends, every 405 s
# (RQ's worker TTL less 15 s).
DUE_CHECK_SECONDS = 300


def kick_due_mail() -> dict[str, bool]:
    """The look of the workers (and, without Redis, of the web process: due_looks): a job for
    the scheduled invitations and reminders that are due, one for the weekly reports due and
    one for the follow-up alerts left pending, each only while there is some. Which were
    kicked (inline: which ran)."""
    from app.services import alerts, weekly_report

    return {
        "invitations": kick_due_invitations(),
        "weekly_reports": _kick_if(
            weekly_report.any_due, "send_weekly_reports_due", weekly_report.KICK
        ),
        "alerts": _kick_if(alerts.any_left, "send_alerts_left", alerts.KICK),
    }


def kick_due_invitations() -> bool:
    """Queue the job that asks for the due invitations and reminders."""
    from app.services import invitations

    return _kick_if(invitations.any_due, "ask_due_invitations", "email")


def _kick_if(due, job: str, key: str) -> bool:
    """Queue the email job `job` if `due()` (the workers' kicks coalesce while one waits to
    start, for a few seconds; a twin finds nothing left); False when nothing is due or it
    could not be queued (the sweep does it then)."""
    from app.pipeline import email_jobs

    try:
        found = due()
    except Exception:  # noqa: BLE001 — the database's trouble must not stop the worker
        current_app.logger.exception("could not look for due mail (%s)", job)
        found = False
    finally:
        release_session()
    return found and queue.kick("email", getattr(email_jobs, job), key=key)


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
    queue.request_stop(False)
    delay = 1.0
    # Answers may wait from before: a Redis that restarted empty lost their jobs. A lasting
    # worker queues one job for them once Redis answers, at its start and after each outage.
    waiting = not burst
    _REDIS_LOST.clear()
    while True:
        # The worker's own Redis client: RQ raises its socket timeout to the dequeue wait
        # (minutes), which on the app's client would hold every enqueue a job makes as long.
        connection = queue.worker_connection()
        try:
            # Inside the try: RQ talks to Redis from its constructor on (CLIENT SETNAME), and
            # built outside it the first retry of an outage raised out of here: the worker quit.
            worker = AppWorker(
                list(QUEUES), connection=connection, maintenance_interval=DUE_CHECK_SECONDS
            )
            worker.kicks_after_outage = not burst
            if waiting:
                _after_redis_returned()
                waiting = False
            delay = 1.0
            current_app.logger.info("worker listening on %s", ", ".join(QUEUES))
            worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
            return
        except REDIS_DOWN:
            # RQ quits when Redis goes away; every worker of a deployment would, at once, and
            # leave answers waiting until someone restarted them. This one waits for Redis.
            if burst or queue.stopping():
                raise
            current_app.logger.warning(
                "Redis at %s is unreachable; trying again in %.0f s", _where(), delay
            )
            time.sleep(delay)
            delay = min(delay * 2, 30)
            waiting = True
        finally:
            connection.close()


def _where() -> str:
    """REDIS_URL without its password, for the log: which Redis the operator must look at."""
    parts = urlsplit(queue.redis_url or "")
    if not parts.hostname:
        return parts.path  # unix:///run/redis.sock
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


def _after_redis_returned() -> bool:
    """A Redis that restarted empty lost the queued jobs: one pipeline job takes every answer
    still waiting (the sweeps do the rest from cron). Quietly: Redis may be gone again. Whether
    the job is queued (or one already coming)."""
    from app.pipeline import jobs

    try:
        return jobs.kick([])
    except Exception:  # noqa: BLE001 — the next attempt, or the cron sweep, will do it
        current_app.logger.debug("could not queue the waiting answers yet", exc_info=True)
        return False


# What each job's first argument names (an id or a list of ids), by the job function's name:
# how a failed job is told to belong to a brand.
JOB_ROWS = {
    "app.pipeline.jobs.process_responses": "Response",
    "app.pipeline.email_jobs.send_invitation": "Invitation",
    "app.pipeline.email_jobs.send_invitations": "Invitation",
    "app.pipeline.email_jobs.send_follow_up_alerts": "Alert",
    "app.services.review_notices.send_notice": "ModerationEntry",
    "app.services.webhooks.deliver": "WebhookDelivery",
}


def brands_of(func_name: str, args: tuple) -> set[int]:
    """The brands whose rows a job was given: none for a job of unknown shape."""
    from app import models

    model = getattr(models, JOB_ROWS.get(func_name, ""), None)
    if model is None or not args:
        return set()
    ids = args[0] if isinstance(args[0], list | tuple) else [args[0]]
    return set(db.session.scalars(select(model.brand_id).where(model.id.in_(ids)).distinct()))


def failed_jobs(brand_id: int | None = None) -> list[dict]:
    """Jobs that failed after their retries, newest first, for the CLI (the instance's) and
    the dashboard (`brand_id`: only jobs all of whose rows are that brand's; their errors can
    name customers, such as a refused recipient's address)."""
    if queue.inline:
        return []
    rows = []
    for name in QUEUES:
        registry = FailedJobRegistry(name, connection=queue.connection)
        for job in registry.get_job_ids():
            loaded = queue.rq_queue(name).fetch_job(job)
            if loaded is None:
                continue
            if brand_id is not None and brands_of(loaded.func_name, loaded.args) != {brand_id}:
                continue
            result = loaded.latest_result()
            error = (result.exc_string or "").splitlines()[-1:] if result else []
            if brand_id is not None and name == "pipeline":
                # A pipeline job takes other waiting answers along, of any brand: its error
                # may be about one of theirs, so a brand sees only what kind of error it was.
                error = [line.split(":", 1)[0] for line in error]
            rows.append(
                {
                    "queue": name,
                    "id": loaded.id,
                    "func": loaded.func_name,
                    "args": loaded.args,
                    "ended_at": str(loaded.ended_at),
                    "error": error,
                }
            )
    return rows
