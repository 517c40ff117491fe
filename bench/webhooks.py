"""Webhooks: what the outbox costs the pipeline, and how fast a worker delivers.

1. Pipeline cost. N received responses in a fresh bench_webhooks database (PostgreSQL) are
   processed by `processing.process_batch` in batches of PIPELINE_BATCH_SIZE (as the
   worker runs them), once with one endpoint
   subscribed to `response.processed` (each batch writes N delivery rows and, after its
   commit, queues N jobs on Redis) and once with no endpoint; best of three runs each,
   alternating. The baseline is the batch without an endpoint.
2. Delivery rate. The N queued deliveries are sent by one real RQ worker (`worker.run`,
   burst) to a local receiver that answers 204; each is claimed with a row lock, signed,
   POSTed, and recorded with its attempt. The baseline is a raw loop of the same number of
   signed POSTs with urllib to the same receiver, without database or queue.
"""

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import databases
from bench.report import note, row
from config import Config

N, QUICK_N = 6_000, 1_000  # enough batches that a stray ms of other load cannot swing the ratio
BATCH = Config.PIPELINE_BATCH_SIZE  # as the worker batches: the outbox insert is per batch


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 — the http.server hook name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}/hooks"


def _app(database_url: str):
    from app import create_app
    from config import normalise_database_url

    return create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "REDIS_URL": databases.REDIS_URL,
        },
    )


def _process_all(app, subscribed: bool, endpoint: dict) -> dict:
    from sqlalchemy import delete, select, update

    from app.extensions import db
    from app.models import Response, WebhookAttempt, WebhookDelivery, WebhookEndpoint
    from app.models.response import RECEIVED
    from app.services import processing

    databases.flush_redis()
    with app.app_context():
        db.session.execute(delete(WebhookAttempt))
        db.session.execute(delete(WebhookDelivery))
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint["id"])
            .values(active=subscribed)
        )
        db.session.execute(update(Response).values(status=RECEIVED, processed_at=None))
        db.session.commit()
        ids = list(db.session.scalars(select(Response.id).order_by(Response.id)))
        started = time.perf_counter()
        for start in range(0, len(ids), BATCH):
            done = processing.process_batch(ids[start : start + BATCH], batch_size=BATCH)
            assert len(done) == len(ids[start : start + BATCH])
        seconds = time.perf_counter() - started
        deliveries = db.session.query(WebhookDelivery).count()
        db.session.remove()
    return {"seconds": seconds, "n": len(ids), "deliveries": deliveries}


def _raw_posts(url: str, secret: str, n: int) -> float:
    """Signed POSTs in a loop, nothing else: what the HTTP part alone costs."""
    import json

    from app.services.webhooks import sign

    body = json.dumps({"type": "response.processed", "data": {"id": 1}}).encode()
    started = time.perf_counter()
    for number in range(n):
        timestamp = int(time.time())
        request = urllib.request.Request(  # noqa: S310 — a loopback http URL
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "webhook-id": f"msg_{number}",
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(secret, f"msg_{number}", timestamp, body),
            },
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            answer.read()
    return n / (time.perf_counter() - started)


def run(quick: bool = False) -> dict:
    from bench import seeding

    n = QUICK_N if quick else N
    server, thread, url = _serve()
    try:
        database_url = databases.recreate("bench_webhooks")
        databases.create_schema(database_url)
        app = _app(database_url)
        with app.app_context():
            from app.extensions import db
            from app.models import Brand
            from app.services import webhooks

            seeded = seeding.seed_brand(n, seed=13, slug="bench-webhooks", processed=False)
            brand = db.session.get(Brand, seeded["brand_id"])
            created = webhooks.create_endpoint(
                brand, {"url": url, "events": ["response.processed"]}
            )
            endpoint = {"id": created.id, "secret": created.secret}
            db.session.remove()
        runs = {True: [], False: []}
        for subscribed in (False, True) * 3:  # alternating, best of three: the box is shared
            label = "with an endpoint" if subscribed else "without endpoints"
            note(f"{n:,} responses through the batch {label}")
            runs[subscribed].append(_process_all(app, subscribed, endpoint))
        best = {key: min(items, key=lambda r: r["seconds"]) for key, items in runs.items()}
        if best[True]["deliveries"] != n or best[False]["deliveries"] != 0:
            raise RuntimeError("the response.processed step did not run as intended")

        note(f"one RQ worker delivers {n:,} webhooks")
        with app.app_context():
            from sqlalchemy import func, select

            from app.models import WebhookDelivery
            from app.services import worker

            started = time.perf_counter()
            worker.run(burst=True)
            seconds = time.perf_counter() - started
            delivered = db.session.scalar(
                select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == "delivered")
            )
            db.session.remove()
            db.engine.dispose()
        note(f"{n:,} raw signed POSTs")
        raw_rate = _raw_posts(url, endpoint["secret"], n)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        databases.flush_redis()
    with_rate = best[True]["n"] / best[True]["seconds"]
    without_rate = best[False]["n"] / best[False]["seconds"]
    return {
        "name": "webhooks",
        "rows": [
            row(
                "pipeline batch with a subscribed endpoint",
                with_rate,
                without_rate,
                unit="resp/s",
                goal="≥ 80 %",
            ),
            row("delivery by one RQ worker", n / seconds, raw_rate, unit="deliveries/s"),
            row("deliveries lost", n - delivered, None, goal="= 0", digits=0),
        ],
        "notes": [
            f"PostgreSQL and Redis; {n:,} responses in batches of {BATCH} (best of 2), "
            "baseline: the same batches with no endpoint. Delivery: one burst worker to a "
            "local receiver answering 204; baseline: the same number of signed urllib POSTs "
            "in a loop, without database or queue."
        ],
    }
