"""Webhooks: an outbox of deliveries written in the emitter's transaction, sent after its commit.

`emit()` only adds rows to the caller's session. A hook on that session queues the deliveries
once the commit succeeded, so a rolled-back transaction sends nothing and a committed one is
never lost: when Redis cannot be reached the rows stay `pending` and `flask webhooks sweep`
sends them. Every request is signed per Standard Webhooks (https://www.standardwebhooks.com).
"""

import base64
import contextlib
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app import locks, timestamps
from app.errors import AppError
from app.extensions import db, queue
from app.models import Brand, Phase
from app.models.base import utcnow
from app.models.webhook import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

EVENTS = (
    "response.processed",
    "review.published",
    "review.removed",
    "loyalty.earned",
    "loyalty.redeemed",
    "loyalty.deducted",
)
TEST_EVENT = "webhook.test"
MAX_ENDPOINTS = 20
# Seconds to wait before each retry: about 8.5 hours in all, as Standard Webhooks suggests.
RETRY_INTERVALS = [10, 60, 300, 1800, 7200, 21600]
TIMEOUT_SECONDS = 5
BATCH = 50  # deliveries per job: one endpoint's share of a commit, claimed in one transaction
# `last_error` of a delivery claimed by a sender whose POST is in flight (see send()).
SENDING = "sending now"
USER_AGENT = "Phasewise-Webhooks/1"

_INSERT_DELIVERIES = insert(WebhookDelivery.__table__).returning(
    WebhookDelivery.__table__.c.id, WebhookDelivery.__table__.c.message_id
)

_OUTBOX = "webhooks.outbox"
_ENDPOINTS = "webhooks.endpoints"
_HOOKED = "webhooks.hooked"


# ---- emitting ---------------------------------------------------------------------------


def emit(brand_id: int, event: str, data: dict) -> None:
    """Record `event` for every active endpoint of the brand that subscribed to it.

    Call it inside your transaction; the deliveries are queued on `webhooks` after the commit.
    """
    emit_many(brand_id, event, [data])


def emit_many(brand_id: int, event: str, items: list[dict]) -> None:
    """emit() for many events of one kind at once: one INSERT for all their deliveries.

    The pipeline emits one event per answer; as ORM objects flushed one by one the deliveries
    cost more than the rest of the batch. The ids join the outbox straight away (no savepoint
    is ever rolled back under them here; send() would report a vanished id as "missing").
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    session = db.session()
    endpoint_ids = _subscribed(session, brand_id, event)
    if not endpoint_ids or not items:
        return
    now = utcnow()
    rows = [
        {
            "brand_id": brand_id,
            "endpoint_id": endpoint_id,
            "message_id": WebhookDelivery.new_message_id(),
            "event": event,
            "payload": payload,  # JSON text: what PostgreSQL stores as jsonb, SQLite decodes
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for payload in (envelope_json(event, data) for data in items)
        for endpoint_id in endpoint_ids
    ]
    ids = _insert_deliveries(session, rows)
    _hook(session)
    session.info[_OUTBOX].extend((ids[row["message_id"]], row["endpoint_id"]) for row in rows)


# PostgreSQL: the rows as three arrays, unnested by the server, in one short statement (a
# multi-row VALUES of thousands of parameters cost psycopg more to parse than the rows cost).
# Binary (%(…)b): as text, psycopg escapes every quote of every JSON payload with a regex.
_UNNEST_DELIVERIES = """
INSERT INTO webhook_delivery (brand_id, endpoint_id, message_id, event, payload, status,
                              attempts, next_attempt_at, created_at)
SELECT %(brand_id)s, endpoint_id, message_id, %(event)s, payload::jsonb, %(status)s,
       0, %(now)s, %(now)s
FROM unnest(%(endpoint_ids)b::int[], %(message_ids)b::text[], %(payloads)b::text[])
     AS rows(endpoint_id, message_id, payload)
