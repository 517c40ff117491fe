"""Loyalty overview: the page's latency with a large brand against a small one, in one run.

The overview (/dashboard/loyalty) reads the ledger and the customers' first reaches directly,
not rollups: "programme vs. others" looks at every reach of the period, so its cost grows
with reaches by design. This bench keeps that growth in check at the scale audit's size.

Two brands are seeded into one database with bulk INSERT … SELECT generate_series (a few
statements, a minute or two for the large one): SMALL and LARGE customers, each reaching
~57 % of the seven phases (~4 reaches a customer), answering 55 % of their reaches (15 %
twice), plus answers in phases never reached and anonymous ones up to 5 per customer, and
earning for 40 % of the first 60 % of identified answers, a fifth of those redeemed (~1.4
entries a customer). loyalty_member is filled as migration 0030 fills it. A seed already
there with the same counts is reused.

The figure is the median of GET /dashboard/loyalty (in-process test client, logged in as an
owner), all time and the last 90 days, for each brand; per report (loyalty.reports) at the
large size too. The database is bench_loyalty_overview, or BENCH_LOYALTY_OVERVIEW_URL
(for instance a schema of a database of your own: …/mydb?options=-csearch_path%3Dbench):
nothing is dropped there; the bench adds its tables when missing and its two brands.
"""

import os
import re
import time
from datetime import UTC, datetime, timedelta

from bench import databases
from bench.loyalty import median_ms
from bench.report import note, row

SMALL, LARGE, QUICK_LARGE = 2_000, 200_000, 50_000
REQUESTS, QUICK_REQUESTS = 7, 3
PASSWORD = "bench-password-not-secret"  # noqa: S105 — a loopback-only bench login
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
DAYS = 400  # reaches and answers spread over the 400 days before seeding

# One brand's rows, by set: reaches and answers follow from the customers (see the docstring).
SEED = [
    """INSERT INTO customer (brand_id, external_id, consent, created_at, updated_at)
       SELECT :brand, 'c' || g, '{}', now(), now() FROM generate_series(1, :n) g""",
    """INSERT INTO customer_phase (brand_id, customer_id, phase_id, first_reached_at, value,
                                  persona_id)
       SELECT :brand, c.id, p.id, :start + ((c.id % 370) + p.position * 3) * interval '1 day'
                                   + (c.id * 7919 % 86400) * interval '1 second', 0, 0
       FROM customer c JOIN phase p ON p.brand_id = :brand
       WHERE c.brand_id = :brand AND (c.id * 31 + p.position * 17) % 100 < 57""",
    """INSERT INTO response (brand_id, journey_id, phase_id, survey_id, customer_id, channel,
                            locale, answers, incentivized, status, created_at, processed_at, nps)
       SELECT :brand, s.journey_id, cp.phase_id, s.id, cp.customer_id, 'email', 'nl',
              '{"nps": 8}', false, 'processed', cp.first_reached_at + later.delay,
              cp.first_reached_at + later.delay, 8
       FROM customer_phase cp JOIN survey s ON s.phase_id = cp.phase_id
       JOIN (VALUES (interval '1 hour', 55), (interval '2 days', 15)) later(delay, share)
         ON (cp.customer_id * 13 + cp.phase_id * 7) % 100 < later.share
       WHERE cp.brand_id = :brand""",
    """INSERT INTO response (brand_id, journey_id, phase_id, survey_id, customer_id, channel,
                            locale, answers, incentivized, status, created_at, processed_at, nps)
       SELECT :brand, s.journey_id, s.phase_id, s.id,
              CASE WHEN g % 3 > 0 THEN (SELECT min(id) FROM customer WHERE brand_id = :brand)
                                       + (g * 7907) % :n END,
              'widget', 'nl', '{"nps": 6}', false, 'processed',
              :start + (g % 400) * interval '1 day', :start + (g % 400) * interval '1 day', 6
       FROM generate_series(1, greatest(:n * 5 - (SELECT count(*) FROM response
                                                  WHERE brand_id = :brand), 0)) g
       JOIN survey s ON s.id = (SELECT array_agg(id ORDER BY id) FROM survey
                                WHERE brand_id = :brand)[1 + g % 7]""",
    """INSERT INTO loyalty_entry (brand_id, customer_id, kind, points, source_type, source_id,
                                 reason, phase_id, response_id, effective_at, created_at)
       SELECT :brand, customer_id, 'earn', 10, 'answer', 'bench:' || id, 'answered', phase_id,
              id, created_at, created_at
       FROM response
       WHERE brand_id = :brand AND customer_id IS NOT NULL AND id % 10 < 4
         AND id < (SELECT min(id) + :n * 3 FROM response WHERE brand_id = :brand)""",
    """INSERT INTO loyalty_entry (brand_id, customer_id, kind, points, source_type, source_id,
                                 reason, reward, effective_at, created_at)
       SELECT :brand, customer_id, 'redeem', -5, 'redemption', 'bench:' || id, 'redeemed',
              CASE WHEN id % 3 = 0 THEN 'voucher-5' ELSE 'gift' END,
              effective_at + interval '3 days', effective_at + interval '3 days'
       FROM loyalty_entry WHERE brand_id = :brand AND kind = 'earn' AND id % 5 = 0""",
    # as migration 0030 fills it
    """INSERT INTO loyalty_member (brand_id, customer_id, first_points_at)
       SELECT brand_id, customer_id, MIN(effective_at) FROM loyalty_entry
       WHERE brand_id = :brand GROUP BY brand_id, customer_id""",
]
TABLES = ("customer", "customer_phase", "response", "loyalty_entry", "loyalty_member")


