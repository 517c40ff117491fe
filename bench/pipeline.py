"""Pipeline: responses/s processed by a real RQ worker on PostgreSQL vs a raw TextBlob loop.

N `received` responses, every one with a written answer from the demo corpus (Dutch and
English), are bulk-inserted into a fresh bench_pipeline database and queued exactly as intake
queues them: one job per response id through `app.services.intake.enqueue` (a job grabs
along other waiting rows, so most later jobs find nothing left to do). Then
`flask --app wsgi worker --burst` runs with APP_ENV=production; the clock starts when the
worker has registered with Redis (its analyzer is loaded by then) and stops when it exits
with the queues empty. The baseline is the least a pipeline could do with the same texts: a
loop of TextBlob(text, analyzer=…).sentiment.polarity with the English / textblob-nl pattern
analyzers preloaded, in this process. A second, informational run queues 200 ids per job,
as `flask pipeline sweep --enqueue` does.
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
SWEEP_BATCH = 200


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


def _seed_and_queue(n: int, per_job: int) -> str:
    """A fresh database with n received responses, queued per_job ids at a time."""
    from app import create_app
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
        from app.extensions import db
        from app.models import Response

        ids = [i for (i,) in db.session.query(Response.id).order_by(Response.id)]
        for start in range(0, len(ids), per_job):
            if not intake.enqueue(ids[start : start + per_job]):
                raise RuntimeError("could not enqueue on Redis")
        db.session.remove()
        db.engine.dispose()
    return database_url


def _worker_run(database_url: str, timeout: float) -> dict:
    """Run a burst worker; time from its registration to its exit."""
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
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
        connection.close()
    return {"seconds": seconds, "started": started_wall}


def _check(database_url: str, n: int, started: datetime) -> float:
    """All rows processed and counted once in the rollups; returns when the last batch ran."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        waiting = connection.execute(
            "SELECT count(*) FROM response WHERE status <> 'processed'"
        ).fetchone()[0]
        counted = connection.execute("SELECT coalesce(sum(responses), 0) FROM rollup").fetchone()[0]
        last = connection.execute("SELECT max(processed_at) FROM response").fetchone()[0]
    if waiting or counted != n:
        raise RuntimeError(f"{waiting} responses left unprocessed, rollups count {counted} of {n}")
    failed = _failed_jobs()
    if failed:
        raise RuntimeError(f"{failed} jobs failed")
    return (last - started).total_seconds()


def _failed_jobs() -> int:
    from redis import Redis
    from rq.registry import FailedJobRegistry

    connection = Redis.from_url(databases.REDIS_URL)
    try:
        return FailedJobRegistry("pipeline", connection=connection).count
    finally:
        connection.close()


def run(quick: bool = False) -> dict:
    n = QUICK_N if quick else N
    note(f"{n:,} received responses with text, one job per id (as intake queues them)")
    database_url = _seed_and_queue(n, per_job=1)
    items = _texts(database_url)
    per_id = _worker_run(database_url, timeout=600)
    rows_done = _check(database_url, n, per_id["started"])
    note(f"worker done in {per_id['seconds']:.1f} s; now {SWEEP_BATCH} ids per job")
    database_url = _seed_and_queue(n, per_job=SWEEP_BATCH)
    batched = _worker_run(database_url, timeout=600)
    _check(database_url, n, batched["started"])
    databases.flush_redis()
    note("raw TextBlob loop over the same texts")
    raw = raw_textblob_rate(items)
    per_id_rate = n / per_id["seconds"]
    return {
        "name": "pipeline",
        "rows": [
            row("RQ worker, one job per response", per_id_rate, raw, unit="resp/s", goal="≥ 70 %"),
            row(
                "  of which: until every row was processed",
                n / max(rows_done, 1e-3),
                raw,
                unit="resp/s",
            ),
            row(
                f"RQ worker, {SWEEP_BATCH} ids per job (sweep)",
                n / batched["seconds"],
                raw,
                unit="resp/s",
            ),
        ],
        "notes": [
            f"{n:,} responses, all with a written answer; worker = `flask --app wsgi worker "
            "--burst` (APP_ENV=production, PostgreSQL, Redis), timed from its registration to "
            "its exit; baseline = raw TextBlob polarity over the same texts in the bench process."
        ],
    }
