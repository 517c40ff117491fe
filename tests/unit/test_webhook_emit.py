"""emit(): deliveries join the emitter's transaction and are sent only after its commit."""

import json

import pytest
from standardwebhooks.webhooks import Webhook

from app.models import WebhookDelivery
from app.services import webhooks
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


def _endpoint(brand, url, events=("response.processed",)):
    return webhooks.create_endpoint(brand, {"url": url, "events": list(events)})


def test_emit_sends_a_signed_event_only_after_the_commit(db, brand, receiver, count_rows):
    endpoint = _endpoint(brand, receiver.url, ["review.published", "loyalty.earned"])
    webhooks.emit(brand.id, "review.published", {"review_id": 7, "rating": 5})
    assert count_rows(WebhookDelivery) == 1  # in the session, flushed by the query
    assert receiver.requests == []  # nothing leaves before the commit
    db.session.commit()

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    payload = Webhook(endpoint.secret).verify(sent["body"], sent["headers"])
    assert payload["type"] == "review.published"
    assert payload["data"] == {"review_id": 7, "rating": 5}
    assert sent["headers"]["webhook-id"].startswith("msg_")
    assert sent["headers"]["content-type"] == "application/json"
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    assert delivery.message_id == sent["headers"]["webhook-id"]


def test_a_rolled_back_transaction_sends_and_stores_nothing(db, brand, receiver, count_rows):
    _endpoint(brand, receiver.url)
    webhooks.emit(brand.id, "response.processed", {"id": 1})
    db.session.rollback()
    db.session.commit()  # a later, empty commit must not send the rolled-back event
    assert receiver.requests == []
    assert count_rows(WebhookDelivery) == 0


def test_only_subscribed_endpoints_of_that_brand_get_the_event(
    db, brand, other_brand, receiver, count_rows
):
    _endpoint(brand, receiver.url, ["review.removed"])
    _endpoint(other_brand["brand"], receiver.url, ["response.processed"])
    webhooks.emit(brand.id, "response.processed", {"id": 1})
    db.session.commit()
    assert receiver.requests == []
    assert count_rows(WebhookDelivery) == 0


def test_unknown_events_and_unserialisable_data_are_refused(db, brand):
    with pytest.raises(ValueError):
        webhooks.emit(brand.id, "response.deleted", {})
    _endpoint(brand, "http://127.0.0.1:9/hooks")
    with pytest.raises(TypeError):
        webhooks.emit(brand.id, "response.processed", {"thing": object()})


def test_dates_and_decimals_become_json(db, brand, receiver):
    from datetime import datetime
    from decimal import Decimal

    _endpoint(brand, receiver.url, ["loyalty.earned"])
    webhooks.emit(
        brand.id,
        "loyalty.earned",
        {"points": 10, "at": datetime(2026, 1, 2, 3, 4, 5), "value": Decimal("1.50")},
    )
    db.session.commit()
    body = json.loads(receiver.requests[0]["body"])
    assert body["data"] == {"points": 10, "at": "2026-01-02T03:04:05Z", "value": 1.5}


def test_many_events_in_one_transaction_read_the_endpoints_once(db, brand, receiver):
    _endpoint(brand, receiver.url)
    statements = []
    from sqlalchemy import event

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for number in range(20):
            webhooks.emit(brand.id, "response.processed", {"id": number})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert sum("FROM webhook_endpoint" in sql for sql in statements) == 1
    db.session.commit()
    assert len(receiver.requests) == 20
    ids = {json.loads(r["body"])["data"]["id"] for r in receiver.requests}
    assert ids == set(range(20))
