"""The pipeline loses nothing and counts nothing twice: retries, Redis down, a killed worker."""

import os
import signal
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db as _db
from app.models import Response, Rollup
from app.services import processing
from tests.conftest import (
    DATABASE_URL,
    REDIS_URL,
    _normalise,
    brand_with_survey,
    burst_worker,
    wait_for_lock_waits,
)


def _setup(app):
    """A brand, a journey and a survey created through the services of `app`."""
    with app.app_context():
        _brand, key, _journey, survey = brand_with_survey("Pijplijn", "pijplijn")
        return key, survey.id


def _post(client, key, survey_id, nps, text_answer=None, idem=None, customer=None):
    answers = {"nps": nps, **({"why": text_answer} if text_answer else {})}
    headers = {"Authorization": f"Bearer {key}", **({"Idempotency-Key": idem} if idem else {})}
    body = {
        "survey_id": survey_id,
        "answers": answers,
        **({"customer": customer} if customer else {}),
    }
    response = client.post("/api/v1/responses", json=body, headers=headers)
    assert response.status_code == 202, response.json
    return response.json["id"]


def _jobs(app) -> tuple[int, int]:
    """(pipeline jobs waiting, pipeline jobs finished) on the app's Redis."""
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    from app.extensions import queue

    with app.app_context():
        return (
            Queue("pipeline", connection=queue.connection).count,
            FinishedJobRegistry("pipeline", connection=queue.connection).count,
        )


def _work(app) -> None:
    """A real RQ worker, in burst mode, in this process."""
    from app.services import worker

    with app.app_context():
        worker.run(burst=True)


def _processed_at(app) -> list:
    with app.app_context():
        return list(_db.session.scalars(select(Response.processed_at).order_by(Response.id)))


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


def _waiting(api, survey, monkeypatch, count: int) -> list[int]:
    """`count` answers left received, as if Redis had been down."""
    from app.extensions import queue

    monkeypatch.setattr(queue, "enqueue", lambda *args, **kwargs: False)
    return [
        api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 8}}).json[
            "id"
        ]
        for _ in range(count)
    ]


def _status_of(db, ids) -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.execute(select(Response.id, Response.status).where(Response.id.in_(ids)))
    return dict(rows.all())


def test_a_row_that_fails_alone_is_set_aside_and_the_rest_processed(
    app, api, survey, db, monkeypatch
):
    """One bad row must not stop the pipeline: every job claims the oldest rows first."""
    from app.services import rollups

    ids = _waiting(api, survey, monkeypatch, 6)
    bad = ids[2]

    def picky(items):
        if any(response.id == bad for response, _ in items):
            raise ValueError("this row breaks a step")
        rollups.add_answers(items)

    monkeypatch.setattr(processing, "steps", lambda: [picky])
    assert sorted(processing.process_batch(ids, batch_size=10)) == sorted(set(ids) - {bad})
    assert _status_of(db, ids) == {i: "failed" if i == bad else "processed" for i in ids}
    assert processing.process_batch(ids, batch_size=10) == []  # set aside, not retried
    assert db.session.scalar(select(func.sum(Rollup.responses))) == 5

    runner = app.test_cli_runner()
    assert f'"response": {bad}' in runner.invoke(args=["pipeline", "failed"]).output
    monkeypatch.setattr(processing, "steps", lambda: [rollups.add_answers])  # the fix
    assert "1 responses" in runner.invoke(args=["pipeline", "retry"]).output
    assert "processed 1" in runner.invoke(args=["pipeline", "sweep"]).output
    assert set(_status_of(db, ids).values()) == {"processed"}
    assert db.session.scalar(select(func.sum(Rollup.responses))) == 6


@pytest.mark.parametrize("error", ["every row", "the database", "the job's time"])
def test_a_fault_that_is_not_one_rows_leaves_them_all_received(
    app, api, survey, db, monkeypatch, error
):
    """A broken step fails every row alone, and a lost connection or the job's time running
    out (RQ raises its timeout inside the job) is nobody's row: the job fails (RQ retries it)
    and no row is set aside."""
    from rq.timeouts import JobTimeoutException
    from sqlalchemy.exc import OperationalError

    ids = _waiting(api, survey, monkeypatch, 4)

    def broken(_items):
        if error == "the database":
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        if error == "the job's time":
            raise JobTimeoutException("Task exceeded maximum timeout value (300 seconds)")
        raise RuntimeError("a bug in a step")

    monkeypatch.setattr(processing, "steps", lambda: [broken])
    with pytest.raises((RuntimeError, OperationalError, JobTimeoutException)):
        processing.process_batch(ids, batch_size=10)
    assert set(_status_of(db, ids).values()) == {"received"}


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
def test_a_stalled_redis_holds_an_answer_half_a_second_and_loses_nothing(redis_app):
    """Redis answers nothing for 2 s (CLIENT PAUSE): the answer still gets its 202 within the
    kick's timeout, is stored as received, and the next answer's kick brings a job for both."""

    from redis import Redis

    from app.queue import KICK_TIMEOUT

    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()
    with redis_app.app_context():
        from app.extensions import queue

        queue.kick_connection.ping()  # connected before the stall, as in a running server
    Redis.from_url(REDIS_URL).execute_command("CLIENT", "PAUSE", 2000, "ALL")
    started = time.monotonic()
    stalled = _post(client, key, survey_id, 9)
    waited = time.monotonic() - started
    assert waited < KICK_TIMEOUT + 1, waited
    assert _statuses(redis_app) == ["received"]
    time.sleep(2.2 - waited)  # the pause is over
    _post(client, key, survey_id, 10)
    _work(redis_app)
    assert _statuses(redis_app) == ["processed"] * 2
    assert stalled and _rollup_total(redis_app) == 2


