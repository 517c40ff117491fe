"""Dashboard: page latency of the marketer dashboard with 10k and with 1M responses.

Reuses the stats bench's cached databases (bench_10k, bench_1m: bench/seeding.py COPYs the
processed responses and their answer rollups). That seed leaves out what the dashboard adds
on top, so this module fills it in for the seeded brand, idempotently: the map's narrow
rollup (the answer rollup summed over channel and locale, as its pipeline step would write
it), per-survey counts (survey_rollup, grouped from the responses likewise), and
conversion and dwell rollups per phase × day × persona (synthetic, since journey events are
not seeded; their size grows with days, not with answers). An owner login is created.

Each page is served by gunicorn (APP_ENV=production on PostgreSQL) to one logged-in keep-alive
client, one request at a time; after a warm-up the median is the figure. Pages read rollups
and index-bounded slices of responses only, so the goal is that 100× the data costs at most
2× the time, page by page.
"""

import http.client
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from bench import databases, servers
from bench.report import note, row
from bench.seeding import seed_responses
from bench.stats import database_name

SIZES, QUICK_SIZES = (10_000, 1_000_000), (2_000, 50_000)
REQUESTS, QUICK_REQUESTS = 60, 15
WARMUP = 8
EMAIL = "bench-owner@phasewise.local"
PASSWORD = "bench-password-not-secret"  # noqa: S105 — a loopback-only bench login
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def pages(journey_id: int) -> dict[str, str]:
    last_30 = (datetime.now(UTC).date() - timedelta(days=29)).isoformat()
    phase = f"/dashboard/journeys/{journey_id}/phases/levering"
    return {
        "journey map": f"/dashboard?journey={journey_id}",
        "journey map, 30 days + persona": f"/dashboard?journey={journey_id}&from={last_30}"
        "&persona=senioren",
        "phase page": phase,
        "phase page, detractors by month": f"{phase}?grain=month&category=detractor",
        "phase page, verbatims page 5": None,  # filled in from page 4's "older" link
        "journey editor": f"/dashboard/journeys/{journey_id}",
        "surveys": "/dashboard/surveys",
        "figures CSV": f"/dashboard/journeys/{journey_id}/figures.csv",
    }


# --- what the dashboard reads beyond the answer rollups -----------------------------------------


def prepare(database_url: str, brand_id: int, n: int) -> None:
    """Survey counts, conversion and dwell rollups, and an owner login for the seeded brand."""
    from sqlalchemy import delete, func, select

    from app.extensions import db
    from app.models import (
        ConversionRollup,
        DwellRollup,
        MapRollup,
        Persona,
        Phase,
        Response,
        SurveyRollup,
        User,
    )
    from app.services import dwell

    app = databases.app_for(database_url)
    with app.app_context():
        try:
            # A cached seed may predate an index the dashboard relies on: add any missing one.
            for index in Response.__table__.indexes:
                index.create(db.engine, checkfirst=True)
            if not db.session.scalar(
                select(func.count()).select_from(MapRollup).where(MapRollup.brand_id == brand_id)
            ):
                _map_rollup(db, brand_id, MapRollup)
            if not db.session.scalar(
                select(func.count())
                .select_from(SurveyRollup)
                .where(SurveyRollup.brand_id == brand_id)
            ):
                day = func.date(Response.created_at)
                rows = db.session.execute(
                    select(
                        Response.survey_id,
                        day.label("day"),
                        Response.channel,
                        func.count(),
                        func.count(Response.comment),
                    )
                    .where(Response.brand_id == brand_id)
                    .group_by(Response.survey_id, day, Response.channel)
                ).all()
                db.session.add_all(
                    SurveyRollup(
                        brand_id=brand_id,
                        survey_id=survey_id,
                        day=when,
                        channel=channel,
                        responses=count,
                        with_text=texts,
                    )
                    for survey_id, when, channel, count, texts in rows
                )
            phases = db.session.scalars(
                select(Phase).where(Phase.brand_id == brand_id).order_by(Phase.position)
            ).all()
            personas = db.session.scalars(
                select(Persona.id).where(Persona.brand_id == brand_id)
            ).all()
            if not db.session.scalar(
                select(func.count())
                .select_from(ConversionRollup)
                .where(ConversionRollup.brand_id == brand_id)
            ):
                _conversion(db, brand_id, phases, personas, n, ConversionRollup, DwellRollup, dwell)
            db.session.execute(delete(User).where(User.email == EMAIL))
            user = User(brand_id=brand_id, email=EMAIL, role="owner")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()


