"""Reward names in every stored shape, and a redemption that keeps the name it was made under."""

import pytest
from sqlalchemy import update

import loyalty
from app.extensions import db
from loyalty import reports
from loyalty.models import LedgerEntry
from tests.dashboard.conftest import PASSWORD, PASSWORD_HASH, Dashboard

VOUCHER = {"key": "voucher-5", "name": {"nl": "Tegoedbon van € 5", "en": "€5 voucher"}}


@pytest.fixture
def dash(client, brand):
    from app.models import User

    db.session.add(
        User(brand=brand, email="owner@testbad.example", role="owner", password_hash=PASSWORD_HASH)
    )
    db.session.commit()
    dashboard = Dashboard(client)
    assert dashboard.login("owner@testbad.example", PASSWORD).status_code == 302
    return dashboard


@pytest.fixture
def c2(api):
    assert api.post("/api/v1/customers", json={"external_id": "c2"}).status_code == 201
    given = api.post("/api/v1/customers/c2/adjustments", json={"points": 150, "reason": "welkom"})
    assert given.status_code == 201
    return "c2"


def put_rewards(api, rewards) -> None:
    reply = api.put("/api/v1/loyalty/policy", json={"rewards": rewards})
    assert reply.status_code == 200, reply.json


def page(client, brand, external_id: str, lang: str = "nl") -> str:
    from app.models import Customer

    customer = db.session.query(Customer).filter_by(external_id=external_id).one()
    token = loyalty.customer_token(brand.id, customer.id)
    reply = client.get(f"/loyalty/{token}?lang={lang}")
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def test_the_overview_shows_a_reward_name_in_any_stored_shape(api, dash):
    put_rewards(
        api,
        [
            {"key": "gift", "name": "Cadeau", "points": 500},
            {"key": "koffie", "name": {"nl": "Koffiebon"}, "points": 50},
            {**VOUCHER, "points": 100},
        ],
    )
    html = dash.html("/dashboard/loyalty")
    assert "<li>Cadeau: 500 points</li>" in html
    assert "<li>Koffiebon: 50 points</li>" in html
    assert "<li>€5 voucher: 100 points</li>" in html


def test_a_redemption_keeps_the_name_it_was_redeemed_under(api, client, brand, c2):
    redeemed = api.post("/api/v1/customers/c2/redemptions", json={"reward": "voucher-5"})
    assert redeemed.status_code == 201, redeemed.json
    assert redeemed.json["reward_name"] == VOUCHER["name"]
    put_rewards(api, [{"key": "voucher-5", "name": "Koffiebon", "points": 50}])
    assert "Ingewisseld: Tegoedbon van € 5" in page(client, brand, "c2")
    assert "Koffiebon" not in page(client, brand, "c2").split('id="ledger-title"')[1]
    assert "Redeemed: €5 voucher" in page(client, brand, "c2", "en")
    put_rewards(api, [{"key": "gift", "name": "Cadeau", "points": 500}])  # removed
    assert "Ingewisseld: Tegoedbon van € 5" in page(client, brand, "c2")
    [entry] = [e for e in api.get("/api/v1/customers/c2/loyalty").json["entries"] if e["reward"]]
    assert (entry["reward"], entry["reward_name"]) == ("voucher-5", VOUCHER["name"])
    # The overview's top rewards name a removed reward as it was redeemed, not by its key.
    [top] = reports.top_rewards(brand.id, locale="en")
    assert (top["reward"], top["name"], top["points"]) == ("voucher-5", "€5 voucher", 100)


def test_a_plain_string_name_is_kept_for_every_language(api, client, brand, c2):
    put_rewards(api, [{"key": "gift", "name": "Cadeau", "points": 100}])
    api.post("/api/v1/customers/c2/redemptions", json={"reward": "gift"})
    put_rewards(api, [])
    assert "Ingewisseld: Cadeau" in page(client, brand, "c2")
    assert "Redeemed: Cadeau" in page(client, brand, "c2", "en")


def test_older_redemptions_fall_back_to_the_catalogue_then_the_key(api, client, brand, c2):
    api.post("/api/v1/customers/c2/redemptions", json={"reward": "voucher-5"})
    api.post("/api/v1/customers/c2/redemptions", json={"reward": "eigen", "points": 10})
    # As entries written before names were kept: no name with them.
    db.session.execute(update(LedgerEntry).values(reward_name=None))
    db.session.commit()
    assert "Ingewisseld: Tegoedbon van € 5" in page(client, brand, "c2")
    assert "Ingewisseld: eigen" in page(client, brand, "c2")
    put_rewards(api, [{"key": "voucher-5", "name": "Koffiebon", "points": 50}])
    assert "Ingewisseld: Koffiebon" in page(client, brand, "c2")
    put_rewards(api, [])
    assert "Ingewisseld: voucher-5" in page(client, brand, "c2")
