"""bench/seeding.py writes what the real pipeline would: same derived fields, same rollups.

The same seeded answers go in twice under two brands: once as `received` rows that the real
pipeline processes, once through the bulk path (COPY on PostgreSQL, executemany on SQLite)
with derived fields and rollups computed by the seeder. Both must come out the same.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import psycopg
import pytest
from sqlalchemy import MetaData, Table, select

from app.extensions import db as _db
from app.models import Persona, Phase, Response, Rollup, Touchpoint
from app.services import processing
from bench import databases, seeding

ANCHOR = datetime(2026, 3, 29, 23, 30)  # a fixed clock, so both copies fall on the same days
N = 250


def _rollups(db, brand_id: int) -> dict:
    """Rollup counters by a key of names, not ids: the two brands have different ids."""
    phases = {p.id: p.key for p in db.session.scalars(select(Phase))}
    personas = {p.id: p.key for p in db.session.scalars(select(Persona))} | {0: None}
    touchpoints = {t.id: t.name for t in db.session.scalars(select(Touchpoint))} | {0: None}
    found = {}
    for rollup in db.session.scalars(select(Rollup).where(Rollup.brand_id == brand_id)):
        key = (
            phases[rollup.phase_id],
            rollup.day,
            rollup.channel,
            personas[rollup.persona_id],
            touchpoints[rollup.touchpoint_id],
            rollup.locale,
        )
        found[key] = {name: getattr(rollup, name) for name in Rollup.COUNTERS}
    return found


def _derived(db, brand_id: int) -> list[tuple]:
    return [
        (
            r.status,
            r.nps,
            r.csat,
            r.ces,
            r.emotion,
            r.comment,
            r.nps_category,
            r.sentiment_polarity,
            r.sentiment_label,
            r.language,
            r.created_at,
        )
        for r in db.session.scalars(
            select(Response).where(Response.brand_id == brand_id).order_by(Response.id)
        )
    ]


def test_bulk_rollups_equal_what_the_pipeline_writes(db):
    by_pipeline = seeding.seed_brand(N, seed=3, slug="by-pipeline", processed=False, anchor=ANCHOR)
    while processing.process_batch([], batch_size=150):
        pass
    bulk = seeding.seed_brand(N, seed=3, slug="bulk", processed=True, anchor=ANCHOR)

    expected, actual = _rollups(db, by_pipeline["brand_id"]), _rollups(db, bulk["brand_id"])
    assert sum(row["responses"] for row in expected.values()) == N
    assert len(expected) > 50  # the sample spreads over many rollup keys
    assert actual.keys() == expected.keys()
    for key, counters in expected.items():
        assert actual[key] == pytest.approx(counters, abs=1e-9), key

    assert _derived(db, bulk["brand_id"]) == _derived(db, by_pipeline["brand_id"])


def test_the_seed_is_deterministic_and_realistic(db):
    seeded = seeding.seed_brand(300, seed=9, slug="same", anchor=ANCHOR)
    rows = db.session.scalars(select(Response).where(Response.brand_id == seeded["brand_id"]))
    rows = list(rows)
    assert len(rows) == 300
    assert {r.status for r in rows} == {"processed"}
    assert {r.channel for r in rows} == {"widget", "email", "link", "api"}
    assert {r.locale for r in rows} == {"nl", "en"}
    assert 0.5 < sum(r.comment is not None for r in rows) / 300 < 0.8
    assert all((ANCHOR - r.created_at).days < 90 for r in rows)
    assert len({r.phase_id for r in rows}) == 7
    assert seeded["api_key"].startswith("sk_")


def test_schema_fingerprint_follows_the_models(db):
    first = seeding.schema_fingerprint(db.metadata)
    assert seeding.schema_fingerprint(db.metadata) == first
    changed = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(changed)
    Table("extra", changed)
    assert seeding.schema_fingerprint(changed) != first


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432/test",
        "postgresql://postgres@127.0.0.1:5432/phasewise",
        "postgresql://postgres@127.0.0.1:5432/bench-1m",
    ],
)
def test_only_bench_databases_are_ever_reset(url):
    with pytest.raises(ValueError, match="bench_"):
        databases.reset_schema(url)


@pytest.mark.postgres
def test_seed_responses_reuses_a_cached_database(monkeypatch):
    monkeypatch.setattr(databases, "SERVER", os.environ["DATABASE_URL"].rsplit("/", 1)[0])
    name = f"bench_pytest_{os.getpid()}"
    url = databases.url(name)
    try:
        # Two benches asking at once (stats and dashboard do): one seeds, the other waits, reuses.
        with ThreadPoolExecutor(2) as pool:
            first, again = sorted(
                pool.map(lambda _: seeding.seed_responses(url, 120), range(2)),
                key=lambda seeded: seeded.reused,
            )
        assert (first.reused, again.reused) == (False, True)
        assert (again.brand_id, again.journey_id) == (first.brand_id, first.journey_id)
        assert again.api_key != first.api_key  # a fresh key, nothing secret kept on disk
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT count(*) FROM response").fetchone()[0] == 120
            assert connection.execute("SELECT sum(responses) FROM rollup").fetchone()[0] == 120
        # Any other n, seed or schema is not a hit: the database would be reset and seeded.
        fingerprint = seeding.schema_fingerprint(_db.metadata)
        assert seeding._cached(url, 120, 7, 90, fingerprint) is not None
        assert seeding._cached(url, 150, 7, 90, fingerprint) is None
        assert seeding._cached(url, 120, 8, 90, fingerprint) is None
        assert seeding._cached(url, 120, 7, 90, "another-schema") is None
    finally:
        with psycopg_maintenance() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psycopg_maintenance():
    return psycopg.connect(f"{databases.SERVER}/postgres", autocommit=True)
