"""loyalty.reports.summary: the ledger's totals for a window, and over all time."""

from datetime import datetime, timedelta

from app.extensions import db
from loyalty import members, reports
from loyalty.models import LedgerEntry
from tests.loyalty.helpers import customer

DAY = datetime(2026, 3, 10, 12, 0)


def entry(brand, who, kind, points, when, number):
    db.session.add(
        LedgerEntry(
            brand_id=brand.id,
            customer_id=who.id,
            kind=kind,
            points=points,
            source_type="test",
            source_id=str(number),
            reason=kind,
            effective_at=when,
            created_at=when,
        )
    )
    members.note([(brand.id, who.id, when)])  # as every writer of the ledger does


def test_a_window_counts_its_movements_and_the_balance_at_its_end(db, brand):
    anna, ben = customer(brand, "anna"), customer(brand, "ben")
    entry(brand, anna, "earn", 100, DAY - timedelta(days=40), 1)  # before the window
    entry(brand, anna, "redeem", -30, DAY - timedelta(days=5), 2)
    entry(brand, ben, "earn", 50, DAY - timedelta(days=2), 3)
    entry(brand, ben, "clawback", -10, DAY - timedelta(days=1), 4)
    entry(brand, ben, "earn", 20, DAY + timedelta(days=3), 5)  # after the window
    db.session.commit()
    window = reports.summary(brand.id, DAY - timedelta(days=29), DAY)
    assert window == {
        "issued": 50,
        "redeemed": 30,
        "expired": 0,
        "clawed_back": 10,
        "adjusted": 0,
        "outstanding": 100 - 30 + 50 - 10,
        "members": 2,
    }
    # without a window: the loyalty package's all-time totals
    # all time: the same as a window around every entry
    assert reports.summary(brand.id) == reports.summary(
        brand.id, DAY - timedelta(days=400), DAY + timedelta(days=400)
    )
    assert reports.summary(brand.id)["issued"] == 170
