"""What the dashboard reads: points per phase, programme vs. others, top rewards, CSV."""

import csv
import io
from datetime import datetime, timedelta

import loyalty
from app.extensions import db
from app.services import customers, surveys
from loyalty import reports
from tests.loyalty import helpers


def test_points_per_phase_in_journey_order(brand, survey, journey):
    first = surveys.create_survey(
        brand,
        {
            "journey_id": journey["id"],
            "phase": "orientatie",
            "locale": "nl",
            "questions": [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk…?"}],
        },
    )
    anna, bob = helpers.customer(brand, "anna"), helpers.customer(brand, "bob")
    helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
    helpers.award(helpers.response(brand, survey["id"], bob))
    helpers.award(helpers.response(brand, first.id, anna))
    rows = reports.points_per_phase(brand.id)
    assert [(r["phase"], r["points"], r["customers"]) for r in rows] == [
        ("orientatie", 10, 1),
        ("levering", 25, 2),
    ]


def test_response_rates_of_programme_members_and_others(brand, survey, journey):
    start = datetime(2026, 2, 1, 10)
    orientation = surveys.create_survey(
        brand,
        {
            "journey_id": journey["id"],
            "phase": "orientatie",
            "locale": "nl",
            "questions": [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk…?"}],
        },
    )
    purchase = surveys.create_survey(
        brand,
        {
            "journey_id": journey["id"],
            "phase": "aankoop",
            "locale": "nl",
            "questions": [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk…?"}],
        },
    )

    def reach(who: str, phase: str, when: datetime) -> None:
        customers.record_event(
            brand,
            {"customer": who, "journey_id": journey["id"], "phase": phase, "occurred_at": when},
        )

    def answer(who: str, survey_id: int, when: datetime) -> None:
        row = customers.find(brand, who)
        helpers.award(helpers.response(brand, survey_id, row, created_at=when))

    # Anna earns in orientation, then reaches purchase as a member and answers there too.
    reach("anna", "orientatie", start)
    answer("anna", orientation.id, start + timedelta(hours=1))
    reach("anna", "aankoop", start + timedelta(days=1))
    answer("anna", purchase.id, start + timedelta(days=1, hours=2))
    # Bob never earned: he reaches purchase and does not answer.
    reach("bob", "aankoop", start + timedelta(days=1))
    # Carla answers orientation: her first points come after the reach, so she counts as other.
    reach("carla", "orientatie", start)
    answer("carla", orientation.id, start + timedelta(hours=3))

    rates = reports.response_rates(brand.id)
    assert rates["programme"] == {"reached": 1, "answered": 1, "rate": 1.0}
    assert rates["others"] == {"reached": 3, "answered": 2, "rate": 0.6667}
    assert rates["lift"] == 0.3333
    empty = reports.response_rates(brand.id, since=datetime(2027, 1, 1))
    assert empty["programme"]["rate"] is None and empty["lift"] is None


def test_top_rewards_and_summary(brand):
    anna, bob = helpers.customer(brand, "anna"), helpers.customer(brand, "bob")
    for who in (anna, bob):
        loyalty.adjust(brand.id, who.id, points=1000, reason="start")
    loyalty.redeem(brand.id, anna.id, reward_key="voucher-5")
    loyalty.redeem(brand.id, bob.id, reward_key="voucher-5")
    loyalty.redeem(brand.id, bob.id, reward_key="gift")
    db.session.commit()
    top = reports.top_rewards(brand.id, locale="nl")
    assert top == [
        {"reward": "voucher-5", "name": "Tegoedbon van € 5", "redemptions": 2, "points": 200},
        {"reward": "gift", "name": "Verrassingscadeau", "redemptions": 1, "points": 500},
    ]
    assert reports.summary(brand.id) == {
        "issued": 0,
        "redeemed": 700,
        "expired": 0,
        "clawed_back": 0,
        "adjusted": 2000,
        "outstanding": 1300,
        "members": 2,
    }


def test_ledger_csv_streams_every_entry_and_defuses_formulas(brand, other_brand):
    anna = helpers.customer(brand, "+31612345678")
    loyalty.adjust(brand.id, anna.id, points=10, reason='=HYPERLINK("http://evil")')
    loyalty.redeem(brand.id, anna.id, reward_key="koffie", points=4)
    theirs = helpers.customer(other_brand["brand"], "someone")
    loyalty.adjust(other_brand["brand"].id, theirs.id, points=5, reason="not ours")
    db.session.commit()
    text = "".join(reports.ledger_csv(brand.id, chunk=1))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["kind"] for row in rows] == ["adjust", "redeem"]
    assert rows[0]["reason"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["customer"] == "'+31612345678"
    assert rows[1]["points"] == "-4"
    assert "not ours" not in text


def test_the_ledger_csv_holds_no_transaction_between_chunks(brand):
    """A slow download must not keep a connection idle in transaction (the export's cursor is
    the last id, each chunk a read of its own)."""
    anna = helpers.customer(brand, "anna")
    for points in (1, 2, 3):
        loyalty.adjust(brand.id, anna.id, points=points, reason="test")
    db.session.commit()
    chunks = reports.ledger_csv(brand.id, chunk=1)
    lines = [next(chunks)]  # the header
    for text in chunks:
        assert not db.session().in_transaction()
        lines.append(text)
    assert len(lines) == 4  # the header, then a chunk per entry
