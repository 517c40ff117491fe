"""Backfill: journey events per second through POST /api/v1/events/batch against the same
events sent one POST /api/v1/events at a time.

A shop that loads its order history (or syncs a day's orders at night) sends thousands of
events. Both runs go through the whole app in this process (Flask's test client: routing, the
API key, the schema, the service, PostgreSQL in bench_imports), into an emptied brand each
time, each event keyed (an Idempotency-Key header, or the item's idempotency_key), customers
made by their events. The baseline is one request per event; the figure is how many times
more events a second the batches store. Best of two runs each, alternating.
"""

import time
import uuid

from bench import databases
from bench.report import note, row

N, QUICK_N = 4_000, 1_000
BATCH = 1000
PHASES = ("orientatie", "aankoop", "levering")
JOURNEY = {
    "name": "Badkamer",
    "phases": [{"key": key, "name": key.title()} for key in PHASES],
}


def _events(journey_id: int, n: int) -> list[dict]:
    run = uuid.uuid4().hex[:8]  # fresh keys and customers per run
    return [
        {
            "customer": f"order-{run}-{number // len(PHASES)}",
            "journey_id": journey_id,
            "phase": PHASES[number % len(PHASES)],
            "occurred_at": f"2026-09-{1 + number % 28:02d}T10:00:00Z",
            "idempotency_key": f"{run}-{number}",
        }
        for number in range(n)
    ]


def _one_at_a_time(client, headers: dict, events: list[dict]) -> float:
    started = time.perf_counter()
    for event in events:
        body = {key: value for key, value in event.items() if key != "idempotency_key"}
        reply = client.post(
            "/api/v1/events",
            json=body,
            headers={**headers, "Idempotency-Key": event["idempotency_key"]},
        )
        assert reply.status_code == 201, reply.json
    return len(events) / (time.perf_counter() - started)


def _batched(client, headers: dict, events: list[dict]) -> float:
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        reply = client.post(
            "/api/v1/events/batch", json={"items": events[start : start + BATCH]}, headers=headers
        )
        assert reply.status_code == 201 and reply.json["recorded"] == min(
            BATCH, len(events) - start
        ), reply.json
    return len(events) / (time.perf_counter() - started)


def run(quick: bool = False) -> dict:
    n = QUICK_N if quick else N
    database_url = databases.recreate("bench_imports")
    app = databases.create_schema(database_url)
    with app.app_context():
        from app.services import brands, journeys

        brand, secret = brands.create_brand("Bench import", "bench-import", "nl")
        journey_id = journeys.create_journey(brand, JOURNEY).id
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    rates = {"single": [], "batch": []}
    for kind in ("single", "batch") * 2:
        note(f"{n:,} events, {'one request each' if kind == 'single' else f'{BATCH} a request'}")
        send = _one_at_a_time if kind == "single" else _batched
        rates[kind].append(send(client, headers, _events(journey_id, n)))
    single, batch = max(rates["single"]), max(rates["batch"])
    return {
        "name": "imports",
        "rows": [
            row("events/s, POST /events/batch", batch, single, unit="events/s", goal="≥ 10×"),
        ],
        "notes": [
            f"{n:,} keyed events over {n // len(PHASES):,} new customers, PostgreSQL; "
            f"baseline: one POST /events per event ({single:,.0f}/s)"
        ],
    }
