"""loyalty.earned and loyalty.redeemed reach a subscribed endpoint, signed, after the commit."""

import json

from tests.webhook_receiver import Receiver


def test_earning_and_redeeming_are_delivered(api, survey):
    with Receiver() as receiver:
        created = api.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "events": ["loyalty.earned", "loyalty.redeemed"]},
        )
        assert created.status_code == 201, created.json
        answer = api.post(
            "/api/v1/responses",
            json={
                "survey_id": survey["id"],
                "answers": {"nps": 2, "why": "Slecht, de levering was twee weken te laat."},
                "customer": "anna",
            },
        )
        assert answer.status_code == 202
        redeemed = api.post(
            "/api/v1/customers/anna/redemptions", json={"reward": "koffie", "points": 12}
        )
        assert redeemed.status_code == 201
        refused = api.post("/api/v1/customers/anna/redemptions", json={"reward": "x", "points": 9})
        assert refused.status_code == 409
        bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert [(b["type"], b["data"]["reason"], b["data"]["points"]) for b in bodies] == [
        ("loyalty.earned", "answered", 10),
        ("loyalty.earned", "text_bonus", 5),
        ("loyalty.redeemed", "redeemed", -12),
    ]
    assert [b["data"]["balance"] for b in bodies] == [10, 15, 3]
    assert {b["data"]["customer"] for b in bodies} == {"anna"}
    assert all(request["headers"]["webhook-signature"] for request in receiver.requests)


def test_points_taken_away_are_delivered_so_a_mirrored_balance_stays_right(api, survey, brand):
    """A negative adjustment, a review bonus taken back and an expiry each move the balance:
    without an event a receiver that mirrors balances drifted from the ledger."""
    from datetime import datetime

    import loyalty
    from app.extensions import db
    from app.models import Customer
    from loyalty import expiry
    from tests.reviews.helpers import published

    with Receiver() as receiver:
        events = ["loyalty.earned", "loyalty.redeemed", "loyalty.deducted"]
        created = api.post("/api/v1/webhooks", json={"url": receiver.url, "events": events})
        assert created.status_code == 201, created.json
        review = published(api, survey, brand, customer="anna", text="Netjes gemonteerd.")
        adjusted = api.post(
            "/api/v1/customers/anna/adjustments", json={"points": -5, "reason": "dubbel"}
        )
        assert adjusted.status_code == 201, adjusted.json
        removal = {"action": "remove", "reason": "spam"}
        assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=removal).status_code == 200
        anna = db.session.query(Customer).filter_by(external_id="anna").one()
        loyalty.adjust(brand.id, anna.id, points=7, reason="oud", at=datetime(2020, 1, 1))
        db.session.commit()
        assert expiry.run(as_of=datetime(2026, 12, 1))["points"] > 0
        bodies = [json.loads(request["body"]) for request in receiver.requests]
    deducted = [b["data"] for b in bodies if b["type"] == "loyalty.deducted"]
    assert [(d["kind"], d["points"] < 0) for d in deducted] == [
        ("adjust", True),
        ("clawback", True),
        ("expire", True),
    ]
    assert bodies[-1]["data"]["balance"] == loyalty.balance(brand.id, anna.id)
