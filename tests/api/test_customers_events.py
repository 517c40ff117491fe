"""Customers are upserted by external_id; journey events drive conversion."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.models import Customer, CustomerPhase, JourneyEvent
from tests.conftest import Contenders, api_post


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


def _figures(brand) -> dict:
    """What a brand's customers and events produced, with ids replaced by keys."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ConversionRollup, DwellRollup, Persona, Phase

    phase = {row.id: row.key for row in db.session.scalars(select(Phase))}
    persona = {row.id: row.key for row in db.session.scalars(select(Persona))} | {0: None}
    people = db.session.scalars(select(Customer).where(Customer.brand_id == brand.id)).all()
    who = {row.id: row.external_id for row in people}

    def rows(model, *columns):
        return sorted(
            tuple(getattr(row, name) for name in columns)
            for row in db.session.scalars(select(model).where(model.brand_id == brand.id))
        )

    figures = {
        "customers": sorted(
            (c.external_id, c.email, c.locale, c.value, persona.get(c.persona_id)) for c in people
        ),
        "events": [
            (who[c], phase[p], at, value, first)
            for c, p, at, value, first in rows(
                JourneyEvent, "customer_id", "phase_id", "occurred_at", "value", "first_time"
            )
        ],
        "reached": [
            (who[c], phase[p], at)
            for c, p, at in rows(CustomerPhase, "customer_id", "phase_id", "first_reached_at")
        ],
    }
    counters = ConversionRollup.COUNTERS
    figures["conversion"] = [
        (phase[p], day, persona[who_], *rest)
        for p, day, who_, *rest in rows(
            ConversionRollup, "phase_id", "day", "persona_id", *counters
        )
    ]
    figures["dwell"] = [
        (phase[p], day, persona[who_], *rest)
        for p, day, who_, *rest in rows(
            DwellRollup, "phase_id", "day", "persona_id", "bucket", "customers"
        )
    ]
    return figures


def test_bulk_customers_and_events_count_exactly_like_one_at_a_time(db):
    """The demo (and imports) use the bulk paths: they must give what single calls give."""
    from app.services import brands, customers, journeys
    from tests.conftest import JOURNEY

    day = datetime(2026, 3, 2, 9, 0)
    people = [
        {"external_id": f"k{n}", "email": f" K{n}@X.nl", "persona": "ab"[n % 2], "locale": "nl"}
        | ({"value": 100 * n + 0.25} if n % 3 else {})
        for n in range(5)
    ]
    people.append({"external_id": "k1", "locale": "en"})  # a repeat: the later one wins
    reached = [
        ("k1", "orientatie", 0),
        ("k1", "aankoop", 3.5),
        ("k2", "aankoop", 5),
        ("k1", "levering", 10.25),
        ("k2", "orientatie", 1),  # reached out of order: converts the phase before anyway
        ("k3", "orientatie", 2),
        ("k3", "orientatie", 4),  # again: counted once
        ("k3", "levering", 30),  # skipped aankoop
        ("k0", "orientatie", 6),
        ("k0", "aankoop", 6.1),
        ("nieuw", "orientatie", 7),  # created by its event
        ("nieuw", "aankoop", 40),
    ]
    events = [
        {"customer": who, "phase": key, "occurred_at": day + timedelta(days=offset)}
        | ({"value": 50 + index} if who in ("k0", "k3") else {})
        for index, (who, key, offset) in enumerate(reached)
    ]
    events[2]["occurred_at"] = (
        events[2]["occurred_at"]
        .replace(tzinfo=UTC)
        .astimezone(__import__("datetime").timezone(timedelta(hours=-5)))
    )
    figures = []
    for slug, bulk in (("bulk", True), ("single", False)):
        brand, _ = brands.create_brand(slug, slug, "nl")
        journey = journeys.create_journey(brand, JOURNEY)
        for key in "ab":
            journeys.create_persona(brand, {"key": key, "name": key})
        items = [{**event, "journey_id": journey.id} for event in events]
        if bulk:
            customers.upsert_many(brand, people)
            assert customers.record_events(brand, items)["recorded"] == len(items)
        else:
            for data in people:
                customers.upsert(brand, data)
            for item in items:
                customers.record_event(brand, item)
        figures.append(_figures(brand))
    bulk_figures, single_figures = figures
    assert bulk_figures == single_figures
    assert len(bulk_figures["customers"]) == 6 and len(bulk_figures["reached"]) == 11
    # conversions, not vacuous: k3 skipped aankoop but went on to levering, so counts too
    assert sum(row[5] for row in bulk_figures["conversion"]) == 6


