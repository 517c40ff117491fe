"""A worker's Redis settings stay its own, and a stopping worker hands work on within seconds."""

import os
import signal

import pytest

from app.extensions import db as _db
from app.extensions import queue
from app.models import Response
from tests.conftest import REDIS_URL, brand_with_survey


def timeout_a_job_sees() -> float:
    """Run by the worker: the socket timeout of the client jobs enqueue with."""
    return queue.connection.connection_pool.connection_kwargs["socket_timeout"]


@pytest.mark.redis
def test_jobs_enqueue_with_the_short_redis_timeout_inside_a_worker(redis_app):
    """RQ raised the shared pool's socket_timeout to 415 s, so a Redis that stalls held a job's
    enqueue for minutes instead of 5 s."""
    from app.services import worker

    with redis_app.app_context():
        assert timeout_a_job_sees() == 5
        job = queue.rq_queue("pipeline").enqueue(timeout_a_job_sees)
        worker.run(burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result()
        assert job.return_value() == 5
        assert timeout_a_job_sees() == 5


@pytest.mark.redis
def test_a_stopping_worker_finishes_the_batch_in_hand_and_hands_the_rest_on(redis_app):
    """On SIGTERM a draining job went on for up to PIPELINE_JOB_SECONDS (60 s): past the grace
    period of a deployment, which then killed it mid-batch."""
    from app.services import processing, worker

    redis_app.config.update(PIPELINE_BATCH_SIZE=2, PIPELINE_JOB_SECONDS=60)
    with redis_app.app_context():
        _brand, key, _journey, survey = brand_with_survey("Stop", "stop")
        survey_id = survey.id
    client = redis_app.test_client()
    for nps in range(6):
        posted = client.post(
            "/api/v1/responses",
            json={"survey_id": survey_id, "answers": {"nps": nps}},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert posted.status_code == 202
    original = processing._run
    batches = []

    def run_then_get_stopped(*args, **kwargs):
        batches.append(original(*args, **kwargs))
        if len(batches) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # as the deployment stops the worker
        return batches[-1]

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    processing._run = run_then_get_stopped
    try:
        with redis_app.app_context():
            worker.run(burst=True)
    finally:
        processing._run = original
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        with redis_app.app_context():
            queue.request_stop(False)
    assert len(batches) == 1
    with redis_app.app_context():
        statuses = sorted(_db.session.scalars(_db.select(Response.status)))
        assert statuses == ["processed"] * 2 + ["received"] * 4
        assert queue.rq_queue("pipeline").count == 1  # a fresh job for the rest, for another worker
        _db.session.remove()


@pytest.mark.redis
def test_a_worker_waits_for_redis_to_come_back_instead_of_quitting(redis_app, monkeypatch):
    """RQ quits when Redis goes away: every worker of a deployment did, and answers waited
    until someone restarted them (13,616 after a 30 s outage in a drill). RQ's constructor
    talks to Redis too: built outside the wait, the first retry quit the worker."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from app.services import worker

    built, runs, slept, kicked = [], [], [], []
    down = RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")

    class Flaky(worker.AppWorker):
        def __init__(self, *args, **kwargs):
            built.append(True)
            if len(built) == 2:  # still down at the first retry (CLIENT SETNAME)
                raise down
            super().__init__(*args, **kwargs)

        def work(self, **kwargs):
            runs.append(kwargs["burst"])
            if len(runs) == 1:
                raise down
            return True

    monkeypatch.setattr(worker, "AppWorker", Flaky)
    monkeypatch.setattr(worker.time, "sleep", slept.append)
    monkeypatch.setattr(worker, "_after_redis_returned", lambda: kicked.append(len(built)))
    with redis_app.app_context():
        worker.run(burst=False)
    assert len(built) == 3 and runs == [False, False]
    assert slept == [1.0, 2.0]  # backing off, up to 30 s
    # a job for what waited: at the start, and once Redis answered again (not while it was down)
    assert kicked == [1, 3]
    with redis_app.app_context(), pytest.raises(RedisConnectionError):
        runs.clear()
        worker.run(burst=True)  # a burst worker (a one-off) still stops
    assert kicked == [1, 3]  # and queues nothing of its own


def lose_the_connection() -> None:
    """Run by the worker: a query, then the database drops this session's connection (a
    restart, a failover) after the job's last statement."""
    pid = _db.session.scalar(_db.text("SELECT pg_backend_pid()"))
    with _db.engine.connect() as other:
        other.execute(_db.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def count_answers() -> int:
    return _db.session.scalar(_db.select(_db.func.count(Response.id)))


@pytest.mark.postgres
@pytest.mark.redis
def test_a_connection_lost_after_a_job_leaves_the_worker_running(redis_app):
    """The session's cleanup rolled back on the dead connection, and that error, raised out of
    RQ's job handling, made the worker quit after a job that had finished."""
    from app.services import worker

    with redis_app.app_context():
        first = queue.rq_queue("email").enqueue(lose_the_connection)
        second = queue.rq_queue("email").enqueue(count_answers)
        worker.run(burst=True)
        first.refresh()
        second.refresh()
        assert first.get_status() == "finished", first.latest_result()
        assert second.get_status() == "finished", second.latest_result()
        assert second.return_value() == 0
        _db.session.remove()


@pytest.mark.redis
def test_an_outage_rq_rides_out_while_idle_queues_the_waiting_answers(redis_app, monkeypatch):
    """RQ catches a lost connection in its wait for a job and tries again by itself, so a
    worker that was idle when Redis went away never queued the job for the answers whose
    enqueue failed meanwhile: they waited for another answer's job or the cron sweep (found in
    an operator walkthrough). The first heartbeat Redis answers after such a wait queues it."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue

    from app.queue import QUEUES
    from app.services import worker
    from tests.reliability.test_pipeline import _jobs, _post, _setup, _statuses, _work

    key, survey_id = _setup(redis_app)
    _post(redis_app.test_client(), key, survey_id, 9)
    Redis.from_url(REDIS_URL).flushdb()  # Redis came back empty: the answer's job is gone
    assert _statuses(redis_app) == ["received"] and _jobs(redis_app) == (0, 0)

    def gone(cls, *args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")

    with redis_app.app_context():
        connection = queue.worker_connection()
        idle = worker.AppWorker(list(QUEUES), connection=connection)
        idle.kicks_after_outage = True  # a lasting worker, as run() makes it
        idle.heartbeat()
        assert _jobs(redis_app) == (0, 0)  # no outage seen: nothing to queue
        monkeypatch.setattr(Queue, "dequeue_any", classmethod(gone))
        with pytest.raises(RedisConnectionError):  # RQ logs it and tries again
            idle.queue_class.dequeue_any(idle.queues, None, connection=connection)
        monkeypatch.undo()
        idle.heartbeat()  # the retry's first pass: Redis answers
        assert _jobs(redis_app) == (1, 0)
        idle.heartbeat()  # once per outage
        assert _jobs(redis_app) == (1, 0)
        connection.close()
    _work(redis_app)
    assert _statuses(redis_app) == ["processed"]


@pytest.mark.parametrize(
    "url, said",
    [
        ("redis://:secret@redis.example:6380/2", "redis.example:6380/2"),
        ("redis://127.0.0.1/0", "127.0.0.1:6379/0"),
        ("unix:///run/redis.sock", "/run/redis.sock"),
    ],
)
def test_the_outage_log_names_the_redis_without_its_password(app, monkeypatch, url, said):
    from app.services import worker

    monkeypatch.setitem(app.extensions["phasewise_queue"], "redis_url", url)
    with app.app_context():
        assert worker._where() == said