@pytest.mark.redis
def test_many_answers_make_one_job_that_processes_each_once(redis_app):
    from app.pipeline import jobs
    from loyalty.models import LedgerEntry

    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()
    ids = [
        _post(client, key, survey_id, nps, "Keurig geplaatst, netjes!", customer=f"k-{nps}")
        for nps in range(11)
    ]
    _post(client, key, survey_id, 9, "Keurig geplaatst, netjes!", idem="retry-1")
    _post(client, key, survey_id, 9, "Keurig geplaatst, netjes!", idem="retry-1")  # a retry
    assert _statuses(redis_app) == ["received"] * 12  # the web only kicked
    assert _jobs(redis_app) == (1, 0)  # one kick for all of them
    _work(redis_app)
    assert _statuses(redis_app) == ["processed"] * 12
    assert _jobs(redis_app) == (0, 1)
    assert _rollup_total(redis_app) == 12
    with redis_app.app_context():
        assert set(_db.session.scalars(select(Response.sentiment_label))) == {"positive"}
        answered = select(func.count()).where(LedgerEntry.reason == "answered")
        assert _db.session.scalar(answered) == 11
        stamps = _processed_at(redis_app)
        # The same ids queued again, twice: the jobs find nothing left to do.
        assert jobs.enqueue(ids[:5]) and jobs.enqueue(ids)
    _work(redis_app)
    assert _jobs(redis_app) == (0, 3)
    assert _processed_at(redis_app) == stamps
    assert _rollup_total(redis_app) == 12
    with redis_app.app_context():
        assert _db.session.scalar(answered) == 11


@pytest.mark.redis
def test_an_answer_committed_while_the_job_runs_gets_a_job_of_its_own(
    redis_app, database_uri, monkeypatch
):
    """The job took the kick before it claimed: an answer committed after that kicks again."""
    from app import create_app

    key, survey_id = _setup(redis_app)
    for nps in (3, 9):
        _post(redis_app.test_client(), key, survey_id, nps)
    # Another web process on the same database and Redis, answering while the job runs.
    web = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": _normalise(database_uri), "REDIS_URL": REDIS_URL}
    )
    late = []

    def answer_meanwhile(_items):
        if not late:
            late.append(_post(web.test_client(), key, survey_id, 10))

    original = processing.steps
    # First, before the batch writes: SQLite would make the late answer wait for its lock.
    monkeypatch.setattr(processing, "steps", lambda: [answer_meanwhile, *original()])
    try:
        _work(redis_app)
    finally:
        with web.app_context():
            _db.engine.dispose()
    assert late
    assert _statuses(redis_app) == ["processed"] * 3
    assert _jobs(redis_app) == (0, 2)  # the late answer's own kick
    assert _rollup_total(redis_app) == 3


@pytest.mark.redis
def test_a_job_out_of_time_hands_the_rest_to_a_new_job(redis_app):
    redis_app.config.update(PIPELINE_BATCH_SIZE=2, PIPELINE_JOB_SECONDS=0)
    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()
    for nps in range(5):
        _post(client, key, survey_id, nps)
    assert _jobs(redis_app) == (1, 0)
    _work(redis_app)
    assert _statuses(redis_app) == ["processed"] * 5
    assert _jobs(redis_app) == (0, 3)  # 2 + 2 + 1: each full batch past the budget kicks again
    assert _rollup_total(redis_app) == 5


