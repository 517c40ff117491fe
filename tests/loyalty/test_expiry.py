"""Expiry: visible `expire` entries, oldest points first, idempotent; and its CLI."""

from datetime import datetime

from sqlalchemy import select, update

import loyalty
from app.extensions import db
from loyalty import expiry
from loyalty.models import LedgerEntry
from tests.loyalty import helpers


def kinds(customer) -> list[tuple[str, int]]:
    return [
        (entry.kind, entry.points)
        for entry in db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.customer_id == customer.id)
            .order_by(LedgerEntry.id)
        )
    ]


def test_points_older_than_the_policy_expire_after_spending_oldest_first(brand):
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(brand.id, anna.id, points=100, reason="oud", at=datetime(2025, 1, 10))
    loyalty.redeem(brand.id, anna.id, reward_key="koffie", points=30, at=datetime(2025, 6, 1))
    loyalty.adjust(brand.id, anna.id, points=40, reason="recent", at=datetime(2025, 11, 1))
    db.session.commit()

    # 12 months before 1 March 2026: the 100 of January 2025 are old; 30 of them were spent.
    assert expiry.run(as_of=datetime(2026, 3, 1)) == {"customers": 1, "points": 70}
    assert kinds(anna)[-1] == ("expire", -70)
    expired = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "expire"))
    assert expired.note == "earned on or before 2025-02-28"  # whole days, none early
    assert loyalty.balance(brand.id, anna.id) == 40 == sum(points for _, points in kinds(anna))

    # Idempotent: again today, or tomorrow, nothing new expires.
    assert expiry.run(as_of=datetime(2026, 3, 1, 12)) == {"customers": 0, "points": 0}
    assert expiry.run(as_of=datetime(2026, 3, 2)) == {"customers": 0, "points": 0}
    assert len(kinds(anna)) == 4

    # Later the November points lapse as well.
    assert expiry.run(as_of=datetime(2026, 11, 2)) == {"customers": 1, "points": 40}
    assert loyalty.balance(brand.id, anna.id) == 0


def test_a_clawback_cancels_its_old_bonus_instead_of_spending_other_points(brand):
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(brand.id, anna.id, points=100, reason="oud", at=datetime(2025, 1, 10))
    loyalty.award_review_bonus(brand_id=brand.id, customer_id=anna.id, review_id=5)
    db.session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.reason == "review_published")
        .values(effective_at=datetime(2025, 1, 12))
    )
    loyalty.clawback_review_bonus(brand_id=brand.id, review_id=5, reason="not_a_customer")
    loyalty.adjust(brand.id, anna.id, points=10, reason="recent", at=datetime(2026, 2, 1))
    db.session.commit()
    assert expiry.run(as_of=datetime(2026, 3, 1))["points"] == 100
    assert loyalty.balance(brand.id, anna.id) == 10


def test_nothing_expires_when_the_policy_says_never(brand):
    loyalty.save_policy(brand.id, {"expiry_months": None})
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(brand.id, anna.id, points=100, reason="oud", at=datetime(2020, 1, 1))
    db.session.commit()
    assert expiry.plan(datetime(2026, 3, 1)) == []


def test_expiry_is_per_brand(brand, other_brand):
    anna = helpers.customer(brand, "anna")
    theirs = helpers.customer(other_brand["brand"], "anna")
    loyalty.save_policy(other_brand["brand"].id, {"expiry_months": 36})
    for who, brand_id in ((anna, brand.id), (theirs, other_brand["brand"].id)):
        loyalty.adjust(brand_id, who.id, points=50, reason="oud", at=datetime(2024, 6, 1))
    db.session.commit()
    assert expiry.run(as_of=datetime(2026, 3, 1)) == {"customers": 1, "points": 50}
    assert loyalty.balance(brand.id, anna.id) == 0
    assert loyalty.balance(other_brand["brand"].id, theirs.id) == 50


def test_months_before_keeps_the_end_of_the_month():
    assert expiry.months_before(datetime(2026, 3, 31), 1) == datetime(2026, 2, 28)
    assert expiry.months_before(datetime(2026, 1, 15), 12) == datetime(2025, 1, 15)
    assert expiry.months_before(datetime(2026, 1, 15), 13) == datetime(2024, 12, 15)


