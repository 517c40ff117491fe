"""Loyalty: reading a balance (a SUM over the ledger) and awarding inside the pipeline batch.

1. Balance read. In a fresh bench_loyalty database (PostgreSQL), one customer has 10,000
   ledger entries and another has 10, among 500 other customers with 100 entries each;
   the table is VACUUM ANALYZEd, as autovacuum leaves it in steady state. The figure is the
   median of `loyalty.balance()` for the 10k customer; the baseline is the same read for the
   10-entry customer. The balance is never a stored counter, so this is the price of that.
   GET /api/v1/customers/<id>/loyalty (in-process, through the test client) is compared with
   the same read for the 10-entry customer, whose page lists 10 entries where the 10k
   customer's lists 50; a row without a goal compares it with a customer of 100 entries,
   whose page is full too, so that ratio is the ledger's size alone.
2. Award throughput. N received responses (80 % from identified customers, as the seeding
   does) are processed by `processing.process_batch` in batches of PIPELINE_BATCH_SIZE (as
   the worker runs them), once with the pipeline's steps as they are and once with the
   loyalty step left out (best of three runs each, alternating); the baseline is the batch
   without loyalty. The time spent inside the loyalty step is also reported per awarded
   response.
"""

import statistics
import time
from datetime import timedelta

from bench import databases
from bench.report import note, row
from config import Config

N, QUICK_N = 4_000, 800
READS, QUICK_READS = 400, 100
BATCH = Config.PIPELINE_BATCH_SIZE  # as the worker batches: the statements are per batch


def median_ms(call, count: int, warm: int = 10) -> float:
    """The median of `count` timed calls in ms, after `warm` untimed ones (caches, the
    connection)."""
    for _ in range(warm):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _ledger_rows(brand_id: int, customer_id: int, count: int, start) -> list[dict]:
    return [
        {
            "brand_id": brand_id,
            "customer_id": customer_id,
            "kind": "earn" if i % 10 else "redeem",
            "points": 10 if i % 10 else -5,
            "source_type": "bench",
            "source_id": f"{customer_id}:{i}",
            "reason": "answered",
            "effective_at": start + timedelta(minutes=i),
            "created_at": start + timedelta(minutes=i),
        }
        for i in range(count)
    ]