def test_an_event_for_a_customer_erased_meanwhile_goes_to_the_new_customer(
    api, journey, db, erased_midway
):
    """The external id is free again once erased: the same id is a new customer (privacy.md)."""
    old = api.post("/api/v1/customers", json={"external_id": "klant-1"}).json
    calls = erased_midway()
    event = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}
    response = api.post("/api/v1/events", json=event)
    assert response.status_code == 201, response.json
    assert calls == ["klant-1"]
    current = db.session.scalars(db.select(Customer).where(Customer.external_id == "klant-1"))
    assert current.one().id != old["id"]


def test_a_customer_erased_twice_while_looked_up_is_a_409_not_a_500(
    api, journey, db, monkeypatch, count_rows
):
    """Each round finds the row gone (two erasures, each freeing the id the last round made):
    the request is refused with a 409 to send again, not a RuntimeError's 500."""
    from sqlalchemy import update

    from app.services import upserts

    real, erased = upserts.insert_ignore, []

    def insert_then_erase(model, conflict, values, returning=False):
        result = real(model, conflict, values, returning)
        if model is Customer:
            erased.append(values["external_id"])
            db.session.execute(
                update(Customer)
                .where(Customer.external_id == values["external_id"])
                .values(external_id=f"erased-{len(erased)}")
            )
        return result

    monkeypatch.setattr(upserts, "insert_ignore", insert_then_erase)
    events = count_rows(JourneyEvent)
    event = {"customer": "klant-9", "journey_id": journey["id"], "phase": "levering"}
    response = api.post("/api/v1/events", json=event)
    assert response.status_code == 409, response.json
    assert response.json["error"]["fields"] == {"customer": ["erased meanwhile"]}
    assert count_rows(JourneyEvent) == events and erased == ["klant-9", "klant-9"]


@pytest.mark.postgres
def test_two_upserts_of_one_new_customer_at_once_create_it_once(app, api, brand, count_rows):
    """Both requests decided `created` by an unlocked look before their INSERT: both found
    no one, and both answered 201 Created for the one customer the two of them made."""
    posts = [
        api_post(app, api, "/api/v1/customers", {"external_id": "new-1", "value": value})
        for value in (100, 200)
    ]
    # Another writer's uncommitted row under this key: both INSERTs wait on it. It then takes
    # the row back, leaving the two requests to race each other.
    held = (
        "INSERT INTO customer (brand_id, external_id, consent, created_at, updated_at) "
        "VALUES (:brand, 'new-1', '{}', now(), now())",
        {"brand": brand.id},
    )
    with Contenders(posts, *held) as race:
        race.holding.execute(text("DELETE FROM customer WHERE external_id = 'new-1'"))
    assert sorted(reply.status_code for reply in race.replies) == [200, 201]
    assert count_rows(Customer) == 1
    assert len({reply.json["id"] for reply in race.replies}) == 1


def test_an_unknown_phase_names_its_field_one_at_a_time_as_in_a_batch(api, journey):
    body = {"customer": "x", "journey_id": journey["id"], "phase": "nope"}
    one = api.post("/api/v1/events", json=body)
    assert one.status_code == 404
    assert one.json["error"]["fields"] == {"phase": ["no such phase in this journey"]}
    batch = api.post("/api/v1/events/batch", json={"items": [body]})
    assert batch.json["error"]["fields"] == {"items.0.phase": ["no such phase in this journey"]}
