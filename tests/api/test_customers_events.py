"""Customers are upserted by external_id; journey events drive conversion."""

from datetime import UTC, datetime, timedelta

from app.models import Customer, CustomerPhase, JourneyEvent


def test_customer_upsert_by_external_id(api, count_rows):
    created = api.post(
        "/api/v1/customers",
        json={"external_id": "c1", "email": "  Anna@Example.NL ", "value": 1200},
    )
    assert created.status_code == 201
    assert created.json["email"] == "anna@example.nl"
    updated = api.post("/api/v1/customers", json={"external_id": "c1", "locale": "en"})
    assert updated.status_code == 200
    assert updated.json["id"] == created.json["id"]
    assert updated.json["locale"] == "en" and updated.json["value"] == 1200.0
    assert count_rows(Customer) == 1


def test_customer_with_persona(api):
    api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"})
    created = api.post("/api/v1/customers", json={"external_id": "c1", "persona": "senioren"})
    assert created.json["persona"] == "senioren"
    unknown = api.post("/api/v1/customers", json={"external_id": "c2", "persona": "nope"})
    assert unknown.status_code == 422


def test_bad_customers_store_nothing(api, count_rows):
    for body in [
        {},
        {"external_id": ""},
        {"external_id": "x" * 129},
        {"external_id": "c", "email": "not-an-email"},
        {"external_id": "c", "value": -5},
        {"external_id": "c", "locale": "de"},
        {"external_id": 12},
    ]:
        response = api.post("/api/v1/customers", json=body)
        assert response.status_code == 422, body
    assert count_rows(Customer) == 0


def test_events_count_first_reach_only(api, journey, count_rows):
    body = {"customer": "c1", "journey_id": journey["id"], "phase": "aankoop"}
    first = api.post("/api/v1/events", json=body)
    assert first.status_code == 201
    assert first.json["first_time"] is True and first.json["phase"] == "aankoop"
    again = api.post("/api/v1/events", json=body)
    assert again.json["first_time"] is False
    assert count_rows(JourneyEvent) == 2 and count_rows(CustomerPhase) == 1


def test_event_times_are_stored_in_utc(api, journey):
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    response = api.post(
        "/api/v1/events",
        json={
            "customer": "c1",
            "journey_id": journey["id"],
            "phase": "aankoop",
            "occurred_at": moment.isoformat(),
        },
    )
    assert response.json["occurred_at"].startswith("2026-05-01T12:00:00")


def test_bad_events_store_nothing(api, journey, other_brand, count_rows):
    ok = {"customer": "c1", "journey_id": journey["id"], "phase": "aankoop"}
    for body, status in [
        ({**ok, "phase": "nope"}, 404),
        ({**ok, "journey_id": other_brand["journey_id"]}, 404),
        ({**ok, "occurred_at": "yesterday"}, 422),
        ({**ok, "value": "lots"}, 422),
        ({"journey_id": journey["id"], "phase": "aankoop"}, 422),
    ]:
        assert api.post("/api/v1/events", json=body).status_code == status, body
    assert count_rows(JourneyEvent) == 0 and count_rows(Customer) == 0


def test_another_brands_customer_is_404(api, client, other_brand):
    from tests.conftest import ApiClient

    theirs = ApiClient(client, other_brand["key"])
    theirs.post("/api/v1/customers", json={"external_id": "secret-customer"})
    assert api.get("/api/v1/customers/secret-customer").status_code == 404
