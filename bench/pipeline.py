"""Pipeline: responses/s processed by a real RQ worker on PostgreSQL vs a raw TextBlob loop.

N `received` responses, every one with a written answer from the demo corpus (Dutch and
English), are bulk-inserted into a fresh bench_pipeline database and queued exactly as intake
queues them: `app.services.intake.enqueue([id])` once per response, after its row is
committed. That is a kick (SET NX EX on Redis): the first one enqueues a job, the others find
it pending, so N answers make one job (or a few), which processes every waiting row batch by
batch (PIPELINE_BATCH_SIZE). Then `flask --app wsgi worker --burst` runs with
APP_ENV=production; the clock starts when the worker has registered with Redis (its analyzer
is loaded by then) and stops when it exits with the queues empty. The baseline is the least a
pipeline could do with the same texts: a loop of TextBlob(text, analyzer=…).sentiment.polarity
with the English / textblob-nl pattern analyzers preloaded, in this process. A second,
informational run queues a job per PIPELINE_BATCH_SIZE ids, as `flask pipeline sweep
--enqueue` does.
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

from bench import databases, servers
from bench.report import note, row

N, QUICK_N = 1_200, 300


def _texts(database_url: str) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT comment, locale FROM response ORDER BY id").fetchall()


def raw_textblob_rate(items: list[tuple[str, str]], repeats: int = 3) -> float:
    """Responses/s of the plainest loop: TextBlob polarity, analyzers loaded once (best of n)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # textblob-nl's invalid escapes, as in the app
        from textblob import TextBlob
        from textblob.en.sentiments import PatternAnalyzer as EnglishAnalyzer
        from textblob_nl import PatternAnalyzer as DutchAnalyzer

    analyzers = {"en": EnglishAnalyzer(), "nl": DutchAnalyzer()}
    for analyzer in analyzers.values():
        analyzer.analyze("goed good")  # load the lexicons outside the clock
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for text, locale in items:
            if text:  # [0] is the polarity; textblob-nl answers a plain tuple
                TextBlob(text, analyzer=analyzers.get(locale, analyzers["en"])).sentiment[0]  # noqa: B018
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def _seed_and_queue(n: int, sweep_chunk: int | None = None) -> tuple[str, int]:
    """A fresh database with n received responses, each kicked as intake does (or queued a job
    per sweep_chunk ids, as the sweep does); returns its URL and the jobs queued."""
    from rq import Queue

    from app import create_app
    from app.pipeline import jobs
    from app.services import intake
    from bench import seeding
    from config import normalise_database_url

    databases.require_idle_redis()
    database_url = databases.recreate("bench_pipeline")
    app = databases.create_schema(database_url)
    with app.app_context():
        seeding.seed_brand(n, seed=5, slug="bench-pipeline", processed=False, text_share=1.0)
    databases.flush_redis()
    queueing = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "REDIS_URL": databases.REDIS_URL,
        },
    )
    with queueing.app_context():
        from app.extensions import db, queue
        from app.models import Response

        ids = [i for (i,) in db.session.query(Response.id).order_by(Response.id)]
        if sweep_chunk:
            queued = all(
                [jobs.enqueue(ids[i : i + sweep_chunk]) for i in range(0, len(ids), sweep_chunk)]
            )
        else:
            queued = all([intake.enqueue([response_id]) for response_id in ids])
        if not queued:
            raise RuntimeError("could not enqueue on Redis")
        count = Queue("pipeline", connection=queue.connection).count
        db.session.remove()
        db.engine.dispose()
    return database_url, count


