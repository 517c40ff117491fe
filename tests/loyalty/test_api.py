"""/api/v1 loyalty: policy, a customer's account, adjustments and redemptions."""

import pytest

import loyalty
from app.extensions import db
from app.services import privacy
from loyalty.models import LedgerEntry, LoyaltyPolicy
from tests.conftest import ApiClient
from tests.loyalty import helpers


@pytest.fixture
def anna(api):
    reply = api.post("/api/v1/customers", json={"external_id": "anna", "email": "anna@x.nl"})
    assert reply.status_code == 201
    return reply.json


def give(api, external_id: str, points: int) -> None:
    reply = api.post(
        f"/api/v1/customers/{external_id}/adjustments",
        json={"points": points, "reason": "welkom"},
    )
    assert reply.status_code == 201, reply.json


# ---- policy --------------------------------------------------------------------------


def test_a_new_brand_has_a_default_policy(api):
    reply = api.get("/api/v1/loyalty/policy")
    assert reply.status_code == 200
    assert reply.json == {
        key: value for key, value in loyalty.DEFAULTS.items() if key in reply.json
    }
    assert reply.json["points_per_answer"] > 0
    assert {"key", "name", "points"} <= set(reply.json["rewards"][0])


def test_put_policy_changes_only_what_is_sent(api, count_rows):
    reply = api.put(
        "/api/v1/loyalty/policy",
        json={
            "points_per_answer": 20,
            "daily_cap": None,
            "rewards": [{"key": "koffie", "name": {"nl": "Koffie", "en": "Coffee"}, "points": 40}],
        },
    )
    assert reply.status_code == 200, reply.json
    assert reply.json["points_per_answer"] == 20
    assert reply.json["daily_cap"] is None
    assert reply.json["text_bonus"] == loyalty.DEFAULTS["text_bonus"]
    assert api.get("/api/v1/loyalty/policy").json == reply.json
    assert count_rows(LoyaltyPolicy) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"points_per_answer": -1}, "points_per_answer"),
        ({"points_per_answer": "10"}, "points_per_answer"),
        ({"points_per_answer": 1.5}, "points_per_answer"),
        ({"points_per_answer": True}, "points_per_answer"),
        ({"text_min_chars": 0}, "text_min_chars"),
        ({"expiry_months": 0}, "expiry_months"),
        ({"enabled": "yes"}, "enabled"),
        ({"colour": "red"}, "colour"),
        ({"rewards": [{"key": "A B", "name": "x", "points": 10}]}, "rewards.0.key"),
        ({"rewards": [{"key": "a", "name": {"de": "x"}, "points": 10}]}, "rewards.0.name"),
        ({"rewards": [{"key": "a", "name": "x", "points": 0}]}, "rewards.0.points"),
        ({"rewards": [{"key": "a", "name": {"nl": "a\u0000"}, "points": 1}]}, "rewards.0.name.nl"),
        ({"rewards": [{"key": "a", "name": "<b>x</b>" * 30, "points": 1}]}, "rewards.0.name"),
        (
            {
                "rewards": [
                    {"key": "a", "name": "x", "points": 1},
                    {"key": "a", "name": "y", "points": 2},
                ]
            },
            "rewards",
        ),
    ],
)
def test_bad_policy_values_are_422_and_store_nothing(api, count_rows, body, field):
    reply = api.put("/api/v1/loyalty/policy", json=body)
    assert reply.status_code == 422, reply.json
    assert reply.json["error"]["code"] == "validation_error"
    assert field in reply.json["error"]["fields"]
    assert count_rows(LoyaltyPolicy) == 0


