"""Journeys per order: a journey event may name the shop's order ("order": "1001"). A repeat
customer's first arrival in a phase for a new order schedules the phase's invitation on reach
again, its answer belongs to that order, and earns loyalty points again; one order asks and
earns once, however its events and answers arrive."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Brand, CustomerPhase, CustomerPhaseOrder, Invitation, JourneyEvent, Response
from app.services import invitations
from tests.channels.helpers import assert_error, form_fields
from tests.channels.test_invitations_on_reach import come_due, scheduled, sweep

pytestmark = pytest.mark.smtp


def event(api, journey, order=None, customer="klant-1", phase="levering", hours_ago=0.0, **kw):
    body = {
        "customer": customer,
        "journey_id": journey["id"],
        "phase": phase,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(),
    }
    if order is not None:
        body["order"] = order
    response = api.post("/api/v1/events", json=body, **kw)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def open_budget(db):
    """A brand whose contact budget lets a customer be asked again at once: what decides is
    then only whether an order was asked about."""
    brand = db.session.query(Brand).one()
    brand.contact_policy = {"min_days_between": 0, "same_phase_days": 0, "max_per_journey": 0}
    db.session.commit()


def answer_by_email(app, db, invitation_id: int, score: str = "9") -> None:
    """The customer opens her invitation's link and answers it."""
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation_id)
    path = f"/s/{invitations.token_for(invitation)}"
    client = app.test_client()
    html = client.get(path).get_data(as_text=True)
    reply = client.post(path, data={**form_fields(html), "q_nps": score})
    assert reply.status_code == 200, reply.get_data(as_text=True)


def balance(api, customer="klant-1") -> dict:
    reply = api.get(f"/api/v1/customers/{customer}/loyalty")
    assert reply.status_code == 200, reply.json
    return reply.json


@pytest.mark.parametrize(
    "bad",
    ["", " ", "10 01", "-1001", "#1", "1001\n", "a" * 65, "bestelling€", None, 1001, ["1001"]],
)
def test_a_bad_order_is_422_and_stores_nothing(api, journey, survey, anna, bad, count_rows):
    body = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}
    response = api.post("/api/v1/events", json={**body, "order": bad})
    assert_error(response, 422)
    assert "order" in response.json["error"]["fields"]
    batch = api.post("/api/v1/events/batch", json={"items": [body, {**body, "order": bad}]})
    assert_error(batch, 422)
    assert "items.1.order" in batch.json["error"]["fields"]
    invited = api.post(
        "/api/v1/invitations",
        json={"customer": "klant-1", "survey_id": survey["id"], "order": bad},
    )
    assert_error(invited, 422)
    assert "order" in invited.json["error"]["fields"]
    answered = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "customer": "klant-1",
            "answers": {"nps": 9},
            "order": bad,
        },
    )
    assert_error(answered, 422)
    assert "order" in answered.json["error"]["fields"]
    for model in (JourneyEvent, CustomerPhase, CustomerPhaseOrder, Invitation, Response):
        assert count_rows(model) == 0, model


def test_orders_of_the_shops_own_forms_are_taken(api, journey, anna):
    for order in ("1001", "NL-2026-0042", "2026/17", "A.b_c#9", "x" * 64):
        assert event(api, journey, order=order)["order"] == order
    assert event(api, journey)["order"] is None


def test_two_orders_are_asked_and_rewarded_twice(
    app, api, journey, inviting, anna, open_budget, smtp_server, db
):
    """The repeat customer's second delivery: a second invitation, a second answer, and
    points for each; conversion still counts her once."""
    first = event(api, journey, order="1001", hours_ago=2)
    assert first["first_time"] is True and first["order"] == "1001"
    second = event(api, journey, order="1002")
    assert second["first_time"] is False  # conversion counts the customer, as before
    assert [i.order_ref for i in scheduled(db)] == ["1001", "1002"]
    listed = api.get("/api/v1/invitations", query_string={"status": "scheduled"}).json
    assert sorted(item["order"] for item in listed["items"]) == ["1001", "1002"]
    come_due(db)
    assert invitations.queue_due() == {"queued": 2, "skipped": {}}
    sweep(app)
    assert len(smtp_server.envelopes) == 2
    ids = sorted(i.id for i in db.session.query(Invitation).filter_by(status="sent"))
    answer_by_email(app, db, ids[0])
    earned_once = balance(api)["balance"]
    assert earned_once > 0
    answer_by_email(app, db, ids[1], score="7")
    assert balance(api)["balance"] == 2 * earned_once
    answers = api.get("/api/v1/responses").json["items"]
    assert sorted(item["order"] for item in answers) == ["1001", "1002"]
    answered = api.get("/api/v1/invitations").json["items"]
    assert {item["order"]: item["answered"] for item in answered} == {"1001": True, "1002": True}
    assert db.session.query(CustomerPhase).count() == 1