def _database() -> str:
    override = os.environ.get("BENCH_LOYALTY_OVERVIEW_URL")
    return override or databases.ensure("bench_loyalty_overview")


def _counts(db, brand_id: int) -> dict:
    from sqlalchemy import text

    return {
        name: db.session.scalar(
            text(f"SELECT count(*) FROM {name} WHERE brand_id = :brand"),  # noqa: S608 — ours
            {"brand": brand_id},
        )
        for name in TABLES
    }


def seed(app, n: int) -> tuple[int, dict, float]:
    """The brand of n customers: (brand id, row counts, seconds spent seeding; 0 if reused)."""
    from sqlalchemy import delete, select, text

    from app.extensions import db
    from app.models import Brand
    from bench.seeding import _setup

    slug = f"bench-loyalty-{n}"
    with app.app_context():
        try:
            brand_id = db.session.scalar(select(Brand.id).where(Brand.slug == slug))
            if brand_id is not None:
                counts = _counts(db, brand_id)
                if counts["customer"] == n and counts["loyalty_member"] > 0:
                    return brand_id, counts, 0.0
                db.session.execute(delete(Brand).where(Brand.id == brand_id))
                db.session.commit()
            note(f"seeding a loyalty brand of {n:,} customers")
            started = time.perf_counter()
            brand_id = _setup(slug)["brand"].id
            today = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0)
            start = today.replace(microsecond=0) - timedelta(days=DAYS)
            db.session.commit()
            for statement in SEED:
                db.session.execute(text(statement), {"brand": brand_id, "n": n, "start": start})
            _owner(db, brand_id)
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
                raw.execute(text(f"VACUUM ANALYZE {', '.join(TABLES)}"))
            return brand_id, _counts(db, brand_id), time.perf_counter() - started
        finally:
            db.session.remove()


def _email(brand_id: int) -> str:
    return f"bench-loyalty-{brand_id}@phasewise.local"  # one brand each: no brand choice


def _owner(db, brand_id: int) -> None:
    from app.models import User

    user = User(brand_id=brand_id, email=_email(brand_id), role="owner")
    user.set_password(PASSWORD)
    db.session.add(user)


def page_ms(app, brand_id: int, url: str, count: int) -> float:
    client = app.test_client()
    token = _TOKEN.search(client.get("/login").get_data(as_text=True))
    form = {"email": _email(brand_id), "password": PASSWORD}
    form["csrf_token"] = token.group(1) if token else ""
    reply = client.post("/login", data=form)
    if reply.status_code != 302:
        raise RuntimeError(f"the bench login answered {reply.status_code}")

    def call():
        answer = client.get(url)
        assert answer.status_code == 200, answer.status_code

    return median_ms(call, count, warm=1)


def report_ms(app, brand_id: int, count: int) -> dict[str, float]:
    from loyalty import reports

    with app.app_context():
        calls = {
            "response_rates": lambda: reports.response_rates(brand_id),
            "points_per_phase": lambda: reports.points_per_phase(brand_id),
            "top_rewards": lambda: reports.top_rewards(brand_id),
            "summary": lambda: reports.summary(brand_id),
        }
        return {name: median_ms(call, count, warm=1) for name, call in calls.items()}


def run(quick: bool = False) -> dict:
    large = QUICK_LARGE if quick else LARGE
    count = QUICK_REQUESTS if quick else REQUESTS
    database_url = _database()
    app = databases.app_for(database_url)
    with app.app_context():
        from app.extensions import db

        db.create_all()
    (small_id, small_counts, _), (large_id, large_counts, seconds) = (
        seed(app, SMALL),
        seed(app, large),
    )
    note("timing the loyalty overview")
    figures = {
        (size, period): page_ms(app, brand_id, f"/dashboard/loyalty{query}", count)
        for size, brand_id in (("small", small_id), ("large", large_id))
        for period, query in (("all", ""), ("90d", "?period=90d"))
    }
    parts = report_ms(app, large_id, count)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    sizes = (
        f"{large_counts['customer_phase']:,} reaches, {large_counts['response']:,} answers, "
        f"{large_counts['loyalty_entry']:,} ledger entries"
    )
    rows = [
        row(
            f"/dashboard/loyalty, all time, {large:,} customers",
            figures[("large", "all")],
            figures[("small", "all")],
            unit="ms",
            goal="≤ 2000 ms",
        ),
        row(
            "  the same, last 90 days",
            figures[("large", "90d")],
            figures[("small", "90d")],
            unit="ms",
        ),
    ]
    rows += [row(f"  reports.{name}, all time", ms, None, unit="ms") for name, ms in parts.items()]
    return {
        "name": "loyalty overview",
        "rows": rows,
        "notes": [
            f"PostgreSQL; large: {sizes}; baseline: the same page for a brand of {SMALL:,} "
            f"customers ({small_counts['customer_phase']:,} reaches) in the same database; "
            f"median of {count} requests after one warm-up"
            + (f"; seeded in {seconds:.0f} s" if seconds else "; seed reused")
        ],
    }
