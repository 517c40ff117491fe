"""Stats: latency of GET /api/v1/journeys/<id>/stats with 10k and with 1M responses.

Both databases are seeded by bench/seeding.py (COPY of processed responses plus the rollup
rows the pipeline would have written) and cached between runs as bench_10k and bench_1m; the
dashboard bench's prepare() then adds the journey map's narrow rollup (what /stats reads without
a channel or locale filter) and the conversion rollups, so both benches read the same tables
whichever runs first.
Each is served by gunicorn (APP_ENV=production, the same settings as the intake bench) and
read by one keep-alive client, one request at a time: after a warm-up, the median of N
requests is the figure. The answer is checked: its per-phase n must add up to what was seeded.
Stats read rollups only, so the goal is that 100× the data costs at most 2× the time.
"""

import http.client
import json
import statistics
import time
from datetime import date, timedelta
from urllib.parse import urlsplit

from bench import databases, servers
from bench.report import note, row
from bench.seeding import seed_responses

SIZES, QUICK_SIZES = (10_000, 1_000_000), (2_000, 50_000)
REQUESTS, QUICK_REQUESTS = 100, 40
WARMUP = 20


def database_name(n: int) -> str:
    """bench_10k, bench_1m: the cache the other benches (dashboard) can share."""
    if n % 1_000_000 == 0:
        return f"bench_{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"bench_{n // 1_000}k"
    return f"bench_{n}"


def latencies(base_url: str, path: str, api_key: str, count: int) -> tuple[list[float], dict]:
    """Milliseconds of `count` sequential GETs on one keep-alive connection (after a warm-up)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    timings, body = [], None
    try:
        for number in range(WARMUP + count):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status != 200:
                raise RuntimeError(f"GET {path} answered {answer.status}: {payload[:300]!r}")
            if number >= WARMUP:
                timings.append(elapsed)
            body = payload
    finally:
        connection.close()
    return timings, json.loads(body)


def measure(n: int, count: int) -> dict:
    from bench.dashboard import prepare  # bench.dashboard imports this module

    seeded = seed_responses(databases.url(database_name(n)), n)
    prepare(seeded.database_url, seeded.brand_id, n)
    env = servers.production_env(seeded.database_url, databases.REDIS_URL)
    path = f"/api/v1/journeys/{seeded.journey_id}/stats"
    recent = f"{path}?from={(date.today() - timedelta(days=30)).isoformat()}"
    note(f"{n:,} responses: {WARMUP} warm-up + {count} GETs, all time and last 30 days")
    with servers.gunicorn("wsgi:app", env, probe="/healthz") as base:
        all_time, body = latencies(base, path, seeded.api_key, count)
        last_30, _ = latencies(base, recent, seeded.api_key, count)
    service = service_latencies(seeded, count)
    counted = sum(phase["n"] for phase in body["phases"])
    if counted != n:
        raise RuntimeError(f"stats counted {counted} responses, {n} were seeded")
    return {
        "median": statistics.median(all_time),
        "p95": _p95(all_time),
        "median_30d": statistics.median(last_30),
        "service_median": statistics.median(service),
        "seeded_in": seeded.seconds,
        "reused": seeded.reused,
        "rollup_rows": _rollup_rows(seeded.database_url, seeded.brand_id),
    }


def service_latencies(seeded, count: int) -> list[float]:
    """Milliseconds of stats.journey_stats() in this process: the queries and the maths without
    HTTP, gunicorn and JSON, so other load on the machine blurs it less."""
    from app.extensions import db
    from app.services import brands, stats

    app = databases.app_for(seeded.database_url)
    with app.app_context():
        try:
            brand = brands.by_slug(seeded.brand_slug)
            timings = []
            for number in range(WARMUP + count):
                started = time.perf_counter()
                stats.journey_stats(brand, seeded.journey_id, {})
                if number >= WARMUP:
                    timings.append((time.perf_counter() - started) * 1000)
                db.session.expire_all()  # no answer served from the identity map
            return timings
        finally:
            db.session.remove()
            db.engine.dispose()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _rollup_rows(database_url: str, brand_id: int) -> int:
    """Rows an unfiltered /stats scans: its answer rollup's and the conversion rollup's."""
    import psycopg

    from app.models import ConversionRollup
    from app.services import map_rollup

    tables = (map_rollup.source_for({}).__tablename__, ConversionRollup.__tablename__)
    with psycopg.connect(database_url) as connection:
        return sum(
            connection.execute(
                f"SELECT count(*) FROM {table} WHERE brand_id = %s",  # noqa: S608 — model names
                (brand_id,),
            ).fetchone()[0]
            for table in tables
        )


def _seeding(figures: dict) -> str:
    return "cached" if figures["reused"] else f"seeded in {figures['seeded_in']} s"


def _label(n: int) -> str:
    return database_name(n).removeprefix("bench_")


def run(quick: bool = False) -> dict:
    small_n, large_n = QUICK_SIZES if quick else SIZES
    count = QUICK_REQUESTS if quick else REQUESTS
    small, large = measure(small_n, count), measure(large_n, count)
    big, little = _label(large_n), _label(small_n)
    return {
        "name": "stats",
        "rows": [
            row(
                f"GET /stats median, {big} vs {little} responses",
                large["median"],
                small["median"],
                unit="ms",
                goal="≤ 2×",
            ),
            row(f"GET /stats p95, {big} vs {little}", large["p95"], small["p95"], unit="ms"),
            row(
                f"GET /stats?from=30 days ago median, {big} vs {little}",
                large["median_30d"],
                small["median_30d"],
                unit="ms",
            ),
            row(
                f"stats service in-process median (no HTTP), {big} vs {little}",
                large["service_median"],
                small["service_median"],
                unit="ms",
            ),
            row(
                f"rollup rows read, {big} vs {little}",
                large["rollup_rows"],
                small["rollup_rows"],
                unit="rows",
            ),
        ],
        "notes": [
            f"{count} sequential GETs per figure after {WARMUP} warm-up, one keep-alive client, "
            f"{servers.describe()}, APP_ENV=production on PostgreSQL. Seeding: "
            f"{little} {_seeding(small)}, {big} {_seeding(large)} "
            "(COPY of responses + rollups, bench/seeding.py; map and conversion rollups added by "
            "bench/dashboard.py)."
        ],
    }
