"""Stats: latency of GET /api/v1/journeys/<id>/stats with 10k and with 1M responses.

Both databases are seeded by bench/seeding.py (COPY of processed responses plus the rollup
rows the pipeline would have written) and cached between runs as bench_10k and bench_1m; the
dashboard bench's prepare() then adds the journey map's narrow rollup (what /stats reads without
a channel or locale filter) and the conversion rollups, so both benches read the same tables
whichever runs first.
Both are served at once by gunicorn (APP_ENV=production, the same settings as the intake
bench) and read by one keep-alive client per server, one request at a time and the two servers
in turns, so a burst of other work on a shared machine slows both alike rather than whichever
was measured second: after a warm-up, the median of N requests is the figure. The answer is
checked: its per-phase n must add up to what was seeded.
Stats read rollups only, so the goal is that 100× the data costs at most 2× the time.
"""

import http.client
import json
import statistics
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
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


def latencies(
    targets: list[tuple[str, str, str]], count: int
) -> tuple[list[list[float]], list[dict]]:
    """Milliseconds of `count` GETs per (base_url, path, api_key) after a warm-up, one keep-alive
    connection per target, the targets asked in turns: a burst of other work on the machine then
    slows each of them alike instead of whichever happened to be measured during it."""
    connections, timings, bodies = [], [[] for _ in targets], [None] * len(targets)
    try:
        for base_url, _path, _key in targets:
            parts = urlsplit(base_url)
            connections.append(http.client.HTTPConnection(parts.hostname, parts.port, timeout=30))
        for number in range(WARMUP + count):
            for index, (_base, path, api_key) in enumerate(targets):
                headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
                started = time.perf_counter()
                connections[index].request("GET", path, headers=headers)
                answer = connections[index].getresponse()
                payload = answer.read()
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status != 200:
                    raise RuntimeError(f"GET {path} answered {answer.status}: {payload[:300]!r}")
                if number >= WARMUP:
                    timings[index].append(elapsed)
                bodies[index] = payload
    finally:
        for connection in connections:
            connection.close()
    return timings, [json.loads(body) for body in bodies]


def measure(sizes: tuple[int, ...], count: int) -> list[dict]:
    """The figures of each size; all databases are served at once and read in turns."""
    from bench.dashboard import prepare  # bench.dashboard imports this module

    seeded = []
    for n in sizes:
        one = seed_responses(databases.url(database_name(n)), n)
        prepare(one.database_url, one.brand_id, n)
        seeded.append(one)
    since = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    note(
        f"{' and '.join(f'{n:,}' for n in sizes)} responses in turns: {WARMUP} warm-up + "
        f"{count} GETs each, all time and last 30 days"
    )
    with ExitStack() as stack:
        bases = [
            stack.enter_context(
                servers.gunicorn(
                    "wsgi:app",
                    servers.production_env(one.database_url, databases.REDIS_URL),
                    probe="/healthz",
                )
            )
            for one in seeded
        ]
        paths = [f"/api/v1/journeys/{one.journey_id}/stats" for one in seeded]
        keys = [one.api_key for one in seeded]
        all_time, bodies = latencies(list(zip(bases, paths, keys, strict=True)), count)
        recent = [f"{path}?from={since}" for path in paths]
        last_30, _ = latencies(list(zip(bases, recent, keys, strict=True)), count)
    service = service_latencies(seeded, count)
    figures = []
    for index, one in enumerate(seeded):
        counted = sum(phase["n"] for phase in bodies[index]["phases"])
        if counted != one.responses:
            raise RuntimeError(f"stats counted {counted} responses, {one.responses} were seeded")
        figures.append(
            {
                "median": statistics.median(all_time[index]),
                "p95": _p95(all_time[index]),
                "median_30d": statistics.median(last_30[index]),
                "service_median": statistics.median(service[index]),
                "seeded_in": one.seconds,
                "reused": one.reused,
                "rollup_rows": _rollup_rows(one.database_url, one.brand_id),
            }
        )
    return figures


def service_latencies(seeded: list, count: int) -> list[list[float]]:
    """Milliseconds of stats.journey_stats() in this process, per seeded database, in turns: the
    queries and the maths without HTTP, gunicorn and JSON, so other load blurs it less."""
    from app.extensions import db
    from app.services import brands, stats

    apps = [databases.app_for(one.database_url) for one in seeded]
    timings = [[] for _ in seeded]
    try:
        for number in range(WARMUP + count):
            for index, (app, one) in enumerate(zip(apps, seeded, strict=True)):
                # a fresh context per call: no answer served from the identity map
                with app.app_context():
                    brand = brands.by_slug(one.brand_slug)
                    started = time.perf_counter()
                    stats.journey_stats(brand, one.journey_id, {})
                    if number >= WARMUP:
                        timings[index].append((time.perf_counter() - started) * 1000)
                    db.session.remove()
    finally:
        for app in apps:
            with app.app_context():
                db.engine.dispose()
    return timings


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
    small, large = measure((small_n, large_n), count)
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