def _map_rollup(db, brand_id, model) -> None:
    """What the map_rollup pipeline step would have written: the rollup without channel/locale."""
    from sqlalchemy import text

    keys = "brand_id, phase_id, day, persona_id, touchpoint_id"
    counters = ", ".join(model.COUNTERS)
    sums = ", ".join(f"SUM({name})" for name in model.COUNTERS)
    db.session.execute(
        text(
            f"INSERT INTO map_rollup ({keys}, {counters}) "  # noqa: S608 — constant names
            f"SELECT {keys}, {sums} FROM rollup WHERE brand_id = :brand GROUP BY {keys}"
        ),
        {"brand": brand_id},
    )


def _conversion(db, brand_id, phases, personas, n, conversion_model, dwell_model, dwell) -> None:
    """Customers reaching each phase per day and persona, scaled to n; half go on."""
    rng = random.Random(7)
    per_day = max(1, n // (90 * len(phases) * len(personas)))
    today = datetime.now(UTC).date()
    for offset in range(90):
        day = today - timedelta(days=offset)
        for index, phase in enumerate(phases):
            for persona_id in personas:
                reached = per_day
                converted = reached // 2 if index + 1 < len(phases) else 0
                db.session.add(
                    conversion_model(
                        brand_id=brand_id,
                        phase_id=phase.id,
                        day=day,
                        persona_id=persona_id,
                        reached=reached,
                        reached_value=reached * 9000.0,
                        converted=converted,
                        converted_value=converted * 9000.0,
                        dwell_hours_sum=converted * 24 * 8.0,
                    )
                )
                if converted:
                    db.session.add(
                        dwell_model(
                            brand_id=brand_id,
                            phase_id=phase.id,
                            day=day,
                            persona_id=persona_id,
                            bucket=dwell.bucket(24 * rng.uniform(2, 20)),
                            customers=converted,
                        )
                    )


# --- a logged-in client -------------------------------------------------------------------------


class Client:
    """One keep-alive connection that keeps the session cookie, like a browser tab."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        answer = self.connection.getresponse()
        payload = answer.read()
        cookie = answer.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return answer.status, payload

    def login(self) -> None:
        _, page = self.request("GET", "/login")
        token = _TOKEN.search(page.decode()).group(1)
        form = urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        status, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"the bench login answered {status}")

    def close(self) -> None:
        self.connection.close()


def _older_link(client: Client, path: str, hops: int) -> str:
    for _ in range(hops):
        _, page = client.request("GET", path)
        found = re.search(r'href="([^"]+cursor=[^"#]+)', page.decode())
        if not found:
            return path
        path = found.group(1).replace("&amp;", "&")
    return path


def timings(client: Client, path: str, count: int) -> list[float]:
    values = []
    for number in range(WARMUP + count):
        started = time.perf_counter()
        status, _ = client.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        if number >= WARMUP:
            values.append(elapsed)
    return values


def measure(n: int, count: int) -> dict[str, float]:
    seeded = seed_responses(databases.url(database_name(n)), n)
    prepare(seeded.database_url, seeded.brand_id, n)
    env = servers.production_env(seeded.database_url, None)
    note(f"{n:,} responses: {WARMUP} warm-up + {count} GETs of each dashboard page")
    medians = {}
    with servers.gunicorn("wsgi:app", env, probe="/healthz") as base:
        client = Client(base)
        try:
            client.login()
            for name, path in pages(seeded.journey_id).items():
                if path is None:
                    phase = f"/dashboard/journeys/{seeded.journey_id}/phases/levering"
                    path = _older_link(client, phase, 4)
                medians[name] = statistics.median(timings(client, path, count))
        finally:
            client.close()
    return medians


def _label(n: int) -> str:
    return database_name(n).removeprefix("bench_")


def run(quick: bool = False) -> dict:
    small_n, large_n = QUICK_SIZES if quick else SIZES
    count = QUICK_REQUESTS if quick else REQUESTS
    small, large = measure(small_n, count), measure(large_n, count)
    big, little = _label(large_n), _label(small_n)
    return {
        "name": "dashboard",
        "rows": [
            row(
                f"{page} median, {big} vs {little}",
                large[page],
                small[page],
                unit="ms",
                goal="≤ 2×",
            )
            for page in small
        ],
        "notes": [
            f"{count} sequential GETs per page after {WARMUP} warm-up, one logged-in keep-alive "
            f"client, {servers.describe()}, APP_ENV=production on PostgreSQL; databases shared "
            "with the stats bench, plus survey, conversion and dwell rollups (bench/dashboard.py)."
        ],
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
