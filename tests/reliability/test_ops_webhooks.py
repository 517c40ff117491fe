"""A slow receiver costs one bounded attempt, recorded, and holds no row lock while it dawdles."""

import socket
import threading
import time

import pytest
from sqlalchemy import text

from app.models import WebhookAttempt, WebhookDelivery
from app.services import webhooks


class Trickler:
    """A receiver that reads the request, then answers one byte every `pause` seconds (or
    waits for `release` first, when given): what urlopen's per-read timeout never notices."""

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def __init__(self, pause: float = 0.0, release: threading.Event | None = None):
        self.pause, self.release = pause, release
        self.requests = 0
        self.got = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}/hooks"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, body = data.split(b"\r\n\r\n", 1)
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:
                body += conn.recv(65536)
            self.requests += 1
            self.got.set()
            if self.release is not None:
                self.release.wait(10)
            for byte in self.ANSWER:
                if self._stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(self.pause)
        except OSError:
            pass  # the sender hung up on us: what the deadline is for

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.release is not None:
            self.release.set()
        self._thread.join(10)
        self._server.close()


def _pending_delivery(db, brand, url: str) -> int:
    endpoint = webhooks.create_endpoint(brand, {"url": url, "events": ["review.published"]})
    delivery = webhooks._add(db.session(), brand.id, endpoint.id, "review.published", {"id": 1})
    db.session.flush()
    delivery_id = delivery.id
    # Not through the commit hook: inline, it would send at once, in this thread.
    db.session.info.pop(webhooks._OUTBOX, None)
    db.session.commit()
    return delivery_id


def test_a_receiver_that_answers_a_byte_at_a_time_is_a_timed_out_attempt(app, db, brand):
    """urlopen's timeout is per read: a byte every 0.2 s never tripped its 0.5 s, and the
    attempt took ~12 s (in production a job ran into RQ's timeout with nothing recorded)."""
    app.config["WEBHOOK_TIMEOUT"] = 0.5
    try:
        with Trickler(pause=0.2) as slow:
            delivery_id = _pending_delivery(db, brand, slow.url)
            started = time.monotonic()
            outcomes = webhooks.send([delivery_id])
            took = time.monotonic() - started
    finally:
        del app.config["WEBHOOK_TIMEOUT"]
    assert outcomes == {delivery_id: "retry"}
    assert took < 2, f"the attempt took {took:.1f} s for a 0.5 s timeout"
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "timed out" in delivery.last_error
    [attempt] = db.session.query(WebhookAttempt).all()
    assert attempt.status_code is None and 400 <= attempt.duration_ms < 2000


@pytest.mark.postgres
def test_no_row_lock_is_held_while_the_receiver_answers_and_it_is_sent_once(
    app, db, brand, client, api_key
):
    """The row was locked FOR UPDATE (and the transaction left open) across the POST: other
    endpoints' jobs waited and workers sat idle in transaction. Now a sender claims, commits,
    sends, then records; the claim keeps every other sender (and a retry click) off."""
    release = threading.Event()
    outcomes: dict = {}
    with Trickler(release=release) as receiver:
        delivery_id = _pending_delivery(db, brand, receiver.url)

        def sender():
            with app.app_context():
                outcomes.update(webhooks.send([delivery_id]))

        thread = threading.Thread(target=sender)
        thread.start()
        try:
            assert receiver.got.wait(5), "the request never arrived"
            with db.engine.connect() as other:
                # Would raise LockNotAvailable while the sender held the row.
                locked = other.execute(
                    text("SELECT id FROM webhook_delivery WHERE id = :id FOR UPDATE NOWAIT"),
                    {"id": delivery_id},
                ).scalar()
                assert locked == delivery_id
                idle = other.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                other.rollback()
            assert idle == 0
            # Another sender (an RQ retry, the sweep) leaves it alone; so does a retry click.
            assert webhooks.send([delivery_id]) == {delivery_id: "busy"}
            retry = client.post(
                f"/api/v1/webhooks/deliveries/{delivery_id}/retry",
                headers={"Authorization": f"Bearer {api_key}"},
            )
            assert retry.status_code == 409, retry.json
            db.session.rollback()  # the request shared this test's session, and its lock
            assert webhooks.due_ids() == []
            db.session.rollback()
        finally:
            release.set()
            thread.join(10)
    assert outcomes == {delivery_id: "delivered"}
    assert receiver.requests == 1
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, None)


def test_a_claim_whose_sender_died_is_sent_again_once_its_lease_ran_out(app, db, brand):
    """Nothing lost: a sender killed between its claim and its record leaves the row leased;
    after the lease the sweep finds it due and sends it."""
    with Trickler() as receiver:
        delivery_id = _pending_delivery(db, brand, receiver.url)
        now = webhooks.utcnow()
        assert len(webhooks._claim([delivery_id], now, {})) == 1  # ...and then the process died
        assert webhooks.due_ids() == []
        assert webhooks.send([delivery_id]) == {delivery_id: "busy"}
        later = now + webhooks.timedelta(minutes=5)
        assert webhooks.due_ids(now=later) == [delivery_id]
        assert webhooks.send([delivery_id], now=later) == {delivery_id: "delivered"}
    assert receiver.requests == 1


def test_a_stopping_worker_releases_what_it_has_not_sent(app, db, brand, monkeypatch):
    from app.extensions import queue

    with Trickler() as receiver:
        delivery_id = _pending_delivery(db, brand, receiver.url)
        monkeypatch.setattr(type(queue), "stopping", staticmethod(lambda: True))
        assert webhooks.send([delivery_id]) == {delivery_id: "released"}
        monkeypatch.undo()
        assert receiver.requests == 0
        assert webhooks.due_ids() == [delivery_id]  # due at once for the next worker
        assert webhooks.send([delivery_id]) == {delivery_id: "delivered"}
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_a_stopping_workers_job_hands_what_it_released_to_the_others(app, db, brand, monkeypatch):
    """The job ends well (RQ does not retry it), so it queues the released deliveries again
    itself: else they waited for the cron sweep."""
    from app.extensions import queue

    with Trickler() as receiver:
        delivery_id = _pending_delivery(db, brand, receiver.url)
        handed = []
        monkeypatch.setattr(webhooks, "enqueue", lambda ids: handed.append(list(ids)) or True)
        monkeypatch.setattr(type(queue), "stopping", staticmethod(lambda: True))
        assert webhooks.deliver([delivery_id]) == {delivery_id: "released"}
    assert handed == [[delivery_id]]