@pytest.mark.redis
def test_a_kick_whose_job_could_not_be_queued_lets_the_next_answer_try(redis_app, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from app.extensions import queue

    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()

    def unreachable(name):
        raise RedisConnectionError("Redis went away between the SET and the enqueue")

    monkeypatch.setattr(queue, "rq_queue", unreachable)
    _post(client, key, survey_id, 9)  # still 202: the row is stored, the sweep would find it
    monkeypatch.undo()
    assert _jobs(redis_app) == (0, 0)
    _post(client, key, survey_id, 10)  # no stale kick stops this one
    assert _jobs(redis_app) == (1, 0)
    _work(redis_app)
    assert _statuses(redis_app) == ["processed"] * 2  # the job grabbed the first one along


@pytest.mark.redis
def test_the_sweep_queues_a_job_per_chunk_for_the_workers(redis_app):
    redis_app.config["PIPELINE_BATCH_SIZE"] = 2
    key, survey_id = _setup(redis_app)
    client = redis_app.test_client()
    for nps in range(5):
        _post(client, key, survey_id, nps)
    with redis_app.app_context():
        from app.extensions import queue

        queue.connection.flushdb()  # the kick and its job are lost
    result = redis_app.test_cli_runner().invoke(args=["pipeline", "sweep", "--enqueue"])
    assert "queued 5 responses" in result.output
    assert _jobs(redis_app) == (3, 0)
    _work(redis_app)
    assert _statuses(redis_app) == ["processed"] * 5
    assert _rollup_total(redis_app) == 5


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
    worker = burst_worker()
    try:
        reached = wait_for_lock_waits(blocker.engine, query="insert into rollup%", seconds=30)
        assert reached, "the worker never reached its rollup upsert"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        transaction.rollback()
        blocker.close()
        blocker.engine.dispose()
    assert _statuses(redis_app) == ["received"] * 3
    assert _rollup_total(redis_app) == 0
    runner = redis_app.test_cli_runner()
    assert "processed 3" in runner.invoke(args=["pipeline", "sweep"]).output
    runner.invoke(args=["pipeline", "sweep"])
    assert _statuses(redis_app) == ["processed"] * 3
    assert _rollup_total(redis_app) == 3


def test_two_workers_racing_for_one_batch_count_it_once(app, api, survey, db, monkeypatch):
    """Concurrent jobs over the same ids never process a row twice: FOR UPDATE SKIP LOCKED on
    PostgreSQL; on SQLite, a batch whose rows another took meanwhile is rolled back."""
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


def test_redis_down_loses_no_widget_or_page_answer_either(database_uri, app):
    """The rate limiter counts in Redis too: with Redis down the widget's and the hosted
    page's answers were 500s and lost (only the server API, which has no limit, got its
    202). Limits now count in memory meanwhile."""
    from app import create_app
    from app.models import Brand, Response, Survey
    from app.services import survey_links
    from tests.channels.helpers import ORIGIN, form_fields, widget_post
    from tests.conftest import wipe

    dead = "redis://127.0.0.1:1/0"  # nothing listens there
    down = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": _normalise(database_uri),
            "REDIS_URL": dead,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": dead,
        },
    )
    _key, survey_id = _setup(down)
    with down.app_context():
        brand = _db.session.scalar(select(Brand).where(Brand.slug == "pijplijn"))
        brand.allowed_origins = [ORIGIN]
        journey_id = _db.session.scalar(select(Survey.journey_id).where(Survey.id == survey_id))
        link = survey_links.create(brand, {"journey_id": journey_id, "phase": "levering"})
        site = {"site_key": brand.site_key, "survey_id": survey_id}
        page = f"/s/{survey_links.token_for(link)}"
        _db.session.commit()
    client = down.test_client()
    assert widget_post(client, site).status_code == 202
    html = client.get(page).get_data(as_text=True)
    assert client.post(page, data={**form_fields(html), "q_nps": "7"}).status_code == 200
    with down.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Response)) == 2
    with down.app_context():  # a context of its own: the one above held a connection
        _db.engine.dispose()  # its own engine: close its connections, do not leave them to gc
    wipe(app)


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


@pytest.mark.redis
def test_the_jobs_page_shows_a_brand_its_own_failed_jobs_only(redis_app, monkeypatch):
    """The registry is the instance's, and a job's error can name a customer (a refused
    recipient's address): one brand's owner read another brand's failures."""
    from app.models import User
    from app.services import worker
    from tests.dashboard.conftest import PASSWORD_HASH, Dashboard

    def fail(*_args, **_kwargs):
        raise RuntimeError("refused: victim@rival.example")

    redis_app.config["JOB_RETRY_INTERVALS"] = []
    monkeypatch.setattr(processing, "process_waiting", fail)
    with redis_app.app_context():
        rival, key, _journey, survey = brand_with_survey("Rival", "rival")
        mine, _key, _journey, _survey = brand_with_survey("Mine", "mine")
        for brand, email in ((rival, "owner@rival.example"), (mine, "owner@mine.example")):
            _db.session.add(
                User(brand=brand, email=email, role="owner", password_hash=PASSWORD_HASH)
            )
        ids = {"rival": rival.id, "mine": mine.id}
        _db.session.commit()
        survey_id = survey.id
    _post(redis_app.test_client(), key, survey_id, 3)
    with redis_app.app_context():
        worker.run(burst=True)
        assert [len(worker.failed_jobs(ids[name])) for name in ("rival", "mine")] == [1, 0]
    for email, shown in (("owner@mine.example", False), ("owner@rival.example", True)):
        with redis_app.app_context():  # the Dashboard helper clears `g` between requests
            dash = Dashboard(redis_app.test_client())
            assert dash.login(email).status_code == 302
            page = dash.html("/dashboard/jobs")
        assert ("RuntimeError" in page) is shown
        # A pipeline job's error may be about an answer of another brand it took along: its
        # kind only. (The CLI shows it all.)
        assert "victim@rival.example" not in page
