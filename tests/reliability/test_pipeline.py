"""The pipeline loses nothing and counts nothing twice: retries, Redis down, a killed worker."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db as _db
from app.models import Response, Rollup
from app.services import processing
from tests.conftest import DATABASE_URL, REDIS_URL, SURVEY_QUESTIONS, _normalise


def _setup(app):
    """A brand, a journey and a survey created through the services of `app`."""
    from app.services import brands, journeys, surveys
    from tests.conftest import JOURNEY

    with app.app_context():
        brand, key = brands.create_brand("Pijplijn", "pijplijn", "nl")
        journey = journeys.create_journey(brand, JOURNEY)
        survey = surveys.create_survey(
            brand,
            {
                "journey_id": journey.id,
                "phase": "levering",
                "locale": "nl",
                "questions": SURVEY_QUESTIONS,
            },
        )
        return key, survey.id


def _post(client, key, survey_id, nps, text_answer=None, idem=None):
    answers = {"nps": nps, **({"why": text_answer} if text_answer else {})}
    headers = {"Authorization": f"Bearer {key}", **({"Idempotency-Key": idem} if idem else {})}
    response = client.post(
        "/api/v1/responses", json={"survey_id": survey_id, "answers": answers}, headers=headers
    )
    assert response.status_code == 202, response.json
    return response.json["id"]


def _rollup_total(app) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.coalesce(func.sum(Rollup.responses), 0)))


def _statuses(app) -> list[str]:
    with app.app_context():
        return list(_db.session.scalars(select(Response.status).order_by(Response.id)))


def test_processing_twice_changes_nothing(api, survey, db):
    ids = [
        api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": n}}).json[
            "id"
        ]
        for n in (1, 9, 10)
    ]
    assert processing.process_batch(ids) == []  # inline mode already did the work
    assert db.session.scalar(select(func.sum(Rollup.responses))) == 3
    assert db.session.scalar(select(func.sum(Rollup.promoters))) == 2


def test_a_failing_step_rolls_back_the_whole_batch(app, api, survey, db, monkeypatch):
    from app.services import rollups

    def broken(_items):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(processing, "steps", lambda: [broken])
    response_id = api.post(
        "/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}}
    ).json["id"]
    db.session.expire_all()
    row = db.session.get(Response, response_id)
    assert row.status == "received" and row.sentiment_label is None
    monkeypatch.setattr(processing, "steps", lambda: [rollups.add_answers])
    assert processing.process_batch([response_id]) == [response_id]
    assert processing.process_batch([response_id]) == []
    assert db.session.scalar(select(func.sum(Rollup.responses))) == 1


def test_a_job_grabs_along_other_waiting_responses(app, api, survey, db, monkeypatch):
    from app.extensions import queue

    monkeypatch.setattr(queue, "enqueue", lambda *args, **kwargs: False)  # "Redis is down"
    ids = [
        api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}}).json[
            "id"
        ]
        for _ in range(5)
    ]
    assert sorted(processing.process_batch([ids[-1]], batch_size=10)) == ids


def test_redis_down_loses_nothing_and_the_sweep_catches_up(database_uri, app):
    from app import create_app
    from tests.conftest import wipe

    down = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": _normalise(database_uri), "REDIS_URL": "redis://127.0.0.1:1/0"},
    )  # nothing listens there
    key, survey_id = _setup(down)
    client = down.test_client()
    ids = [_post(client, key, survey_id, nps) for nps in (3, 9, 10)]
    assert len(set(ids)) == 3
    assert _statuses(down) == ["received"] * 3
    runner = down.test_cli_runner()
    result = runner.invoke(args=["pipeline", "sweep"])
    assert result.exit_code == 0, result.output
    assert "processed 3 responses" in result.output
    assert _statuses(down) == ["processed"] * 3
    assert runner.invoke(args=["pipeline", "sweep"]).output.strip() == "nothing waiting"
    assert _rollup_total(down) == 3
    with down.app_context():
        _db.engine.dispose()  # its own engine: close its connections, do not leave them to gc
    wipe(app)


@pytest.mark.redis
def test_a_real_rq_worker_processes_what_the_web_enqueued(redis_app):
    from app.services import worker

    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()
    ids = [_post(client, key, survey_id, nps, "Keurig geplaatst, netjes!") for nps in (9, 10)]
    _post(client, key, survey_id, 9, "Keurig geplaatst, netjes!", idem="retry-1")
    _post(client, key, survey_id, 9, "Keurig geplaatst, netjes!", idem="retry-1")  # a retry
    assert _statuses(redis_app) == ["received"] * 3  # the web only enqueued
    with redis_app.app_context():
        worker.run(burst=True)
    assert _statuses(redis_app) == ["processed"] * 3
    assert _rollup_total(redis_app) == 3
    with redis_app.app_context():
        labels = set(_db.session.scalars(select(Response.sentiment_label)))
        # the same job enqueued again is a no-op
        from app.services import intake

        intake.enqueue(ids)
        worker.run(burst=True)
    assert labels == {"positive"}
    assert _rollup_total(redis_app) == 3


@pytest.mark.postgres
@pytest.mark.redis
def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(redis_app):
    """Kill -9 a worker in the middle of its transaction; the sweep then counts each answer once."""
    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()
    for nps in (2, 8, 10):
        _post(client, key, survey_id, nps, "De monteur was te laat")
    url = _normalise(DATABASE_URL)
    blocker = create_engine(url).connect()
    transaction = blocker.begin()
    blocker.execute(text("LOCK TABLE rollup IN ACCESS EXCLUSIVE MODE"))  # the worker will wait here
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "x" * 40,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # pg_stat_activity is a snapshot per transaction, so watch from a connection of its own
    watcher = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        waiting = False
        with watcher.connect() as watch:
            for _ in range(120):
                waiting = watch.execute(
                    text(
                        "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                        "and query ilike 'insert into rollup%'"
                    )
                ).scalar()
                if waiting:
                    break
                time.sleep(0.25)
        assert waiting, "the worker never reached its rollup upsert"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        transaction.rollback()
        blocker.close()
        blocker.engine.dispose()
        watcher.dispose()
    assert _statuses(redis_app) == ["received"] * 3
    assert _rollup_total(redis_app) == 0
    runner = redis_app.test_cli_runner()
    assert "processed 3" in runner.invoke(args=["pipeline", "sweep"]).output
    runner.invoke(args=["pipeline", "sweep"])
    assert _statuses(redis_app) == ["processed"] * 3
    assert _rollup_total(redis_app) == 3


@pytest.mark.postgres
def test_two_workers_racing_for_one_batch_count_it_once(app, api, survey, db, monkeypatch):
    """FOR UPDATE SKIP LOCKED: concurrent jobs over the same ids never process a row twice."""
    import threading

    from app.extensions import queue

    monkeypatch.setattr(queue, "enqueue", lambda *args, **kwargs: False)
    ids = [
        api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}}).json[
            "id"
        ]
        for _ in range(40)
    ]
    done: list[int] = []
    barrier = threading.Barrier(4)

    def work():
        with app.app_context():
            barrier.wait()
            done.extend(processing.process_batch(ids, batch_size=40))
            _db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == ids
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(Rollup.responses))) == 40


def explode(_ids):
    raise RuntimeError("this job always fails")


@pytest.mark.redis
def test_a_job_that_keeps_failing_is_retried_then_visible(redis_app):
    from app.extensions import queue
    from app.services import worker

    redis_app.config["JOB_RETRY_INTERVALS"] = [0, 0]  # retry at once, twice
    with redis_app.app_context():
        assert queue.enqueue("pipeline", explode, [1])
        worker.run(burst=True)
        failed = worker.failed_jobs()
    assert len(failed) == 1
    assert failed[0]["queue"] == "pipeline"
    assert failed[0]["func"].endswith("explode")
    assert "this job always fails" in failed[0]["error"][0]
    result = redis_app.test_cli_runner().invoke(args=["pipeline", "failed"])
    assert "explode" in result.output