RETURNING id, message_id
"""


def _insert_deliveries(session: Session, rows: list[dict]) -> dict[str, int]:
    """Insert the rows (one brand, one event); {message_id: delivery id}."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        first = rows[0]
        result = connection.exec_driver_sql(
            _UNNEST_DELIVERIES,
            {
                "brand_id": first["brand_id"],
                "event": first["event"],
                "status": first["status"],
                "now": first["created_at"],
                "endpoint_ids": [row["endpoint_id"] for row in rows],
                "message_ids": [row["message_id"] for row in rows],
                "payloads": [row["payload"] for row in rows],
            },
        )
    else:
        decoded = [{**row, "payload": json.loads(row["payload"])} for row in rows]
        result = session.execute(_INSERT_DELIVERIES, decoded)
    return {message_id: delivery_id for delivery_id, message_id in result.all()}


def envelope(event: str, data: dict) -> dict:
    """The Standard Webhooks body: {"type", "timestamp", "data"}, made JSON-safe now, not later."""
    return json.loads(envelope_json(event, data))


def envelope_json(event: str, data: dict) -> str:
    """envelope() as the JSON text that is stored and sent."""
    timestamp = utcnow().isoformat(timespec="seconds") + "Z"
    return json.dumps({"type": event, "timestamp": timestamp, "data": data}, default=_json_default)


def _json_default(value):
    if isinstance(value, date):
        return timestamps.json_value(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} cannot be sent in a webhook")


