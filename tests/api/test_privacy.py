"""GDPR: a customer's export and erasure by API and CLI; figures and point totals stay."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    Contact,
    Customer,
    CustomerPhase,
    Invitation,
    JourneyEvent,
    PrivacyRequest,
    Response,
    Review,
    Rollup,
    WebhookDelivery,
)
from app.models.base import utcnow
from app.services import privacy, webhooks
from loyalty.models import LedgerEntry
from tests.webhook_receiver import Receiver

TEXT = "Jan de monteur was top, alles netjes achtergelaten"


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def anna(api, db, brand, journey, survey, receiver):
    """A customer with everything a brand can hold about her, and a webhook listening."""
    endpoint = webhooks.create_endpoint(
        brand, {"url": receiver.url, "events": ["loyalty.earned", "review.removed"]}
    )
    assert (
        api.post(
            "/api/v1/customers",
            json={"external_id": "klant-42", "email": "Anna@Example.nl", "value": 5400},
        ).status_code
        == 201
    )
    for phase in ("orientatie", "levering"):
        event = {"customer": "klant-42", "journey_id": journey["id"], "phase": phase}
        assert api.post("/api/v1/events", json=event).status_code == 201
    posted = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": 9, "csat": 5, "why": TEXT},
            "customer": "klant-42",
            "review": {"consent": True, "display_name": "Anna B.", "title": "Top service"},
        },
        headers={"Idempotency-Key": "order-9911-klant-42"},
    )
    assert posted.status_code == 202, posted.json
    response = db.session.get(Response, posted.json["id"])
    assert response.status == "processed"
    review = db.session.scalars(select(Review)).one()
    if review.status != "published":
        from app.services import reviews

        reviews.moderate(brand, review.id, "publish", None, actor="test@example.nl")
    customer = db.session.scalars(select(Customer)).one()
    db.session.add(
        Invitation(
            brand_id=brand.id,
            customer_id=customer.id,
            survey_id=survey["id"],
            phase_id=response.phase_id,
            channel="email",
            locale="nl",
            status="sent",
            expires_at=utcnow() + timedelta(days=14),
            response_id=response.id,
        )
    )
    db.session.add(
        Contact(
            brand_id=brand.id,
            customer_id=customer.id,
            journey_id=journey["id"],
            phase_id=response.phase_id,
            channel="email",
        )
    )
    db.session.commit()
    return {
        "customer_id": customer.id,
        "response_id": response.id,
        "review_id": review.id,
        "secret": endpoint.secret,
    }


def _figures(db, api, journey):
    rollup = db.session.execute(
        select(func.sum(Rollup.responses), func.sum(Rollup.promoters))
    ).one()
    ledger = db.session.scalar(select(func.sum(LedgerEntry.points)))
    stats = api.get(f"/api/v1/journeys/{journey['id']}/stats").json
    return tuple(rollup), ledger, stats


def test_export_holds_everything_about_the_customer(api, anna, db, count_rows):
    response = api.get("/api/v1/customers/klant-42/export")
    assert response.status_code == 200, response.json
    data = response.json
    assert data["customer"]["external_id"] == "klant-42"
    assert data["customer"]["email"] == "anna@example.nl"
    assert [event["phase"] for event in data["journey_events"]] == ["orientatie", "levering"]
    assert {row["phase"] for row in data["phases_reached"]} == {"orientatie", "levering"}
    [answer] = data["responses"]
    assert answer["answers"] == {"nps": 9, "csat": 5, "why": TEXT}
    assert answer["review_request"]["display_name"] == "Anna B."
    [review] = data["reviews"]
    assert (review["body"], review["display_name"], review["status"]) == (
        TEXT,
        "Anna B.",
        "published",
    )
    assert review["moderation"] and "actor" not in review["moderation"][0]
    assert data["loyalty"]["balance"] > 0
    assert data["loyalty"]["balance"] == sum(e["points"] for e in data["loyalty"]["entries"])
    assert [invitation["status"] for invitation in data["invitations"]] == ["sent"]
    assert [contact["channel"] for contact in data["contacts"]] == ["email"]
    assert data["exported_at"].endswith("Z") and answer["created_at"].endswith("Z")
    # Logged, without the identifier itself.
    [entry] = db.session.scalars(select(PrivacyRequest)).all()
    assert (entry.kind, entry.actor) == ("export", "api")
    assert "klant-42" not in json.dumps(entry.details) and entry.subject != "klant-42"


def test_export_and_erase_of_unknown_or_another_brands_customer_are_404(
    api, client, anna, other_brand, db, count_rows
):
    from app.services import customers

    customers.upsert(other_brand["brand"], {"external_id": "hun-klant", "email": "x@y.nl"})
    for response in (
        api.get("/api/v1/customers/nobody/export"),
        api.delete("/api/v1/customers/nobody"),
        api.get("/api/v1/customers/hun-klant/export"),
        api.delete("/api/v1/customers/hun-klant"),
    ):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
    assert client.delete("/api/v1/customers/klant-42").status_code == 401
    wrong = {"Authorization": "Bearer sk_wrong"}
    assert client.get("/api/v1/customers/klant-42/export", headers=wrong).status_code == 401
    assert count_rows(PrivacyRequest) == 0  # nothing logged for failed requests
    theirs = db.session.scalar(select(Customer).where(Customer.external_id == "hun-klant"))
    assert theirs.email == "x@y.nl"


def test_erasure_removes_personal_data_and_keeps_the_figures(
    api, anna, db, journey, receiver, count_rows
):
    before = _figures(db, api, journey)
    deliveries_before = len(receiver.requests)
    response = api.delete("/api/v1/customers/klant-42")
    assert response.status_code == 200, response.json
    result = response.json
    assert result["status"] == "erased"
    assert result["tombstone"].startswith("erased-")
    assert result["counts"]["responses"] == 1
    assert result["counts"]["reviews"] == 1
    assert result["counts"]["journey_events"] == 2
    db.session.expire_all()

    # The customer is a tombstone, unknown by the old id.
    assert api.get("/api/v1/customers/klant-42").status_code == 404
    customer = db.session.get(Customer, anna["customer_id"])
    assert customer.external_id == result["tombstone"]
    assert customer.email is None and customer.value is None and customer.consent == {}
    assert customer.unsubscribed_at is not None
    # The answer keeps its scores and labels, not the text or the link.
    answer = db.session.get(Response, anna["response_id"])
    assert answer.answers == {"nps": 9, "csat": 5}
    assert answer.comment is None and answer.customer_id is None
    assert answer.review_request is None and answer.idempotency_key is None
    assert answer.request_hash is None and answer.client_hash is None
    assert answer.nps_category == "promoter" and answer.sentiment_label is not None
    # The review is removed on a listed ground, blanked, and logged.
    review = db.session.get(Review, anna["review_id"])
    assert (review.status, review.removal_ground) == ("removed", "personal_data")
    assert review.body == "" and review.display_name == "" and review.title is None
    assert review.moderation[-1].actor == "privacy:erasure"
    # Events, invitations and contacts are gone; the ledger stays on the tombstone.
    for model in (JourneyEvent, CustomerPhase, Invitation, Contact):
        assert count_rows(model) == 0, model
    entries = db.session.scalars(select(LedgerEntry)).all()
    assert entries and {entry.customer_id for entry in entries} == {anna["customer_id"]}
    # Rollups, stats and point totals are unchanged.
    assert _figures(db, api, journey) == before
    # Webhooks: the earlier payloads naming her are scrubbed; the removal was announced.
    for delivery in db.session.scalars(select(WebhookDelivery)):
        assert "klant-42" not in json.dumps(delivery.payload)
    removed = [json.loads(r["body"]) for r in receiver.requests[deliveries_before:]]
    assert [(r["type"], r["data"]["id"]) for r in removed] == [
        ("review.removed", anna["review_id"])
    ]
    assert removed[0]["data"]["ground"] == "personal_data"
    # The public feed shows a tombstone, not the text.
    feed = api.client.get("/feeds/testbad/reviews.json")
    assert feed.status_code == 200
    assert [t["id"] for t in feed.json["tombstones"]] == [anna["review_id"]]
    assert TEXT not in feed.get_data(as_text=True)
    # Logged once, without the erased id.
    [entry] = db.session.scalars(select(PrivacyRequest)).all()
    assert (entry.kind, entry.tombstone) == ("erasure", result["tombstone"])
    assert "klant-42" not in json.dumps(entry.details)


def test_erasure_is_idempotent(api, anna, db, count_rows):
    first = api.delete("/api/v1/customers/klant-42").json
    again = api.delete("/api/v1/customers/klant-42")
    assert again.status_code == 200
    assert again.json["status"] == "already_erased"
    assert again.json["tombstone"] == first["tombstone"]
    assert count_rows(PrivacyRequest) == 1
    assert count_rows(Customer) == 1


def test_the_same_person_returning_later_is_a_new_customer(api, anna, db):
    api.delete("/api/v1/customers/klant-42")
    created = api.post("/api/v1/customers", json={"external_id": "klant-42"})
    assert created.status_code == 201
    export = api.get("/api/v1/customers/klant-42/export").json
    assert export["responses"] == [] and export["loyalty"]["balance"] == 0
    assert api.delete("/api/v1/customers/klant-42").json["status"] == "erased"


def test_other_customers_keep_their_data(api, anna, survey, db):
    api.post("/api/v1/customers", json={"external_id": "klant-7", "email": "piet@example.nl"})
    posted = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": 3, "why": "Te laat"},
            "customer": "klant-7",
        },
    )
    api.delete("/api/v1/customers/klant-42")
    db.session.expire_all()
    other = db.session.get(Response, posted.json["id"])
    assert other.comment == "Te laat" and other.customer_id is not None
    assert api.get("/api/v1/customers/klant-7").json["email"] == "piet@example.nl"


def test_the_cli_exports_and_erases(app, anna, db, brand):
    runner = app.test_cli_runner()
    exported = runner.invoke(
        args=["customer", "export", "--brand", "testbad", "--external-id", "klant-42"]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["customer"]["email"] == "anna@example.nl"
    erased = runner.invoke(
        args=["customer", "erase", "--brand", "testbad", "--external-id", "klant-42"]
    )
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["status"] == "erased"
    again = runner.invoke(
        args=["customer", "erase", "--brand", "testbad", "--external-id", "klant-42"]
    )
    assert json.loads(again.output)["status"] == "already_erased"
    actors = {entry.actor for entry in db.session.scalars(select(PrivacyRequest))}
    assert actors == {"cli"}


@pytest.mark.parametrize(
    "args",
    [
        ["customer", "export", "--brand", "no-such-brand", "--external-id", "klant-42"],
        ["customer", "erase", "--brand", "testbad", "--external-id", "nobody"],
        ["customer", "erase", "--brand", "testbad"],
        ["customer", "export", "--external-id", "klant-42"],
    ],
)
def test_the_cli_refuses_bad_input(app, anna, args, count_rows):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert count_rows(PrivacyRequest) == 0


def test_every_table_with_a_customer_link_is_covered(app):
    from app.extensions import db

    linked = {
        table.name
        for table in db.metadata.sorted_tables
        if "customer_id" in table.columns or "external_id" in table.columns
    }
    assert linked <= set(privacy.COVERED), linked - set(privacy.COVERED)


def test_privacy_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/customers/{external_id}/export"]
    assert "delete" in paths["/api/v1/customers/{external_id}"]
    assert {"get", "put"} <= set(paths["/api/v1/privacy/retention"])
