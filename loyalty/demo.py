"""Loyalty for the demo brand: a bathroom specialist's rewards, and a few redemptions."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from loyalty import codes
from loyalty.errors import InsufficientPoints
from loyalty.ledger import adjust, redeem
from loyalty.models import LedgerEntry, utcnow
from loyalty.policy import get_policy, save_policy
from loyalty.tables import table

REWARDS = [
    {
        "key": "onderhoudsset",
        "name": {"nl": "Onderhoudsset voor uw badkamer", "en": "Bathroom care kit"},
        "points": 30,
    },
    {
        "key": "kitwerk",
        "name": {"nl": "Kitvoegen vernieuwen aan huis", "en": "Resealing joints at home"},
        "points": 60,
    },
    {
        "key": "korting-50",
        "name": {"nl": "€ 50 korting op uw volgende bestelling", "en": "€50 off your next order"},
        "points": 120,
    },
]


# The shop's discount codes the demo uploads: customers redeem these two rewards on their own
# page; the care kit's pool is small, so the dashboard shows it running low.
CODE_POOLS = {"korting-50": ("BADKAMER50", 40), "onderhoudsset": ("ONDERHOUD", 6)}


def configure(brand_id: int, rng: random.Random | None = None) -> None:
    """The demo's rewards are cheap enough that a few customers can already redeem; two of
    them have voucher codes, so customers can redeem those themselves."""
    save_policy(brand_id, {"rewards": REWARDS})
    rng = rng or random.Random(0)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread at checkout
    for key, (prefix, count) in CODE_POOLS.items():
        made = {f"{prefix}-{''.join(rng.choices(alphabet, k=6))}" for _ in range(count)}
        codes.add(brand_id, key, sorted(made))


def add_redemptions(brand_id: int, rng: random.Random, count: int = 25) -> int:
    """Redeem rewards for some of the customers with the most points; returns how many."""
    balances = db.session.execute(
        select(
            LedgerEntry.customer_id,
            func.sum(LedgerEntry.points).label("points"),
            func.max(LedgerEntry.effective_at).label("latest"),
        )
        .where(LedgerEntry.brand_id == brand_id)
        .group_by(LedgerEntry.customer_id)
        .having(
            func.sum(LedgerEntry.points)
            >= min(r["points"] for r in get_policy(brand_id)["rewards"])
        )
        .order_by(func.sum(LedgerEntry.points).desc(), LedgerEntry.customer_id)
        .limit(count * 2)
    ).all()
    rewards = get_policy(brand_id)["rewards"]
    now = utcnow()
    done = 0
    for customer_id, points, latest in rng.sample(balances, min(count, len(balances))):
        affordable = [item for item in rewards if item["points"] <= points]
        item = rng.choice(affordable)
        # After the points it spends were earned: the customer's page lists by date, and a
        # redemption dated before them would show a balance below zero in between.
        since = min(max(latest, now - timedelta(days=20)), now)
        try:
            redeem(
                brand_id,
                customer_id,
                reward_key=item["key"],
                at=since + (now - since) * rng.random(),
            )
        except InsufficientPoints:
            continue
        done += 1
    # A goodwill gesture after a bad delivery: an adjustment with a reason, for three detractors.
    response, phase = table("response"), table("phase")
    unhappy = db.session.scalars(
        select(response.c.customer_id)
        .join(phase, phase.c.id == response.c.phase_id)
        .where(
            response.c.brand_id == brand_id,
            phase.c.key == "levering",
            response.c.nps <= 3,
            response.c.customer_id.is_not(None),
        )
        .distinct()
        .order_by(response.c.customer_id)
        .limit(3)
    ).all()
    for customer_id in unhappy:
        adjust(brand_id, customer_id, points=20, reason="Excuses voor de late levering")
    return done