def _add(session: Session, brand_id: int, endpoint_id: int, event: str, payload: dict):
    delivery = WebhookDelivery(
        brand_id=brand_id,
        endpoint_id=endpoint_id,
        message_id=WebhookDelivery.new_message_id(),
        event=event,
        payload=payload,
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    _hook(session)
    session.info[_OUTBOX].append((delivery, endpoint_id))
    return delivery


def _subscribed(session: Session, brand_id: int, event: str) -> list[int]:
    """Endpoint ids for this event, read once per brand and transaction (a batch emits many).

    FOR KEY SHARE, kept until the commit: an endpoint's delete waits for this transaction (its
    deliveries then go with it), and one committed meanwhile leaves its row out, rather than
    failing the deliveries' foreign key and with it the publish or batch that emitted. Emitters
    do not wait for each other, nor for an endpoint's update (FOR NO KEY UPDATE).
    """
    cache = session.info.setdefault(_ENDPOINTS, {})
    if brand_id not in cache:
        cache[brand_id] = [
            (endpoint.id, tuple(endpoint.events or ()))
            for endpoint in session.scalars(
                locks.referenced(
                    select(WebhookEndpoint)
                    .where(WebhookEndpoint.brand_id == brand_id, WebhookEndpoint.active.is_(True))
                    .order_by(WebhookEndpoint.id)
                )
            )
        ]
        _hook(session)
    return [endpoint_id for endpoint_id, events in cache[brand_id] if event in events]


def _hook(session: Session) -> None:
    session.info.setdefault(_OUTBOX, [])
    if not session.info.get(_HOOKED):
        sa_event.listen(session, "after_commit", _after_commit)
        sa_event.listen(session, "after_transaction_end", _after_transaction_end)
        session.info[_HOOKED] = True


def _after_commit(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, [])
    session.info.pop(_ENDPOINTS, None)
    # A delivery added in a savepoint that rolled back has no identity: it was never stored.
    # Its id comes from the identity key, as no SQL may run here.
    pairs = [
        (delivery, endpoint_id)
        if isinstance(delivery, int)  # inserted by emit_many, id known
        else (inspect(delivery).identity[0], endpoint_id)
        for delivery, endpoint_id in outbox
        if isinstance(delivery, int) or inspect(delivery).key is not None
    ]
    if pairs:
        enqueue_grouped(pairs)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: a rollback sends nothing
        session.info.pop(_OUTBOX, None)
        session.info.pop(_ENDPOINTS, None)


def enqueue_grouped(pairs: list[tuple[int, int | None]]) -> bool:
    """Queue (delivery id, endpoint id) pairs so that one job serves one endpoint."""
    groups: dict = {}
    for delivery_id, endpoint_id in pairs:
        groups.setdefault(endpoint_id, []).append(delivery_id)
    return all([enqueue(ids) for ids in groups.values()])


def enqueue(delivery_ids: list[int]) -> bool:
    """Queue deliver() jobs of up to BATCH ids on `webhooks`; inline (no Redis) send them now."""
    chunks = [delivery_ids[i : i + BATCH] for i in range(0, len(delivery_ids), BATCH)]
    if queue.inline:
        for chunk in chunks:
            try:
                send(chunk)
            except Exception:
                # This runs inside the emitter's commit, which has succeeded: never fail it.
                log.exception("webhook deliveries %s failed; the sweep will retry them", chunk)
        return True
    from redis.exceptions import RedisError
    from rq import Queue, Retry

    intervals = retry_intervals()
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    jobs = [
        Queue.prepare_data(
            deliver,
            args=(chunk,),
            retry=retry,
            # Worst case: every delivery of the chunk answers just before the timeout.
            timeout=int(timeout() * len(chunk)) + 30,
            failure_ttl=30 * 24 * 3600,
        )
        for chunk in chunks
    ]
    try:
        queue.rq_queue("webhooks").enqueue_many(jobs)
    except RedisError as exc:
        log.warning("could not queue webhook deliveries %s (%s); the sweep will", chunks, exc)
        return False
    return True


# ---- delivering -------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """Raised by the RQ job after a failed attempt, so RQ retries it with backoff."""


def deliver(delivery_ids: list[int] | int) -> dict:
    """The RQ job: one attempt per due delivery; idempotent (delivered ones are never resent).

    When an attempt failed, it raises so that RQ runs it again after the next interval (the
    delivered ones are skipped then); after the last attempt the job shows in RQ's failed
    registry.
    """
    ids = [delivery_ids] if isinstance(delivery_ids, int) else list(delivery_ids)
    outcomes = send(ids)
    released = sorted(i for i, outcome in outcomes.items() if outcome == "released")
    if released:  # this worker is stopping: the others take them now, not the next sweep
        enqueue(released)
    failed = sorted(i for i, outcome in outcomes.items() if outcome in ("retry", FAILED))
    if failed:
        raise DeliveryFailed(f"webhook deliveries {failed} failed; see their attempts")
    return outcomes


def retry_intervals() -> list[int]:
    return list(current_app.config.get("WEBHOOK_RETRY_INTERVALS", RETRY_INTERVALS))


def max_attempts() -> int:
    return len(retry_intervals()) + 1


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    """send() for one delivery; returns its outcome."""
    return send([delivery_id], now)[delivery_id]


def send(delivery_ids: list[int], now: datetime | None = None) -> dict[int, str]:
    """Send the pending, due deliveries among these ids and record every attempt.

    Outcome per id: "delivered", "retry" (failed, another attempt is scheduled), "failed" (no
    attempts left), or why nothing was sent: "missing", "busy" (another sender holds it),
    "not_due", "already_delivered", "already_failed" or "released" (the worker is stopping:
    left due for the next one). Claim, commit, send, record: no transaction and no row lock
    is held while a receiver takes its time. A claim marks the row `SENDING` with a lease
    (next_attempt_at in the future), so no other sender takes it meanwhile; if the process
    dies half-way, the lease runs out and the sweep sends it again (at least once; receivers
    dedupe on webhook-id). Its own sessions: inline, it runs in the emitter's commit hook.
    """
    outcomes: dict[int, str] = {}
    now = now or utcnow()
    claims = _claim(delivery_ids, now, outcomes)
    if not claims:
        return outcomes
    results: dict[int, tuple | None] = {}
    unreachable: dict[int, str] = {}
    for claim in claims:
        if queue.stopping():
            results[claim.id] = None  # not sent: released for the next worker or the sweep
            continue
        if claim.endpoint_id in unreachable:
            # One timeout per endpoint and round, not one per delivery: the rest wait.
            results[claim.id] = (None, f"not sent: {unreachable[claim.endpoint_id]}"[:300], 0)
            continue
        result = _send(claim.endpoint, claim)
        if result[0] is None and claim.endpoint is not None:
            unreachable[claim.endpoint_id] = result[1]
        results[claim.id] = result
    _record_results(claims, results, now, outcomes)
    return outcomes


class _Claim:
    """What send() needs of a claimed delivery once its claiming session is closed."""

    __slots__ = (
        "attempts",
        "endpoint",
        "endpoint_id",
        "id",
        "last_error",
        "lease",
        "message_id",
        "next_attempt_at",
        "payload",
    )

    def __init__(self, delivery: WebhookDelivery, endpoint, lease: datetime):
        self.id, self.endpoint_id, self.endpoint = delivery.id, delivery.endpoint_id, endpoint
        self.message_id, self.payload = delivery.message_id, delivery.payload
        self.attempts, self.last_error = delivery.attempts, delivery.last_error
        self.next_attempt_at, self.lease = delivery.next_attempt_at, lease


def _claim(delivery_ids: list[int], now: datetime, outcomes: dict) -> list[_Claim]:
    """Mark the due, pending deliveries among these ids as ours (SENDING, with a lease) and
    commit: the locks last milliseconds, not a receiver's answer."""
    claims: list[_Claim] = []
    with Session(db.engine, expire_on_commit=False) as session:
        rows = list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.id.in_(delivery_ids))
                .order_by(WebhookDelivery.id)
                .with_for_update(skip_locked=True)
            )
        )
        locked = {delivery.id for delivery in rows}
        if len(locked) < len(set(delivery_ids)):
            others = set(delivery_ids) - locked
            existing = set(
                session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.id.in_(others)))
            )
            outcomes.update({i: "busy" if i in existing else "missing" for i in others})
        endpoint_ids = {delivery.endpoint_id for delivery in rows}
        endpoints = {
            endpoint.id: endpoint
            for endpoint in session.scalars(
                select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids))
            )
        }
        due = now + timedelta(seconds=1)
        wanted = []
        for delivery in rows:
            if delivery.status != PENDING:
                outcomes[delivery.id] = f"already_{delivery.status}"
            elif delivery.last_error == SENDING and delivery.next_attempt_at > now:
                outcomes[delivery.id] = "busy"  # another sender's POST is in flight
            # An RQ retry and a sweep may both come for one attempt; the first one due sends it.
            elif delivery.next_attempt_at > due:
                outcomes[delivery.id] = "not_due"
            else:
                wanted.append(delivery)
        # Long enough for every POST of the lot to time out; the RQ job's timeout is the same.
        lease = utcnow() + timedelta(seconds=timeout() * len(wanted) + 30)
        for delivery in wanted:
            # Conditional, for SQLite, which ignores FOR UPDATE: of two senders that read the
            # row as due, the second one's UPDATE finds it leased and takes nothing.
            taken = session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.attempts == delivery.attempts,
                    WebhookDelivery.next_attempt_at <= due,
                )
                .values(last_error=SENDING, next_attempt_at=lease)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken:
                claims.append(_Claim(delivery, endpoints.get(delivery.endpoint_id), lease))
            else:
                outcomes[delivery.id] = "busy"
        session.commit()
    return claims


