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


def test_demo_redemptions_come_after_the_points_they_spend(brand):
    """The customer's page lists entries by date with a running balance: a redemption dated
    before the points it spent showed a balance below zero in between."""
    from datetime import timedelta

    from app.models.base import utcnow
    from loyalty.models import LedgerEntry

    demo.configure(brand.id)
    people = [helpers.customer(brand, f"klant-{n}") for n in range(6)]
    # earned two days ago: the demo used to date redemptions up to 20 days back
    for n, who in enumerate(people):
        loyalty.adjust(
            brand.id, who.id, points=60 + 25 * n, reason="demo", at=utcnow() - timedelta(days=2)
        )
    db.session.commit()
    assert demo.add_redemptions(brand.id, random.Random(5), count=4) == 4
    db.session.commit()
    for who in people:
        running = 0
        entries = db.session.query(LedgerEntry).filter_by(customer_id=who.id)
        for entry in entries.order_by(LedgerEntry.effective_at, LedgerEntry.id):
            running += entry.points
            assert running >= 0, (who.external_id, entry.kind, entry.effective_at)


def test_the_demo_rewards_have_codes_one_of_them_running_low(brand):
    demo.configure(brand.id, random.Random(1))
    db.session.commit()
    pools = loyalty.codes.pools(brand.id)
    assert pools["korting-50"] == {"available": 40, "handed_out": 0, "low": False}
    assert pools["onderhoudsset"]["low"] and "kitwerk" not in pools
