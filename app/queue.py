"""Where jobs go: RQ queues when REDIS_URL is set, inline in this process otherwise.

Jobs are enqueued only after the commit that created their rows, and take ids.
When Redis cannot be reached the enqueue is dropped with a warning: the rows stay
`received` and `flask pipeline sweep` picks them up, so nothing is lost.

A kick coalesces many callers into one job: the first caller since the job last took the
kick enqueues it, the others only leave their committed rows for it to find.
"""

import logging
import threading
from collections.abc import Callable

from flask import current_app

log = logging.getLogger(__name__)

QUEUES = ("pipeline", "email", "webhooks")
RETRY_INTERVALS = [10, 60, 300]
# How long a kick stays set when its job never takes it (lost, or the workers are down):
# until then callers rely on that job; after it the next one enqueues again.
KICK_SECONDS = 5
# How long an answer's request waits for Redis to take its kick. The row is committed by
# then; a kick that times out is only a job not asked for yet, and the next answer's kick
# (or the sweep) brings one for every waiting row. A stalled Redis must not hold each
# request for the 5 s a job's enqueue may take.
KICK_TIMEOUT = 0.5
# Set in a worker process asked to stop (SIGTERM): jobs that loop finish what they hold and
# leave the rest to the next worker. Per process, as a worker runs one job at a time.
_STOPPING = threading.Event()


class JobQueue:
    """Per-app state lives in app.extensions, so test apps with and without Redis can coexist."""

    def init_app(self, app) -> None:
        app.extensions["phasewise_queue"] = {
            "redis_url": app.config.get("REDIS_URL"),
            "connection": None,
            "kick_connection": None,
        }

    @property
    def _state(self) -> dict:
        return current_app.extensions["phasewise_queue"]

    @property
    def redis_url(self) -> str | None:
        return self._state["redis_url"]

    @property
    def inline(self) -> bool:
        return not self.redis_url

    def _client(self, slot: str, connect_timeout: float, timeout: float):
        """This app's Redis client in `slot`, made on first use."""
        if self._state[slot] is None:
            from redis import Redis

            self._state[slot] = Redis.from_url(
                self.redis_url, socket_connect_timeout=connect_timeout, socket_timeout=timeout
            )
        return self._state[slot]

    @property
    def connection(self):
        return self._client("connection", 1, 5)

    @property
    def kick_connection(self):
        return self._client("kick_connection", KICK_TIMEOUT, KICK_TIMEOUT)

    def worker_connection(self):
        """A Redis client for an RQ worker's own use, never this app's `connection`: RQ raises
        the socket timeout of the worker's pool to its dequeue wait (over 400 s), and the
        enqueues jobs make must keep the 5 s they were given."""
        from redis import Redis

        return Redis.from_url(self.redis_url, socket_connect_timeout=1, socket_timeout=5)

    def rq_queue(self, name: str, connection=None):
        from rq import Queue

        return Queue(name, connection=connection or self.connection)

    @staticmethod
    def stopping() -> bool:
        """Whether this process (a worker) was asked to stop: take no new work."""
        return _STOPPING.is_set()

    @staticmethod
    def request_stop(stop: bool = True) -> None:
        if stop:
            _STOPPING.set()
        else:
            _STOPPING.clear()

    def enqueue(self, name: str, func: Callable, *args, **kwargs) -> bool:
        """Run or enqueue `func(*args)`; returns False when it could not be queued."""
        if name not in QUEUES:
            raise ValueError(f"unknown queue {name!r}")
        if self.inline:
            try:
                func(*args, **kwargs)
            except Exception:
                # Inline mode must not fail the request that already committed; the sweep retries.
                log.exception("inline job %s failed; it will be retried by the sweep", func)
                from app.extensions import db

                db.session.rollback()
                return False
            return True
        from redis.exceptions import RedisError
        from rq import Retry

        intervals = list(current_app.config.get("JOB_RETRY_INTERVALS", RETRY_INTERVALS))
        try:
            self.rq_queue(name).enqueue(
                func,
                *args,
                **kwargs,
                retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
                job_timeout=300,
                failure_ttl=30 * 24 * 3600,
            )
        except RedisError as exc:
            log.warning(
                "could not enqueue %s on %r (%s); the sweep will pick it up", func, name, exc
            )
            return False
        return True

    def _kick_key(self, key: str) -> str:
        return f"phasewise:kick:{key}"

    def kick(self, name: str, func: Callable, *args, key: str | None = None) -> bool:
        """Enqueue func(*args) on queue `name` unless a kick of `key` (by default the queue's
        name: one kicked job per queue) is still pending; True when a job is queued or
        already coming. The job must call take_kick(key) before it looks for work. Inline (no
        Redis) there is nothing to coalesce: it runs now, as enqueue() does."""
        if self.inline:
            return self.enqueue(name, func, *args)
        from redis.exceptions import RedisError

        key = key or name
        try:
            if not self.kick_connection.set(self._kick_key(key), 1, nx=True, ex=KICK_SECONDS):
                return True  # a job is queued and has not started: it will find our rows
        except RedisError as exc:
            log.warning("could not kick %r (%s); the sweep will pick the work up", key, exc)
            return False
        if self.enqueue(name, func, *args):
            return True
        self.take_kick(key)  # nothing is coming after all: let the next caller try again
        return False

    def take_kick(self, key: str) -> None:
        """Called by a kicked job before its first look for work: callers from now on kick a
        new job, as this one may already have looked past their rows."""
        if self.inline:
            return
        from redis.exceptions import RedisError

        try:
            self.connection.delete(self._kick_key(key))
        except RedisError as exc:
            # The kick expires by itself; until then new rows wait for a later kick or the sweep.
            log.warning("could not take the kick of %r (%s)", key, exc)