def _record_results(claims: list[_Claim], results: dict, now: datetime, outcomes: dict) -> None:
    """Record each claimed delivery's attempt in one transaction, if the claim is still ours."""
    with Session(db.engine, expire_on_commit=False) as session:
        rows = {
            delivery.id: delivery
            for delivery in session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.id.in_([claim.id for claim in claims]))
                .order_by(WebhookDelivery.id)
                .with_for_update()
            )
        }
        for claim in claims:
            delivery, result = rows.get(claim.id), results.get(claim.id)
            if delivery is None:  # its endpoint was deleted meanwhile, and it with it
                outcomes[claim.id] = "missing"
                continue
            ours = (
                delivery.status == PENDING
                and delivery.last_error == SENDING
                and delivery.attempts == claim.attempts
                and delivery.next_attempt_at == claim.lease
            )
            if result is None:
                if ours:  # released unsent: due again at once, as it was
                    delivery.last_error = claim.last_error
                    delivery.next_attempt_at = min(claim.next_attempt_at, now)
                outcomes[claim.id] = "released"
            elif ours:
                outcomes[claim.id] = _record(session, delivery, *result, now)
            else:
                # The lease ran out and another sender took it: the attempt is history all the
                # same, and an answer of 2xx is a delivery; the rest is the other sender's.
                _log_attempt(session, delivery, *result, now)
                if result[1] is None and delivery.status == PENDING:
                    delivery.status, delivery.delivered_at = DELIVERED, utcnow()
                    delivery.next_attempt_at = delivery.delivered_at
                outcomes[claim.id] = DELIVERED if result[1] is None else "busy"
        session.commit()


def _log_attempt(session, delivery, status_code, error, duration_ms, now) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
    )


