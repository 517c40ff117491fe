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