def test_policy_needs_a_key_and_json(client, api, count_rows):
    assert client.get("/api/v1/loyalty/policy").status_code == 401
    reply = api.client.put(
        "/api/v1/loyalty/policy",
        data="enabled=false",
        headers={**api._headers(None), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code == 415
    assert count_rows(LoyaltyPolicy) == 0


def test_policies_are_per_brand(api, other_brand):
    api.put("/api/v1/loyalty/policy", json={"points_per_answer": 99})
    theirs = ApiClient(api.client, other_brand["key"]).get("/api/v1/loyalty/policy")
    assert theirs.json["points_per_answer"] == loyalty.DEFAULTS["points_per_answer"]


# ---- account ---------------------------------------------------------------------------


def test_account_lists_entries_newest_first_with_running_balance(api, anna):
    give(api, "anna", 30)
    api.post("/api/v1/customers/anna/redemptions", json={"reward": "koffie", "points": 10})
    give(api, "anna", 5)
    reply = api.get("/api/v1/customers/anna/loyalty")
    assert reply.status_code == 200
    body = reply.json
    assert body["customer"] == "anna"
    assert body["balance"] == 25
    assert [(e["kind"], e["points"], e["balance_after"]) for e in body["entries"]] == [
        ("adjust", 5, 25),
        ("redeem", -10, 20),
        ("adjust", 30, 30),
    ]
    assert body["entries"][1]["reward"] == "koffie"
    assert body["page_url"].startswith("http://") and "/loyalty/" in body["page_url"]
    assert body["next_cursor"] is None


def test_account_pages_with_a_cursor(api, anna):
    for points in range(1, 6):
        give(api, "anna", points)
    first = api.get("/api/v1/customers/anna/loyalty?limit=2").json
    assert [e["points"] for e in first["entries"]] == [5, 4]
    second = api.get(f"/api/v1/customers/anna/loyalty?limit=2&cursor={first['next_cursor']}").json
    assert [e["points"] for e in second["entries"]] == [3, 2]
    assert second["entries"][0]["balance_after"] == 6
    assert api.get("/api/v1/customers/anna/loyalty?cursor=zzz").status_code == 422
    assert api.get("/api/v1/customers/anna/loyalty?limit=0").status_code == 422


def test_unknown_or_other_brands_customer_is_404(api, anna, other_brand):
    assert api.get("/api/v1/customers/nobody/loyalty").status_code == 404
    theirs = ApiClient(api.client, other_brand["key"])
    for reply in (
        theirs.get("/api/v1/customers/anna/loyalty"),
        theirs.post("/api/v1/customers/anna/adjustments", json={"points": 5, "reason": "x"}),
        theirs.post("/api/v1/customers/anna/redemptions", json={"reward": "x", "points": 1}),
    ):
        assert reply.status_code == 404
        assert reply.json["error"]["code"] == "not_found"
    assert db.session.query(LedgerEntry).count() == 0


# ---- adjustments -------------------------------------------------------------------------


def test_adjustment_is_a_201_ledger_entry_with_its_reason(api, anna):
    reply = api.post(
        "/api/v1/customers/anna/adjustments",
        json={"points": 50, "reason": "Excuses voor de late levering"},
    )
    assert reply.status_code == 201
    assert reply.json["kind"] == "adjust"
    assert reply.json["points"] == 50
    assert reply.json["reason"] == "Excuses voor de late levering"
    assert reply.json["balance"] == 50
    reply = api.post("/api/v1/customers/anna/adjustments", json={"points": -20, "reason": "typo"})
    assert reply.status_code == 201
    assert reply.json["balance"] == 30


@pytest.mark.parametrize(
    "body, field",
    [
        ({"points": 0, "reason": "x"}, "points"),
        ({"points": "5", "reason": "x"}, "points"),
        ({"points": True, "reason": "x"}, "points"),
        ({"points": 2.5, "reason": "x"}, "points"),
        ({"points": 10_000_000, "reason": "x"}, "points"),
        ({"points": 5}, "reason"),
        ({"points": 5, "reason": "   "}, "reason"),
        ({"points": 5, "reason": "x" * 201}, "reason"),
        ({"points": 5, "reason": "nul\u0000byte"}, "reason"),
        ({"points": 5, "reason": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_adjustments_are_422_and_store_nothing(api, anna, count_rows, body, field):
    reply = api.post("/api/v1/customers/anna/adjustments", json=body)
    assert reply.status_code == 422, reply.json
    assert field in reply.json["error"]["fields"]
    assert count_rows(LedgerEntry) == 0


def test_a_negative_adjustment_below_zero_is_409(api, anna, count_rows):
    give(api, "anna", 10)
    reply = api.post("/api/v1/customers/anna/adjustments", json={"points": -11, "reason": "x"})
    assert reply.status_code == 409
    assert reply.json["error"]["code"] == "insufficient_points"
    assert count_rows(LedgerEntry) == 1


def test_the_same_idempotency_key_adjusts_once(api, anna, count_rows):
    """A client that timed out sends the adjustment again: the points are added once."""
    headers = {"Idempotency-Key": "ticket-5521"}
    body = {"points": 100, "reason": "Excuses voor de late levering"}
    url = "/api/v1/customers/anna/adjustments"
    first = api.post(url, json=body, headers=headers)
    again = api.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"] and again.json["balance"] == 100
    assert count_rows(LedgerEntry) == 1
    api.post("/api/v1/customers", json={"external_id": "bram"})
    for other, where in (
        ({"points": 50, "reason": body["reason"]}, "anna"),
        ({"points": 100, "reason": "Iets anders"}, "anna"),
        (body, "bram"),
    ):
        conflict = api.post(f"/api/v1/customers/{where}/adjustments", json=other, headers=headers)
        assert conflict.status_code == 409, (other, where)
        assert conflict.json["error"]["code"] == "idempotency_conflict"
    for key in ("k" * 65, "erased-12"):
        refused = api.post(url, json=body, headers={"Idempotency-Key": key})
        assert refused.status_code == 422, key
    assert count_rows(LedgerEntry) == 1
    without = api.post(url, json=body)  # no key: each is its own adjustment, as before
    assert without.status_code == 201 and without.json["balance"] == 200


# ---- redemptions -------------------------------------------------------------------------


def test_redeeming_a_catalogue_reward_costs_its_points(api, anna):
    give(api, "anna", 120)
    reply = api.post("/api/v1/customers/anna/redemptions", json={"reward": "voucher-5"})
    assert reply.status_code == 201, reply.json
    assert reply.json["kind"] == "redeem"
    assert reply.json["points"] == -100
    assert reply.json["reward"] == "voucher-5"
    assert reply.json["balance"] == 20


def test_a_short_balance_is_409_and_stores_nothing(api, anna, count_rows):
    give(api, "anna", 99)
    reply = api.post("/api/v1/customers/anna/redemptions", json={"reward": "voucher-5"})
    assert reply.status_code == 409
    assert reply.json["error"]["code"] == "insufficient_points"
    assert "99" in reply.json["error"]["message"]
    assert count_rows(LedgerEntry) == 1
    assert api.get("/api/v1/customers/anna/loyalty").json["balance"] == 99


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reward": "not-in-catalogue"}, "reward"),
        ({"points": 5}, "reward"),
        ({"reward": "", "points": 5}, "reward"),
        ({"reward": "x", "points": 0}, "points"),
        ({"reward": "x", "points": -5}, "points"),
        ({"reward": "x", "points": "5"}, "points"),
        ({"reward": "x" * 65, "points": 5}, "reward"),
        ({"reward": "a\u0000", "points": 5}, "reward"),
    ],
)
def test_bad_redemptions_are_422_and_store_nothing(api, anna, count_rows, body, field):
    give(api, "anna", 500)
    reply = api.post("/api/v1/customers/anna/redemptions", json=body)
    assert reply.status_code == 422, reply.json
    assert field in reply.json["error"]["fields"]
    assert count_rows(LedgerEntry) == 1


def test_the_same_idempotency_key_redeems_once(api, anna, count_rows):
    give(api, "anna", 300)
    headers = {"Idempotency-Key": "order-123"}
    body = {"reward": "voucher-5"}
    first = api.post("/api/v1/customers/anna/redemptions", json=body, headers=headers)
    again = api.post("/api/v1/customers/anna/redemptions", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    assert count_rows(LedgerEntry) == 2
    other = api.post(
        "/api/v1/customers/anna/redemptions", json={"reward": "voucher-15"}, headers=headers
    )
    assert other.status_code == 409
    assert other.json["error"]["code"] == "idempotency_conflict"
    too_long = api.post(
        "/api/v1/customers/anna/redemptions", json=body, headers={"Idempotency-Key": "k" * 65}
    )
    assert too_long.status_code == 422
    assert count_rows(LedgerEntry) == 2


def test_a_key_taken_meanwhile_for_another_customer_is_409_not_500(
    api, anna, count_rows, monkeypatch
):
    """The same key for two customers at once: each holds only its own customer's lock, both
    find no entry, and the second INSERT meets the first's unique key. Played here in order:
    this request's lookup is made to miss the entry that is already there."""
    import loyalty.ledger

    api.post("/api/v1/customers", json={"external_id": "bram"})
    give(api, "anna", 300)
    give(api, "bram", 300)
    headers = {"Idempotency-Key": "order-9"}
    body = {"reward": "voucher-5"}
    first = api.post("/api/v1/customers/anna/redemptions", json=body, headers=headers)
    assert first.status_code == 201
    real_find, missed = loyalty.ledger.find, []

    def late_find(*args):
        if not missed:
            missed.append(args)
            return None  # as if anna's redemption had not committed yet
        return real_find(*args)

    monkeypatch.setattr(loyalty.ledger, "find", late_find)
    entries = count_rows(LedgerEntry)
    raced = api.post("/api/v1/customers/bram/redemptions", json=body, headers=headers)
    assert raced.status_code == 409, raced.json
    assert raced.json["error"]["code"] == "idempotency_conflict"
    assert missed and count_rows(LedgerEntry) == entries


def test_redemptions_are_documented_in_openapi(client, db):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/loyalty/policy"])
    assert "get" in paths["/api/v1/customers/{external_id}/loyalty"]
    assert "409" in paths["/api/v1/customers/{external_id}/redemptions"]["post"]["responses"]
    assert "201" in paths["/api/v1/customers/{external_id}/adjustments"]["post"]["responses"]


def test_gdpr_export_and_erasure_of_a_customers_points(api, brand, anna, count_rows):
    give(api, "anna", 10)
    customer = helpers.customer(brand, "bob")
    loyalty.adjust(brand.id, customer.id, points=5, reason="sorry about Bob's broken tap")
    db.session.commit()
    exported = loyalty.export_customer(brand.id, customer.id)
    assert exported["balance"] == 5
    assert [e["reason"] for e in exported["entries"]] == ["sorry about Bob's broken tap"]
    privacy.erase(brand, "bob", actor="api")
    # The amounts stay on the tombstone, so totals add up; the reason typed about Bob goes.
    assert count_rows(LedgerEntry) == 2
    assert loyalty.balance(brand.id, customer.id) == 5
    [entry] = loyalty.export_customer(brand.id, customer.id)["entries"]
    assert entry["reason"] == "adjustment (erased)"
    assert api.get("/api/v1/customers/anna/loyalty").json["balance"] == 10


def test_first_page_reads_the_balance_once(api, anna, db):
    """The balance is the newest entry's running balance: one SUM over the ledger, not two."""
    from sqlalchemy import event

    give(api, "anna", 30)
    api.post("/api/v1/customers/anna/redemptions", json={"reward": "koffie", "points": 10})
    cursor = api.get("/api/v1/customers/anna/loyalty?limit=1").json["next_cursor"]
    sums = []

    def count(conn, cursor, statement, *args):
        if "sum(loyalty_entry.points)" in statement:
            sums.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = api.get("/api/v1/customers/anna/loyalty").json
        assert len(sums) == 1
        later = api.get(f"/api/v1/customers/anna/loyalty?limit=1&cursor={cursor}").json
        assert len(sums) == 3  # a later page: its running balance, and the whole balance
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert body["balance"] == body["entries"][0]["balance_after"] == 20
    assert later["balance"] == 20
    assert later["entries"][0]["balance_after"] == 30