def test_one_order_schedules_once_however_its_events_come(
    api, journey, inviting, anna, open_budget, db
):
    event(api, journey, order="1001", hours_ago=3)
    event(api, journey, order="1001", hours_ago=1)  # a second event of the same order
    now = datetime.now(UTC).isoformat()
    item = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}
    batch = api.post(
        "/api/v1/events/batch",
        json={
            "items": [
                {**item, "order": "1001", "occurred_at": now},
                {**item, "order": "1002", "occurred_at": now},
                {**item, "order": "1002", "occurred_at": now},
                {**item, "customer": "klant-2", "order": "1002", "occurred_at": now},
            ]
        },
    )
    assert batch.status_code == 201, batch.json
    orders = sorted((i.customer.external_id, i.order_ref) for i in scheduled(db))
    assert orders == [("klant-1", "1001"), ("klant-1", "1002"), ("klant-2", "1002")]


def test_events_without_an_order_behave_as_before(api, journey, inviting, anna, db):
    """Only the first arrival schedules, also after orders were named: an event that names
    none is not a new order."""
    event(api, journey)
    event(api, journey)
    assert [i.order_ref for i in scheduled(db)] == [None]
    event(api, journey, order="1001")  # her first order named: asked about it
    event(api, journey)
    assert [i.order_ref for i in scheduled(db)] == [None, "1001"]


def test_a_retried_event_of_an_order_schedules_once(api, journey, inviting, anna, db):
    headers = {"Idempotency-Key": "delivered-1002"}
    first = event(api, journey, order="1002", headers=headers)
    again = api.post(
        "/api/v1/events",
        json={
            "customer": "klant-1",
            "journey_id": journey["id"],
            "phase": "levering",
            "occurred_at": first["occurred_at"],
            "order": "1002",
        },
        headers=headers,
    )
    assert again.status_code in (200, 201), again.json
    assert again.json["id"] == first["id"] and again.json["order"] == "1002"
    other = api.post(  # the same key for another order is another request
        "/api/v1/events",
        json={
            "customer": "klant-1",
            "journey_id": journey["id"],
            "phase": "levering",
            "occurred_at": first["occurred_at"],
            "order": "1003",
        },
        headers=headers,
    )
    assert_error(other, 409)
    assert len(scheduled(db)) == 1
    item = {
        "customer": "klant-1",
        "journey_id": journey["id"],
        "phase": "levering",
        "order": "1004",
        "idempotency_key": "levering-1004",
    }
    for _ in range(2):  # a retried batch
        assert api.post("/api/v1/events/batch", json={"items": [item]}).status_code == 201
    assert [i.order_ref for i in scheduled(db)] == ["1002", "1004"]


def test_answered_means_answered_for_this_order(api, journey, inviting, survey, open_budget, db):
    """Her answer about the first delivery does not skip the second's invitation; an answer
    about the second, given before it is due, does."""
    for n in (1, 2):
        api.post("/api/v1/customers", json={"external_id": f"k{n}", "email": f"k{n}@example.nl"})
    for customer in ("k1", "k2"):
        event(api, journey, order="1001", customer=customer, hours_ago=5)
    come_due(db)
    assert invitations.queue_due()["queued"] == 2
    for customer in ("k1", "k2"):
        reply = api.post(
            "/api/v1/responses",
            json={
                "survey_id": survey["id"],
                "customer": customer,
                "answers": {"nps": 8},
                "order": "1001",
            },
        )
        assert reply.status_code == 202, reply.json
    for customer in ("k1", "k2"):
        event(api, journey, order="1002", customer=customer)
    # k2 answers in the widget (no order named: her latest, 1002) before it is due
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "k2", "answers": {"nps": 9}},
    )
    assert reply.status_code == 202
    assert db.session.get(Response, reply.json["id"]).order_ref == "1002"
    come_due(db)
    assert invitations.queue_due() == {"queued": 1, "skipped": {"answered": 1}}
    db.session.expire_all()
    [queued] = db.session.query(Invitation).filter_by(status="queued", order_ref="1002").all()
    assert queued.customer.external_id == "k1"