def _record(session, delivery, status_code, error, duration_ms, now) -> str:
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    _log_attempt(session, delivery, status_code, error, duration_ms, now)
    if error is None:
        delivery.status, delivery.delivered_at = DELIVERED, utcnow()
        delivery.next_attempt_at = delivery.delivered_at  # none is coming: not the lease's end
        return DELIVERED
    if delivery.attempts >= max_attempts():
        delivery.status, delivery.next_attempt_at = FAILED, now
        return FAILED
    wait = retry_intervals()[delivery.attempts - 1]
    delivery.next_attempt_at = utcnow() + timedelta(seconds=wait)
    return "retry"


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` + base64(HMAC-SHA256(key, "{id}.{ts}.{body}"))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: bytes) -> dict:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoint.secret, delivery.message_id, timestamp, body),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a hop: following it could reach an address we refused."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Deadline:
    """One delivery's whole budget: connect, send, status line, headers and the first 1 KB.

    urlopen's timeout bounds each socket operation, so a receiver that answers a byte at a
    time never trips it. A timer shuts the socket down when the budget is spent, which ends
    whatever read or write is blocked on it.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._connections: list[http.client.HTTPConnection] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if self.expired or left <= 0:
            raise TimeoutError(self.message())
        return left

    def message(self) -> str:
        return f"timed out: no whole answer within {self.seconds:g} s"

    def watch(self, connection: http.client.HTTPConnection) -> None:
        self._connections.append(connection)

    def connected(self, connection: http.client.HTTPConnection) -> None:
        # The timer may have fired while connect() had no socket yet to shut down.
        if self.expired:
            self._cut(connection)
            raise TimeoutError(self.message())

    def _expire(self) -> None:
        self.expired = True  # before reading .sock: connected() reads them the other way round
        for connection in list(self._connections):
            self._cut(connection)

    @staticmethod
    def _cut(connection: http.client.HTTPConnection) -> None:
        sock = connection.sock
        if sock is None:
            return
        # The plain socket's shutdown, also under TLS: SSLSocket's own would drop its state
        # under the read blocked in the sending thread. OSError: it was closed already.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _DeadlineConnection:
    """An HTTP(S) connection whose connect and every later read or write share one deadline,
    and, with `pinned`, which connects only to the addresses checked for its host."""

    def __init__(self, *args, deadline: _Deadline, pinned: "_Pinned | None" = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        deadline.watch(self)
        if pinned is not None:
            # http.client's own hook for opening the socket; TLS still checks the host's name
            self._create_connection = pinned.create_connection

    def connect(self) -> None:
        self.timeout = self._deadline.remaining()
        super().connect()
        self._deadline.connected(self)


class _HTTPConnection(_DeadlineConnection, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


def _host_key(host: str) -> str:
    """A host name as DNS compares it: case-insensitive, the root's dot optional."""
    return host.lower().rstrip(".").strip("[]")


class _Pinned:
    """The addresses a host was checked to have (_public_addresses). Connecting to them, not
    to a second lookup of the name, is what makes the check hold: a name that resolves to a
    public address for the check and to 127.0.0.1 a moment later (DNS rebinding) reaches only
    the public one. A proxy from the environment is connected as usual; any other host is
    refused, so a spelling of the name that compares unequal cannot slip past the pin."""

    def __init__(self, host: str, addresses: list[tuple]):
        self.host, self.addresses = _host_key(host), addresses
        self.proxies = {
            _host_key(urlsplit(url).hostname or "")
            for url in urllib.request.getproxies().values()
            if isinstance(url, str) and "://" in url
        }

    def create_connection(self, address, timeout=None, source_address=None, **kwargs):
        host, port = address
        if _host_key(host) != self.host:
            if _host_key(host) in self.proxies:
                return socket.create_connection(address, timeout, source_address, **kwargs)
            raise OSError(f"refused: {host} is not the host whose addresses were checked")
        error: OSError | None = None
        for family, sockaddr in self.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect((sockaddr[0], port, *sockaddr[2:]))
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"no address to connect to for {host}")


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline, pinned: _Pinned | None):
        super().__init__()
        self._deadline, self._pinned = deadline, pinned

    def http_open(self, req):
        connection = functools.partial(
            _HTTPConnection, deadline=self._deadline, pinned=self._pinned
        )
        return self.do_open(connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline, pinned: _Pinned | None):
        super().__init__()
        self._deadline, self._pinned = deadline, pinned

    def https_open(self, req):
        connection = functools.partial(
            _HTTPSConnection, deadline=self._deadline, pinned=self._pinned
        )
        return self.do_open(connection, req, context=self._context)


def _open(request: urllib.request.Request, deadline: _Deadline, pinned: _Pinned | None = None):
    # An opener per request (a few objects): its handlers carry this request's deadline.
    opener = urllib.request.build_opener(
        _NoRedirects, _HTTPHandler(deadline, pinned), _HTTPSHandler(deadline, pinned)
    )
    return opener.open(request, timeout=deadline.remaining())


def _send(endpoint: WebhookEndpoint | None, delivery) -> tuple[int | None, str | None, int]:
    """POST the delivery within timeout() in all; (status code, error or None when 2xx, ms)."""
    if endpoint is None or not endpoint.active:
        return None, "the endpoint was removed or disabled", 0
    body = body_bytes(delivery.payload)
    started = time.monotonic()
    deadline = _Deadline(timeout())
    try:
        with deadline:
            pinned = None
            if not allow_private_targets():
                # again at send time (DNS may have changed), and only what was checked is used
                pinned = _Pinned(urlsplit(endpoint.url).hostname, _public_addresses(endpoint.url))
            request = urllib.request.Request(  # noqa: S310 — the URL was checked to be http(s)
                endpoint.url, data=body, headers=headers(endpoint, delivery, body), method="POST"
            )
            with _open(request, deadline, pinned) as answer:
                answer.read(1024)
                code = answer.status
            deadline.remaining()  # a body cut short by the deadline is no answer either
    except urllib.error.HTTPError as exc:
        code = exc.code
        exc.close()
    except AppError as exc:
        return None, exc.description[:300], _ms(started)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # Refused, reset, timed out, unresolvable, or cut off by the deadline mid-answer.
        if deadline.expired:
            return None, f"TimeoutError: {deadline.message()}"[:300], _ms(started)
        return None, f"{type(exc).__name__}: {exc}"[:300], _ms(started)
    if 200 <= code < 300:
        return code, None, _ms(started)
    return code, f"the receiver answered HTTP {code}", _ms(started)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def timeout() -> float:
    return float(current_app.config.get("WEBHOOK_TIMEOUT", TIMEOUT_SECONDS))


# ---- targets (SSRF) ---------------------------------------------------------------------


def allow_private_targets() -> bool:
    """Loopback and private addresses are fine in development and tests, refused in production."""
    configured = current_app.config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS")
    if configured is not None:
        return bool(configured)
    return current_app.config.get("APP_ENV") != "production"


def check_url(url: str) -> str:
    """The URL, trimmed, when it is an http(s) URL we may post to; else a 422."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "https://[" is an unclosed IPv6 host
        parts = None
    problem = None
    if parts is None:
        problem = "is not a valid URL"
    elif parts.scheme not in ("http", "https"):
        problem = "must start with http:// or https://"
    elif not parts.hostname:
        problem = "must name a host"
    elif parts.username or parts.password:
        problem = "must not contain a user name or password"
    elif any(char.isspace() for char in url):
        problem = "must not contain spaces"
    else:
        try:
            parts.port  # noqa: B018 — raises ValueError for a port out of range
        except ValueError:
            problem = "has an invalid port"
    if problem:
        raise AppError(422, f"the webhook URL {problem}", fields={"url": [problem]})
    if not allow_private_targets():
        _refuse_private(url)
    return url


# IPv6 forms that carry an IPv4 address in their last 32 bits, which a gateway or tunnel
# delivers to it: NAT64's well-known prefix (RFC 6052), IPv4-translated ::ffff:0:a.b.c.d
# (RFC 2765) and the deprecated IPv4-compatible ::a.b.c.d.
_IPV4_IN_LAST_32 = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("::ffff:0:0:0/96"),
    ipaddress.ip_network("::/96"),
)
# RFC 8215's local-use NAT64 prefix: a network's own translator, where the IPv4 address sits
# wherever that network's prefix length puts it. Never a public webhook target.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]  # the client's address (the server's is public)
    if any(address in network for network in _IPV4_IN_LAST_32):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, and for IPv6 one whose embedded IPv4 address is one too."""
    if not address.is_global or address.is_multicast:
        return False
    if address.version == 6 and address in _LOCAL_NAT64:
        return False
    embedded = _embedded_ipv4(address) if address.version == 6 else None
    return embedded is None or is_public(embedded)


def _public_addresses(url: str) -> list[tuple]:
    """The URL host's (family, sockaddr) pairs, each a public address; else a 422."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise AppError(
            422, "the webhook host cannot be resolved", fields={"url": ["cannot be resolved"]}
        ) from exc
    for info in infos:
        if not is_public(ipaddress.ip_address(info[4][0].split("%")[0])):
            raise AppError(
                422,
                "the webhook URL points at a private, loopback or reserved address",
                fields={"url": ["must be a public address"]},
            )
    return [(info[0], info[4]) for info in infos]


def _refuse_private(url: str) -> None:
    _public_addresses(url)


# ---- endpoints, for the API and the dashboard --------------------------------------------


def list_endpoints(brand: Brand) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.brand_id == brand.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint(
    brand: Brand, endpoint_id: int, lock: bool = False, deleting: bool = False
) -> WebhookEndpoint:
    """With `lock`, FOR KEY SHARE as emit() takes it: a delete committed while this waited is a
    404. With `deleting`, FOR UPDATE: it waits for the emitters holding that."""
    if not (lock or deleting):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    else:
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.brand_id == brand.id
        )
        query = locks.locked(query, keys=True) if deleting else locks.referenced(query)
        endpoint = db.session.scalar(query)
    if endpoint is None or endpoint.brand_id != brand.id:
        raise AppError(404, "webhook not found")
    return endpoint


def create_endpoint(brand: Brand, data: dict) -> WebhookEndpoint:
    """Add an endpoint; its `secret` (whsec_…) is readable on the returned object, show it once."""
    url = check_url(data.get("url", ""))
    events = list(dict.fromkeys(data.get("events") or []))
    unknown = [name for name in events if name not in EVENTS]
    if not events or unknown:
        problem = f"unknown events: {', '.join(unknown)}" if unknown else "name at least one event"
        raise AppError(422, "the webhook events are not valid", fields={"events": [problem]})
    locks.lock_brand(brand.id)  # two creates at once must not both find room
    existing = list_endpoints(brand)
    if any(endpoint.url == url for endpoint in existing):
        # A second endpoint for one URL (a double click on Add, a retried request) delivers
        # every event twice, under two webhook-ids the receiver cannot match up.
        raise AppError(
            409,
            "a webhook for this URL exists: delete it first to change its events",
            fields={"url": ["has a webhook already"]},
        )
    if len(existing) >= MAX_ENDPOINTS:
        raise AppError(409, f"a brand can have at most {MAX_ENDPOINTS} webhooks")
    endpoint = WebhookEndpoint(
        brand_id=brand.id,
        url=url,
        events=events,
        description=data.get("description"),
        secret=WebhookEndpoint.new_secret(),
        active=True,
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def delete_endpoint(brand: Brand, endpoint_id: int) -> None:
    """Remove the endpoint and its delivery history; pending deliveries are not sent."""
    # The endpoint first, FOR UPDATE: it waits for emitters (their KEY SHARE), then also
    # deletes the deliveries they committed; in the order emitters lock, so no deadlock.
    endpoint = get_endpoint(brand, endpoint_id, deleting=True)
    # Explicit, children first, rather than by the foreign keys' cascade: one plain order of
    # deletes on both databases.
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()


def delete_endpoint_of(brand: Brand, url: str) -> None:
    """delete_endpoint, for the endpoint subscribed with this URL (one a brand at most)."""
    endpoint_id = db.session.scalar(
        select(WebhookEndpoint.id).where(
            WebhookEndpoint.brand_id == brand.id, WebhookEndpoint.url == url
        )
    )
    if endpoint_id is None:
        raise AppError(404, "webhook not found")
    delete_endpoint(brand, endpoint_id)


def send_test(brand: Brand, endpoint_id: int) -> WebhookDelivery:
    """Queue a `webhook.test` event to this endpoint, whatever it subscribed to."""
    # Locked as emit() locks: a delete committed meanwhile is a 404, not the delivery's
    # foreign key failing at the commit.
    endpoint = get_endpoint(brand, endpoint_id, lock=True)
    payload = envelope(
        TEST_EVENT,
        {"endpoint_id": endpoint.id, "brand": brand.slug, "message": "Hello from Phasewise"},
    )
    delivery = _add(db.session(), brand.id, endpoint.id, TEST_EVENT, payload)
    db.session.commit()
    db.session.refresh(delivery)  # inline, it was already sent by another session
    return delivery


def recent_deliveries(
    brand: Brand, limit: int = 50, endpoint_id: int | None = None
) -> list[WebhookDelivery]:
    """The newest deliveries, with status and last answer, for the dashboard and the API."""
    query = select(WebhookDelivery).where(WebhookDelivery.brand_id == brand.id)
    if endpoint_id is not None:
        get_endpoint(brand, endpoint_id)
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def get_delivery(brand: Brand, delivery_id: int, lock: bool = False) -> WebhookDelivery:
    """With `lock`, FOR UPDATE and read afresh: it waits for a sender's claim or record (a
    few milliseconds each) and then sees what it wrote."""
    query = select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.brand_id == brand.id
    )
    delivery = db.session.scalar(locks.locked(query) if lock else query)
    if delivery is None:
        raise AppError(404, "webhook delivery not found")
    return delivery


def attempts_of(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(
        db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery.id)
            .order_by(WebhookAttempt.id)
        )
    )


def redeliver(brand: Brand, delivery_id: int) -> WebhookDelivery:
    """Send a failed delivery again (same webhook-id), with a fresh round of retries. Decided
    under the row's lock: a click while a sender POSTs it (its claim), or a second click, must
    not set a delivered delivery pending again (it was POSTed twice)."""
    delivery = get_delivery(brand, delivery_id, lock=True)
    if delivery.status == DELIVERED:
        raise AppError(409, "this delivery was already delivered")
    if delivery.last_error == SENDING and delivery.next_attempt_at > utcnow():
        # A sender claimed it and its POST is in flight (no row lock is held meanwhile):
        # setting it pending again now would send it a second time.
        raise AppError(
            409, "this delivery is being sent right now; see its attempts once that is done"
        )
    delivery.status, delivery.attempts, delivery.next_attempt_at = PENDING, 0, utcnow()
    db.session.commit()
    enqueue([delivery.id])
    db.session.refresh(delivery)
    return delivery


# ---- sweeping ---------------------------------------------------------------------------


def due_ids(limit: int = 10_000, now: datetime | None = None) -> list[int]:
    """Pending deliveries whose next attempt is due: what `flask webhooks sweep` sends."""
    return list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at <= (now or utcnow()),
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )


# ---- the pipeline's event ---------------------------------------------------------------


def has_subscribers(brand_id: int, event: str) -> bool:
    return bool(_subscribed(db.session(), brand_id, event))


def response_processed(scored: list[tuple]) -> None:
    """Pipeline step: `response.processed` for each response; ids and labels, no personal data."""
    brands = {r.brand_id for r, _ in scored}
    listening = {b for b in brands if has_subscribers(b, "response.processed")}
    wanted = [r for r, _ in scored if r.brand_id in listening]
    if not wanted:
        return
    # One query for the phase keys, before any delivery is pending: a lazy load per response
    # would flush the growing outbox again and again.
    phase_keys = dict(
        db.session.execute(
            select(Phase.id, Phase.key).where(Phase.id.in_({r.phase_id for r in wanted}))
        ).all()
    )
    for brand_id in sorted(listening):
        emit_many(
            brand_id,
            "response.processed",
            [
                {
                    "id": response.id,
                    "journey_id": response.journey_id,
                    "survey_id": response.survey_id,
                    "phase": phase_keys.get(response.phase_id),
                    "channel": response.channel,
                    "locale": response.locale,
                    "nps_category": response.nps_category,
                    "sentiment": response.sentiment_label,
                    "created_at": response.created_at,
                }
                for response in wanted
                if response.brand_id == brand_id
            ],
        )


def delivery_with_attempts(brand: Brand, delivery_id: int) -> WebhookDelivery:
    """One delivery with its payload and every attempt (`attempt_log`), for the API."""
    delivery = get_delivery(brand, delivery_id)
    delivery.attempt_log = attempts_of(delivery)
    return delivery
