"""Parallel redemptions: exactly as many succeed as the balance covers, never below zero."""

import threading

import pytest

from app.extensions import db
from loyalty.models import LedgerEntry
from tests.conftest import ON_POSTGRES, wait_for_lock_waits


def redeem_in_parallel(app, api, threads: int = 20) -> list[int]:
    """Each thread posts one 10-point redemption through its own test client."""
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)
    headers = api._headers(None)

    def worker():
        client = app.test_client()
        try:
            barrier.wait()
            reply = client.post(
                "/api/v1/customers/anna/redemptions",
                json={"reward": "koffie", "points": 10},
                headers=headers,
            )
            statuses.append(reply.status_code)
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert errors == []
    return statuses


def check_five_of_twenty(app, api):
    api.post("/api/v1/customers", json={"external_id": "anna"})
    reply = api.post(
        "/api/v1/customers/anna/adjustments", json={"points": 50, "reason": "enough for five"}
    )
    assert reply.status_code == 201
    statuses = redeem_in_parallel(app, api)
    assert sorted(statuses) == [201] * 5 + [409] * 15
    account = api.get("/api/v1/customers/anna/loyalty").json
    assert account["balance"] == 0
    # Never below zero at any point: every running balance in the ledger is >= 0.
    assert min(entry["balance_after"] for entry in account["entries"]) == 0
    assert db.session.query(LedgerEntry).filter_by(kind="redeem").count() == 5


@pytest.mark.postgres
def test_twenty_parallel_redemptions_on_postgresql(app, api):
    check_five_of_twenty(app, api)


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL run has its own test")
def test_twenty_parallel_redemptions_on_sqlite(app, api):
    check_five_of_twenty(app, api)


@pytest.mark.postgres
def test_an_adjustment_waiting_on_an_erasure_finds_no_one(app, api):
    """Erasure locks the customer first: an adjustment (its reason may be personal) that comes
    in meanwhile waits, then finds the external id gone, and stores nothing."""
    from sqlalchemy import text

    api.post("/api/v1/customers", json={"external_id": "anna"})
    erasing = db.engine.connect()
    transaction = erasing.begin()
    erasing.execute(text("SELECT id FROM customer WHERE external_id = 'anna' FOR UPDATE"))
    replies = []

    def adjust():
        client = app.test_client()
        body = {"points": 5, "reason": "Anna's verjaardag"}
        replies.append(
            client.post("/api/v1/customers/anna/adjustments", json=body, headers=api._headers(None))
        )

    waiting = threading.Thread(target=adjust)
    waiting.start()
    assert wait_for_lock_waits(db.engine)  # it waits for the erasure's lock
    erasing.execute(text("UPDATE customer SET external_id = 'erased-1' WHERE external_id = 'anna'"))
    transaction.commit()
    erasing.close()
    waiting.join(timeout=30)
    assert replies[0].status_code == 404
    assert db.session.query(LedgerEntry).count() == 0


@pytest.mark.postgres
def test_an_answer_does_not_wait_for_a_points_write(app, api, survey, monkeypatch):
    """A batch awarding her points holds her until it commits; her next answer refers to
    her (a foreign key, and intake's guard) and must not queue behind it, as it did while
    the ledger's lock was FOR UPDATE."""
    import time

    import loyalty
    from app.extensions import queue
    from app.models import Customer

    monkeypatch.setattr(queue, "kick", lambda *args, **kwargs: False)  # intake alone
    api.post("/api/v1/customers", json={"external_id": "anna"})
    customer_id = db.session.query(Customer.id).scalar()
    db.session.commit()
    held, done = threading.Event(), threading.Event()

    def hold():
        with app.app_context():
            loyalty.lock_customer(customer_id)
            held.set()
            done.wait(5)
            db.session.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        body = {"survey_id": survey["id"], "answers": {"nps": 9}, "customer": "anna"}
        assert api.post("/api/v1/responses", json=body).status_code == 202
        assert time.monotonic() - started < 2.5  # held up, it would take the holder's 5 s
    finally:
        done.set()
        holder.join(30)