def test_an_order_earns_once_by_widget_email_or_replay(
    app, api, journey, inviting, survey, anna, open_budget, smtp_server, db
):
    """An answer about one order earns once: the invitation's, one without an order given
    since (her latest order's), and the pipeline's job run again award nothing more. Answers
    without any order keep the old rule: once per person per phase survey."""
    from app.pipeline import jobs

    event(api, journey, order="1001", hours_ago=1)
    come_due(db)
    invitations.queue_due()
    sweep(app)
    [invitation] = db.session.query(Invitation).filter_by(status="sent").all()
    plain = api.post(  # the widget's or the API's answer: it names no order
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "klant-1", "answers": {"nps": 9}},
    )
    assert plain.status_code == 202
    earned = balance(api)["balance"]
    assert earned > 0
    answer_by_email(app, db, invitation.id)
    assert balance(api)["balance"] == earned  # the same order: once
    ids = [response.id for response in db.session.query(Response)]
    jobs.process_responses(ids)  # a replayed job
    assert balance(api)["balance"] == earned
    db.session.expire_all()
    assert {r.order_ref for r in db.session.query(Response)} == {"1001"}
    # a customer without orders: once, as before
    for _ in range(2):
        reply = api.post(
            "/api/v1/responses",
            json={"survey_id": survey["id"], "customer": "klant-9", "answers": {"nps": 9}},
        )
        assert reply.status_code == 202
    assert balance(api, "klant-9")["balance"] == earned
    entries = balance(api, "klant-9")["entries"]
    assert len([entry for entry in entries if entry["reason"] == "answered"]) == 1


def test_an_invitation_made_for_an_order_earns_again(
    app, api, survey, open_budget, smtp_server, db
):
    """The brand's server asks about each order itself (no events): each invitation's answer
    earns; a retry of the same request makes nothing more."""
    api.post("/api/v1/customers", json={"external_id": "klant-1", "email": "a@example.nl"})
    made = []
    for order in ("1001", "1002"):
        body = {"customer": "klant-1", "survey_id": survey["id"], "order": order}
        reply = api.post("/api/v1/invitations", json=body, headers={"Idempotency-Key": order})
        assert reply.status_code == 202, reply.json
        assert reply.json["order"] == order
        again = api.post("/api/v1/invitations", json=body, headers={"Idempotency-Key": order})
        assert again.json["id"] == reply.json["id"]
        made.append(reply.json["id"])
    assert db.session.query(Invitation).count() == 2
    answer_by_email(app, db, made[0])
    once = balance(api)["balance"]
    answer_by_email(app, db, made[1])
    assert balance(api)["balance"] == 2 * once


def test_erasure_takes_her_orders_with_her(api, journey, inviting, survey, anna, db):
    event(api, journey, order="1001")
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "customer": "klant-1", "answers": {"nps": 9}},
    )
    exported = api.get("/api/v1/customers/klant-1/export").json
    assert [e["order"] for e in exported["journey_events"]] == ["1001"]
    assert [i["order"] for i in exported["invitations"]] == ["1001"]
    assert [r["order"] for r in exported["responses"]] == ["1001"]
    assert api.delete("/api/v1/customers/klant-1").status_code == 200
    db.session.expire_all()
    assert db.session.query(CustomerPhaseOrder).count() == 0
    assert db.session.query(JourneyEvent).count() == 0
    assert db.session.get(Response, reply.json["id"]).order_ref is None


@pytest.mark.postgres
def test_two_batches_of_one_order_at_once_schedule_once(app, api, journey, inviting, anna, db):
    """Two syncs of the shop send the same delivery at the same moment (both wait for the
    customer's lock): one arrival for the order, one scheduled invitation."""
    from tests.conftest import Contenders

    headers = api._headers(None)
    item = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}

    def post(order):
        body = {"items": [{**item, "order": order}, {**item, "order": "1001"}]}
        return lambda: app.test_client().post("/api/v1/events/batch", json=body, headers=headers)

    held = ("SELECT id FROM customer WHERE external_id = 'klant-1' FOR UPDATE", {})
    with Contenders([post("1001"), post("1002")], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 201]
    assert sorted(i.order_ref for i in scheduled(db)) == ["1001", "1002"]
    assert db.session.scalar(select(CustomerPhaseOrder.order_ref).limit(1)) is not None


def test_the_cli_invites_for_an_order_and_refuses_a_bad_one(app, api, survey, anna, db):
    brand = db.session.query(Brand).one()
    base = ["invitation", "send", "--brand", brand.slug, "--customer", "klant-1"]
    base += ["--survey", str(survey["id"]), "--link"]
    bad = app.test_cli_runner().invoke(args=[*base, "--order", "10 01"])
    assert bad.exit_code != 0 and "--order" in bad.output
    assert db.session.query(Invitation).count() == 0
    good = app.test_cli_runner().invoke(args=[*base, "--order", "1001"])
    assert good.exit_code == 0, good.output
    assert db.session.query(Invitation).one().order_ref == "1001"