def worker_run(database_url: str, timeout: float) -> dict:
    """Run a burst worker; time from its registration to the end of its last pipeline job,
    and to its exit (a burst worker's teardown, which a long-running worker never pays)."""
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(databases.REDIS_URL)
    env = servers.production_env(database_url, databases.REDIS_URL)
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 — a file, so logging never blocks it
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    process = subprocess.Popen(
        [flask, "--app", "wsgi", "worker", "--burst"],
        cwd=servers.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        # Ours by pid: the flask CLI runs the worker in the process we started.
        while not any(w.pid == process.pid for w in Worker.all(connection=connection)):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start: {servers.tail(log)}")
            time.sleep(0.005)
        started, started_wall = time.perf_counter(), datetime.now(UTC).replace(tzinfo=None)
        process.wait(timeout)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"the worker exited with {process.returncode}: {servers.tail(log)}")
        jobs, last_ended = _finished_jobs(connection)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
        connection.close()
    return {
        "seconds": (last_ended - started_wall).total_seconds(),
        "with_exit": seconds,
        "started": started_wall,
        "jobs": jobs,
    }


def _finished_jobs(connection) -> tuple[int, datetime]:
    """How many pipeline jobs ran, and when the last one ended (naive UTC)."""
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    ids = FinishedJobRegistry("pipeline", connection=connection).get_job_ids()
    ended = [
        job.ended_at
        for job in Queue("pipeline", connection=connection).job_class.fetch_many(
            ids, connection=connection
        )
        if job is not None and job.ended_at is not None
    ]
    if not ended:
        raise RuntimeError("no pipeline job finished")
    last = max(ended)
    if last.tzinfo is not None:
        last = last.astimezone(UTC).replace(tzinfo=None)
    return len(ids), last


def _check(database_url: str, n: int) -> None:
    """All rows processed and counted once in the rollups, and no job failed."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        waiting = connection.execute(
            "SELECT count(*) FROM response WHERE status <> 'processed'"
        ).fetchone()[0]
        counted = connection.execute("SELECT coalesce(sum(responses), 0) FROM rollup").fetchone()[0]
    if waiting or counted != n:
        raise RuntimeError(f"{waiting} responses left unprocessed, rollups count {counted} of {n}")
    failed = _failed_jobs()
    if failed:
        raise RuntimeError(f"{failed} jobs failed")


def _failed_jobs() -> int:
    from redis import Redis
    from rq.registry import FailedJobRegistry

    connection = Redis.from_url(databases.REDIS_URL)
    try:
        return FailedJobRegistry("pipeline", connection=connection).count
    finally:
        connection.close()


def run(quick: bool = False) -> dict:
    from config import Config

    batch = int(os.environ.get("PIPELINE_BATCH_SIZE", Config.PIPELINE_BATCH_SIZE))  # the worker's
    n = QUICK_N if quick else N
    note(f"{n:,} received responses with text, each kicked as intake does")
    database_url, kicked_jobs = _seed_and_queue(n)
    items = _texts(database_url)
    kicked = worker_run(database_url, timeout=600)
    _check(database_url, n)
    note(f"worker done in {kicked['seconds']:.1f} s; now a job per {batch} ids")
    database_url, sweep_jobs = _seed_and_queue(n, sweep_chunk=batch)
    swept = worker_run(database_url, timeout=600)
    _check(database_url, n)
    databases.flush_redis()
    note("raw TextBlob loop over the same texts")
    raw = raw_textblob_rate(items)
    return {
        "name": "pipeline",
        "rows": [
            row(
                "RQ worker, answers queued as intake queues them",
                n / kicked["seconds"],
                raw,
                unit="resp/s",
                goal="≥ 70 %",
            ),
            row(
                "  the same, until the burst worker exited",
                n / kicked["with_exit"],
                raw,
                unit="resp/s",
            ),
            row(
                "RQ worker, a job per batch of ids (sweep --enqueue)",
                n / swept["seconds"],
                raw,
                unit="resp/s",
            ),
        ],
        "notes": [
            f"{n:,} responses, all with a written answer; their {n:,} kicks queued "
            f"{kicked_jobs} job(s) and {kicked['jobs']} ran (the sweep run: {sweep_jobs} "
            f"queued); batches of {batch} (PIPELINE_BATCH_SIZE); worker = `flask --app wsgi "
            "worker --burst` (APP_ENV=production, PostgreSQL, Redis), timed from its "
            "registration to the end of its last job (and, second row, to its exit); "
            "baseline = raw TextBlob polarity over the same texts in the bench process."
        ],
    }
