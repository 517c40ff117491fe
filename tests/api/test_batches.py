"""POST /customers/batch and /events/batch: many at once, all or nothing, errors per item."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models import ConversionRollup, Customer, CustomerPhase, JourneyEvent
from tests.conftest import ApiClient, Contenders


def _event(journey_id: int, customer: str = "c1", phase: str = "aankoop", **more) -> dict:
    return {"customer": customer, "journey_id": journey_id, "phase": phase} | more


def _reached(db) -> int:
    return db.session.query(db.func.sum(ConversionRollup.reached)).scalar() or 0


def test_a_customer_batch_creates_and_updates_as_one_at_a_time(api, count_rows):
    api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"})
    api.post("/api/v1/customers", json={"external_id": "c1", "email": "oud@example.nl"})
    reply = api.post(
        "/api/v1/customers/batch",
        json={
            "items": [
                {"external_id": "c1", "email": " Nieuw@Example.NL ", "persona": "senioren"},
                {"external_id": "c2", "value": 250.5, "locale": "en"},
                {"external_id": "c2", "locale": "nl"},  # a repeat: the later item wins
            ]
        },
    )
    assert reply.status_code == 200, reply.json
    assert reply.json == {"received": 3, "created": 1, "updated": 1}
    first = api.get("/api/v1/customers/c1").json
    assert first["email"] == "nieuw@example.nl" and first["persona"] == "senioren"
    second = api.get("/api/v1/customers/c2").json
    assert second["locale"] == "nl" and second["value"] == 250.5
    assert count_rows(Customer) == 2


def test_bad_customer_batches_store_nothing_and_name_the_item(api, count_rows):
    good = {"external_id": "c1"}
    for body, field in [
        ({}, "items"),
        ({"items": []}, "items"),
        ({"items": [good] * 1001}, "items"),
        ({"items": good}, "items"),
        ({"items": [good, {"external_id": "c2", "email": "geen-adres"}]}, "items.1.email"),
        ({"items": [good, {"external_id": "erased-9"}]}, "items.1.external_id"),
        ({"items": [good, {"external_id": "c3", "persona": "onbekend"}]}, "items.1.persona"),
    ]:
        reply = api.post("/api/v1/customers/batch", json=body)
        assert reply.status_code == 422, (body, reply.json)
        assert field in reply.json["error"]["fields"], reply.json
    assert count_rows(Customer) == 0


def test_an_event_batch_counts_as_one_event_at_a_time(api, journey, db, count_rows):
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    items = [
        _event(journey["id"], "c1", "orientatie", occurred_at=day.isoformat()),
        _event(journey["id"], "c1", "aankoop", occurred_at=(day + timedelta(days=2)).isoformat()),
        _event(journey["id"], "c1", "aankoop", value=99.5),  # again: not a first reach
        _event(journey["id"], "c2", "orientatie"),  # a new customer, made by its event
    ]
    reply = api.post("/api/v1/events/batch", json={"items": items})
    assert reply.status_code == 201, reply.json
    body = reply.json
    answered = body.pop("items")
    assert body == {"received": 4, "recorded": 4, "first_time": 3, "repeated": []}
    assert [item["first_time"] for item in answered] == [True, True, False, True]
    assert not any(item["repeated"] for item in answered)
    assert len({item["id"] for item in answered}) == 4
    assert count_rows(JourneyEvent) == 4 and count_rows(CustomerPhase) == 3
    assert count_rows(Customer) == 2 and _reached(db) == 3


def test_bad_event_batches_store_nothing_and_name_the_item(api, journey, other_brand, count_rows):
    good = _event(journey["id"])
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    for body, field in [
        ({"items": [good, _event(journey["id"], phase="nope")]}, "items.1.phase"),
        ({"items": [good, _event(other_brand["journey_id"])]}, "items.1.journey_id"),
        ({"items": [good, _event(2_147_483_000)]}, "items.1.journey_id"),
        ({"items": [good, {**good, "occurred_at": future}]}, "items.1.occurred_at"),
        ({"items": [good, {**good, "value": "veel"}]}, "items.1.value"),
        ({"items": [good, {**good, "idempotency_key": "k" * 129}]}, "items.1.idempotency_key"),
        ({"items": [{**good, "customer": ""}]}, "items.0.customer"),
    ]:
        reply = api.post("/api/v1/events/batch", json=body)
        assert reply.status_code == 422, (body, reply.json)
        assert field in reply.json["error"]["fields"], reply.json
    assert count_rows(JourneyEvent) == 0 and count_rows(Customer) == 0


def test_a_retried_batch_stores_its_keyed_events_once(api, journey, db, count_rows):
    items = [
        _event(journey["id"], "c1", "orientatie", idempotency_key="order-1-orientatie"),
        _event(journey["id"], "c1", "aankoop", idempotency_key="order-1-aankoop"),
        _event(journey["id"], "c2", "aankoop"),  # no key: stored again by a retry
    ]
    first = api.post("/api/v1/events/batch", json={"items": items})
    again = api.post("/api/v1/events/batch", json={"items": items})
    body = first.json
    stored = body.pop("items")
    assert body == {"received": 3, "recorded": 3, "first_time": 3, "repeated": []}
    assert again.status_code == 201
    body = again.json
    answered = body.pop("items")
    assert body == {"received": 3, "recorded": 1, "first_time": 0, "repeated": [0, 1]}
    # The retry learns what the first try stored under each key, as it was answered then.
    assert answered[:2] == [{**item, "repeated": True} for item in stored[:2]]
    assert answered[2]["repeated"] is False and answered[2]["id"] not in {i["id"] for i in stored}
    assert count_rows(JourneyEvent) == 4 and _reached(db) == 3
    # The one event POST /events stored under a key is the same event in a batch, and back.
    single = api.post(
        "/api/v1/events",
        json=_event(journey["id"], "c3"),
        headers={"Idempotency-Key": "order-3"},
    )
    batch = api.post(
        "/api/v1/events/batch",
        json={"items": [_event(journey["id"], "c3", idempotency_key="order-3")]},
    )
    assert single.status_code == 201 and batch.json["repeated"] == [0]
    retried = api.post(
        "/api/v1/events",
        json=_event(journey["id"], "c1", "orientatie"),
        headers={"Idempotency-Key": "order-1-orientatie"},
    )
    assert retried.status_code == 201 and retried.json["first_time"] is True
    assert count_rows(JourneyEvent) == 5


def test_a_key_for_another_event_is_a_409_and_stores_nothing(api, journey, count_rows):
    api.post(
        "/api/v1/events/batch",
        json={"items": [_event(journey["id"], idempotency_key="order-1")]},
    )
    clash = api.post(
        "/api/v1/events/batch",
        json={
            "items": [
                _event(journey["id"], "c9"),
                _event(journey["id"], "c2", idempotency_key="order-1"),
            ]
        },
    )
    assert clash.status_code == 409
    assert clash.json["error"]["code"] == "idempotency_conflict"
    assert clash.json["error"]["fields"] == {"items.1.idempotency_key": ["used for another event"]}
    twice = api.post(
        "/api/v1/events/batch",
        json={
            "items": [
                _event(journey["id"], "c4", idempotency_key="order-4"),
                _event(journey["id"], "c4", "orientatie", idempotency_key="order-4"),
            ]
        },
    )
    assert twice.status_code == 409
    assert count_rows(JourneyEvent) == 1 and count_rows(Customer) == 1
    # The same event twice under one key in one batch is stored once.
    same = _event(journey["id"], "c5", idempotency_key="order-5")
    once = api.post("/api/v1/events/batch", json={"items": [same, same]})
    body = once.json
    answered = body.pop("items")
    assert body == {"received": 2, "recorded": 1, "first_time": 1, "repeated": [1]}
    assert answered == [
        {"id": answered[0]["id"], "first_time": True, "repeated": False},
        {"id": answered[0]["id"], "first_time": True, "repeated": True},
    ]


def test_an_idempotency_key_header_on_a_batch_is_refused_not_ignored(api, journey, count_rows):
    """A client retrying a batch with the header would store its unkeyed events again."""
    reply = api.post(
        "/api/v1/events/batch",
        json={"items": [_event(journey["id"])]},
        headers={"Idempotency-Key": "batch-1"},
    )
    assert reply.status_code == 422
    assert "Idempotency-Key" in reply.json["error"]["fields"]
    assert count_rows(JourneyEvent) == 0 and count_rows(Customer) == 0


def test_a_key_is_the_brands_own_in_a_batch_too(api, client, journey, other_brand):
    theirs = ApiClient(client, other_brand["key"])
    body = {"items": [_event(other_brand["journey_id"], phase="levering", idempotency_key="k1")]}
    assert theirs.post("/api/v1/events/batch", json=body).status_code == 201
    ours = api.post(
        "/api/v1/events/batch", json={"items": [_event(journey["id"], idempotency_key="k1")]}
    )
    assert ours.json["recorded"] == 1


def test_a_batch_may_be_up_to_a_megabyte(api, journey, count_rows):
    items = [
        _event(journey["id"], f"klant-{n:06d}-{'x' * 60}", idempotency_key=f"order-{n:06d}")
        for n in range(1000)
    ]
    reply = api.post("/api/v1/events/batch", json={"items": items})
    assert reply.status_code == 201, reply.json
    assert reply.json["recorded"] == 1000 and count_rows(JourneyEvent) == 1000
    padded = {"items": [{**items[0], "padding": "x" * 1_000_000}]}
    too_large = api.post("/api/v1/events/batch", json=padded)
    assert too_large.status_code == 413
    assert too_large.json["error"]["message"] == "the request body is larger than 1 MB"
    # One event at a time keeps the app's 64 KB.
    assert api.post("/api/v1/events", json=padded["items"][0]).status_code == 413


def test_a_megabyte_of_empty_items_is_refused_before_they_are_read(api, journey, count_rows):
    """The length is checked first: 240,000 "{}" (under 1 MB) would each be read, each give three
    errors (a 60 MB answer after seconds of a worker)."""
    for path in ("events", "customers"):
        reply = api.post(f"/api/v1/{path}/batch", json={"items": [{}] * 240_000})
        assert reply.status_code == 422
        assert reply.json["error"]["fields"] == {"items": ["give 1-1000 items"]}
        assert len(reply.data) < 1000  # one message, not three per item
    assert count_rows(JourneyEvent) == 0 and count_rows(Customer) == 0


def test_a_customer_named_batch_is_still_found(api):
    api.post("/api/v1/customers", json={"external_id": "batch"})
    assert api.get("/api/v1/customers/batch").json["external_id"] == "batch"


@pytest.mark.postgres
def test_one_keyed_batch_sent_twice_at_once_stores_its_events_once(
    app, api, journey, db, count_rows
):
    """Both wait for the customer's lock; the second then finds the first's keys stored."""
    api.post("/api/v1/customers", json={"external_id": "c1"})
    body = {
        "items": [
            _event(journey["id"], "c1", "orientatie", idempotency_key="o-1"),
            _event(journey["id"], "c1", "aankoop", idempotency_key="o-2"),
        ]
    }

    def post():
        return app.test_client().post("/api/v1/events/batch", json=body, headers=api._headers(None))

    held = ("SELECT id FROM customer WHERE external_id = 'c1' FOR UPDATE", {})
    with Contenders([post, post], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 201]
    assert sorted(reply.json["recorded"] for reply in race.replies) == [0, 2]
    assert count_rows(JourneyEvent) == 2 and _reached(db) == 2


@pytest.mark.postgres
def test_one_key_for_two_customers_events_at_once_is_a_409_not_a_500(
    app, api, journey, db, count_rows
):
    """Two batches with one key for events of different customers lock different customers:
    both miss the key, and the second's INSERT meets the first's. One of them is stored."""

    def post(customer):
        body = {"items": [_event(journey["id"], customer, idempotency_key="order-1")]}
        return lambda: app.test_client().post(
            "/api/v1/events/batch", json=body, headers=api._headers(None)
        )

    # Both wait at the journey's shared hold, then run side by side.
    held = ("SELECT id FROM journey WHERE id = :id FOR UPDATE", {"id": journey["id"]})
    with Contenders([post("c1"), post("c2")], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 409]
    [refused] = [reply for reply in race.replies if reply.status_code == 409]
    assert refused.json["error"]["code"] == "idempotency_conflict"
    clashed = {"items.0.idempotency_key": ["used for another event"]}
    assert refused.json["error"]["fields"] == clashed
    assert count_rows(JourneyEvent) == 1 and _reached(db) == 1


@pytest.mark.postgres
def test_two_customer_batches_at_once_create_each_customer_once(app, api, count_rows):
    """`created` is what a batch's own INSERTs stored: of two at once, one counts each."""
    from tests.conftest import at_once

    body = {"items": [{"external_id": f"c{n}"} for n in range(50)]}

    def post():
        return (
            app.test_client()
            .post("/api/v1/customers/batch", json=body, headers=api._headers(None))
            .json
        )

    replies = at_once(app, post)
    assert sum(reply["created"] for reply in replies) == 50
    assert all(reply["created"] + reply["updated"] == 50 for reply in replies)
    assert count_rows(Customer) == 50
