"""The demo's loyalty: cheap rewards, some redemptions, a goodwill adjustment."""

import random

import loyalty
from app.extensions import db
from loyalty import demo, reports
from tests.loyalty import helpers


def test_demo_redemptions_spend_only_what_customers_have(brand):
    demo.configure(brand.id)
    people = [helpers.customer(brand, f"klant-{n}") for n in range(6)]
    for n, who in enumerate(people):
        loyalty.adjust(brand.id, who.id, points=10 + 25 * n, reason="demo")
    db.session.commit()
    redeemed = demo.add_redemptions(brand.id, random.Random(3), count=4)
    db.session.commit()
    assert redeemed == 4
    assert sum(r["redemptions"] for r in reports.top_rewards(brand.id)) == 4
    assert all(loyalty.balance(brand.id, who.id) >= 0 for who in people)
    assert {r["reward"] for r in reports.top_rewards(brand.id)} <= {r["key"] for r in demo.REWARDS}