def test_cli_expire_shows_progress_and_is_idempotent(app, brand):
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(brand.id, anna.id, points=60, reason="oud", at=datetime(2025, 1, 10))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["loyalty", "expire", "--as-of", "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert "expiring points" in result.output
    assert "expired 60 points of 1 customers" in result.output
    again = runner.invoke(args=["loyalty", "expire", "--as-of", "2026-03-01"])
    assert again.exit_code == 0
    assert "nothing to expire" in again.output
    db.session.expire_all()
    assert loyalty.balance(brand.id, anna.id) == 0
    unknown = runner.invoke(args=["loyalty", "expire", "--brand", "nope"])
    assert unknown.exit_code != 0
    assert "no brand with the slug" in unknown.output


def test_cli_link_prints_the_customer_page(app, client, brand):
    helpers.customer(brand, "anna")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["loyalty", "link", "--brand", brand.slug, "--external-id", "anna"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith(app.config["PUBLIC_URL"] + "/loyalty/")
    page = client.get(url.removeprefix(app.config["PUBLIC_URL"]))
    assert page.status_code == 200
    missing = runner.invoke(args=["loyalty", "link", "--brand", brand.slug, "--external-id", "x"])
    assert missing.exit_code != 0


def test_the_note_names_whole_days_and_no_point_expires_early(brand):
    """A run at 03:15 took points earned before 03:15 on the day its note named, and left the
    rest of that day's points under a note that said "on or before" it."""
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(brand.id, anna.id, points=5, reason="vroeg", at=datetime(2026, 1, 1, 1, 0))
    loyalty.adjust(brand.id, anna.id, points=7, reason="laat", at=datetime(2026, 1, 1, 10, 0))
    db.session.commit()
    # 12 months later to the minute: neither is a whole 12 months old at the end of its day
    assert expiry.run(as_of=datetime(2027, 1, 1, 3, 15)) == {"customers": 0, "points": 0}
    assert expiry.run(as_of=datetime(2027, 1, 2, 3, 15)) == {"customers": 1, "points": 12}
    expired = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "expire"))
    assert expired.note == "earned on or before 2026-01-01"


def test_the_cutoff_is_the_brands_day(brand):
    """Points earned at 00:30 on 1 March in Amsterdam are dated 1 March on the customer's
    page: a note "earned on or before 2025-02-28" must not take them (a UTC day did: it was
    still 28 February there)."""
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(
        brand.id, anna.id, points=5, reason="28 februari", at=datetime(2025, 2, 27, 23, 30)
    )
    loyalty.adjust(brand.id, anna.id, points=7, reason="1 maart", at=datetime(2025, 2, 28, 23, 30))
    db.session.commit()
    assert expiry.run(as_of=datetime(2026, 3, 1, 3)) == {"customers": 1, "points": 5}
    expired = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "expire"))
    assert expired.note == "earned on or before 2025-02-28"
    assert loyalty.balance(brand.id, anna.id) == 7


def test_the_cutoff_of_a_brand_west_of_utc(brand):
    brand.time_zone = "America/New_York"  # UTC-5 in winter
    anna = helpers.customer(brand, "anna")
    # 27 February at 22:00 in New York, and 28 February at 20:00 there
    loyalty.adjust(brand.id, anna.id, points=5, reason="27", at=datetime(2025, 2, 28, 3, 0))
    loyalty.adjust(brand.id, anna.id, points=7, reason="28", at=datetime(2025, 3, 1, 1, 0))
    db.session.commit()
    # 1 March 2026 at 02:00 UTC is still 28 February in New York: the 27th's points lapse
    assert expiry.run(as_of=datetime(2026, 3, 1, 2)) == {"customers": 1, "points": 5}
    # at 06:00 UTC it is 1 March there: the 28th's lapse too (in UTC they were on 1 March)
    assert expiry.run(as_of=datetime(2026, 3, 1, 6)) == {"customers": 1, "points": 7}
    notes = db.session.scalars(
        select(LedgerEntry.note).where(LedgerEntry.kind == "expire").order_by(LedgerEntry.id)
    ).all()
    assert notes == ["earned on or before 2025-02-27", "earned on or before 2025-02-28"]