def balance_reads(reads: int) -> dict:
    from sqlalchemy import insert, text

    import loyalty
    from app.extensions import db
    from app.models import Customer
    from app.models.base import utcnow
    from app.services import brands

    database_url = databases.recreate("bench_loyalty")
    app = databases.create_schema(database_url)
    with app.app_context():
        brand, secret = brands.create_brand("Bench Loyalty", "bench-loyalty", "nl")
        people = [Customer(brand_id=brand.id, external_id=f"c{n}", consent={}) for n in range(502)]
        db.session.add_all(people)
        db.session.commit()
        start = utcnow() - timedelta(days=300)
        big, small, others = people[0], people[1], people[2:]
        note("writing 60,010 ledger entries")
        rows = _ledger_rows(brand.id, big.id, 10_000, start)
        rows += _ledger_rows(brand.id, small.id, 10, start)
        for other in others:
            rows += _ledger_rows(brand.id, other.id, 100, start)
        for chunk in range(0, len(rows), 5_000):
            db.session.execute(insert(loyalty.LedgerEntry), rows[chunk : chunk + 5_000])
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE loyalty_entry"))
        expected = 9_000 * 10 - 1_000 * 5
        assert loyalty.balance(brand.id, big.id) == expected, "the 10k balance is wrong"
        big_id, small_id, brand_id = big.id, small.id, brand.id
        result = {
            "balance_10k": median_ms(lambda: loyalty.balance(brand_id, big_id), reads),
            "balance_10": median_ms(lambda: loyalty.balance(brand_id, small_id), reads),
        }
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    def account(external_id: str):
        def call():
            reply = client.get(f"/api/v1/customers/{external_id}/loyalty", headers=headers)
            assert reply.status_code == 200

        return call

    result["api_10k"] = median_ms(account("c0"), reads // 2)
    result["api_10"] = median_ms(account("c1"), reads // 2)
    result["api_100"] = median_ms(account("c2"), reads // 2)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return result


def _process_all(app, with_loyalty: bool) -> dict:
    """Reset every response to received, clear the ledger, and time the batches."""
    from sqlalchemy import delete, select, update

    import loyalty
    from app.extensions import db
    from app.models import Response
    from app.models.response import RECEIVED
    from app.services import processing

    spent = {"seconds": 0.0}

    def timed_award(items):
        started = time.perf_counter()
        loyalty.award_batch(items)
        spent["seconds"] += time.perf_counter() - started

    original = processing.steps

    def steps():
        chosen = [step for step in original() if step is not loyalty.award_batch]
        if with_loyalty:
            chosen.insert(len(chosen) - 2 if len(chosen) >= 2 else 0, timed_award)
        return chosen

    with app.app_context():
        db.session.execute(delete(loyalty.LedgerEntry))
        db.session.execute(update(Response).values(status=RECEIVED, processed_at=None))
        db.session.commit()
        ids = list(db.session.scalars(select(Response.id).order_by(Response.id)))
        processing.steps = steps
        try:
            started = time.perf_counter()
            for start in range(0, len(ids), BATCH):
                done = processing.process_batch(ids[start : start + BATCH], batch_size=BATCH)
                assert len(done) == len(ids[start : start + BATCH])
            seconds = time.perf_counter() - started
        finally:
            processing.steps = original
        entries = db.session.query(loyalty.LedgerEntry).count()
        identified = db.session.query(Response).filter(Response.customer_id.is_not(None)).count()
        db.session.remove()
    return {
        "seconds": seconds,
        "n": len(ids),
        "award_seconds": spent["seconds"],
        "entries": entries,
        "identified": identified,
    }


def award_throughput(n: int) -> dict:
    from bench import seeding

    database_url = databases.recreate("bench_loyalty_pipeline")
    app = databases.create_schema(database_url)
    with app.app_context():
        seeding.seed_brand(n, seed=11, slug="bench-loyalty", processed=False)
    runs = {True: [], False: []}
    for with_loyalty in (False, True) * 3:  # alternating, best of three: the box is shared
        note(f"{n:,} responses through the batch {'with' if with_loyalty else 'without'} loyalty")
        runs[with_loyalty].append(_process_all(app, with_loyalty))
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    best = {key: min(items, key=lambda r: r["seconds"]) for key, items in runs.items()}
    if best[True]["entries"] == 0 or best[False]["entries"] != 0:
        raise RuntimeError("the loyalty step did not run as intended")
    return best


def run(quick: bool = False) -> dict:
    reads = QUICK_READS if quick else READS
    n = QUICK_N if quick else N
    note("balance reads: 10,000 vs 10 ledger entries")
    reads_result = balance_reads(reads)
    award = award_throughput(n)
    with_rate = award[True]["n"] / award[True]["seconds"]
    without_rate = award[False]["n"] / award[False]["seconds"]
    per_award_ms = award[True]["award_seconds"] * 1000 / max(award[True]["identified"], 1)
    return {
        "name": "loyalty",
        "rows": [
            row(
                "balance(): customer with 10k entries",
                reads_result["balance_10k"],
                reads_result["balance_10"],
                unit="ms",
                goal="≤ 5 ms",
            ),
            row(
                "GET /customers/<id>/loyalty, 10k entries",
                reads_result["api_10k"],
                reads_result["api_10"],
                unit="ms",
                goal="≤ 2×",
            ),
            row(
                "  the same vs 100 entries (both a page of 50)",
                reads_result["api_10k"],
                reads_result["api_100"],
                unit="ms",
            ),
            row(
                "pipeline batch with loyalty",
                with_rate,
                without_rate,
                unit="resp/s",
                goal="≥ 80 %",
            ),
            row("  loyalty step per identified answer", per_award_ms, None, unit="ms"),
        ],
        "notes": [
            "PostgreSQL; balance = SUM over the ledger (median of "
            f"{reads} reads, baseline: a customer with 10 entries); pipeline: {n:,} responses, "
            f"{award[True]['identified']:,} identified, {award[True]['entries']:,} ledger "
            "entries written; baseline: the same batches without the loyalty step (best of 2)."
        ],
    }
