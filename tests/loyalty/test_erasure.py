"""Erasure and the ledger: nothing of the person stays in it, a returning customer earns like a
new one, and a removed review loses its bonus whoever removed it."""

import hashlib

import pytest
from sqlalchemy import select

import loyalty
from app.extensions import db
from app.models import Customer
from app.services import reviews
from loyalty import reports
from loyalty.models import LedgerEntry
from tests.loyalty import helpers
from tests.reviews.helpers import answer, published, review_of, set_policy

EMAIL = "c5@example.nl"


def add(api, external_id: str, email: str = EMAIL) -> None:
    reply = api.post("/api/v1/customers", json={"external_id": external_id, "email": email})
    assert reply.status_code == 201, reply.json


def earn(api, survey, external_id: str) -> int:
    return answer(api, survey, nps=6, text=helpers.HAPPY, consent=False, customer=external_id)


def test_erasure_keeps_no_hash_of_the_address_and_a_returning_customer_earns(api, survey):
    add(api, "c5")
    earn(api, survey, "c5")
    redeemed = api.post(
        "/api/v1/customers/c5/redemptions",
        json={"reward": "koffie", "points": 5},
        headers={"Idempotency-Key": "c5@example.nl-koffie"},
    )
    assert redeemed.status_code == 201, redeemed.json
    assert api.delete("/api/v1/customers/c5").status_code == 200
    db.session.expire_all()
    hashed = hashlib.sha256(EMAIL.encode()).hexdigest()[:32]
    kept = db.session.execute(select(LedgerEntry.id, LedgerEntry.source_id)).all()
    assert [row.source_id for row in kept] == [f"erased-{row.id}" for row in kept]
    assert not any(hashed in row.source_id or "c5" in row.source_id for row in kept)

    add(api, "c5")  # the same person, later: a new customer with nothing of the old one
    earn(api, survey, "c5")
    account = api.get("/api/v1/customers/c5/loyalty").json
    assert account["balance"] == 15
    assert [(e["reason"], e["points"]) for e in account["entries"]] == [
        ("text_bonus", 5),
        ("answered", 10),
    ]
    # Her old key is gone with her: another redemption may use it.
    again = api.post(
        "/api/v1/customers/c5/redemptions",
        json={"reward": "koffie", "points": 5},
        headers={"Idempotency-Key": "c5@example.nl-koffie"},
    )
    assert again.status_code == 201, again.json


@pytest.mark.parametrize("email", [EMAIL, None])
def test_a_replayed_award_for_the_erased_customer_earns_nothing(api, brand, survey, email):
    anna = helpers.customer(brand, "anna", email)
    row = helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)
    assert helpers.award(row) == 15
    anna_id = anna.id
    assert api.delete("/api/v1/customers/anna").status_code == 200
    # A job that ran before the erasure, delivered again with the ids it was given.
    replayed = loyalty.award_for_response(
        brand_id=brand.id,
        customer_id=anna_id,
        response_id=row.id,
        phase_id=row.phase_id,
        text_length=len(helpers.HAPPY),
        answered_at=row.created_at,
    )
    assert replayed == 0
    assert loyalty.balance(brand.id, anna_id) == 15
    assert db.session.query(LedgerEntry).count() == 2


def test_a_redemption_key_in_the_erased_namespace_is_refused(api, count_rows):
    add(api, "c5")
    api.post("/api/v1/customers/c5/adjustments", json={"points": 50, "reason": "welkom"})
    reply = api.post(
        "/api/v1/customers/c5/redemptions",
        json={"reward": "koffie", "points": 5},
        headers={"Idempotency-Key": "erased-1"},
    )
    assert reply.status_code == 422
    assert "Idempotency-Key" in reply.json["error"]["fields"]
    assert count_rows(LedgerEntry) == 1  # only the adjustment


def test_erasure_claws_back_a_review_bonus_as_a_moderators_removal_does(api, brand, survey):
    set_policy(brand)
    add(api, "c3", "c3@example.nl")
    add(api, "c5")
    spam = published(api, survey, brand, customer="c3", text="Snel geleverd en netjes gemonteerd.")
    erased = published(api, survey, brand, customer="c5", text="De douche lekt niet meer, top.")
    before = reports.summary(brand.id)
    reviews.moderate(brand, spam.id, "remove", "spam", actor="test@example.nl")
    after_moderation = reports.summary(brand.id)
    assert api.delete("/api/v1/customers/c5").status_code == 200
    after_erasure = reports.summary(brand.id)
    bonus = loyalty.get_policy(brand.id)["review_bonus"]
    # Each path takes back one bonus: the totals do not depend on which removed the review.
    for earlier, later in ((before, after_moderation), (after_moderation, after_erasure)):
        assert later["clawed_back"] - earlier["clawed_back"] == bonus
        assert earlier["outstanding"] - later["outstanding"] == bonus
    db.session.expire_all()
    assert review_of(erased.response_id).status == "removed"
    clawbacks = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == "clawback").order_by(LedgerEntry.id)
    ).all()
    assert [(e.review_id, e.points) for e in clawbacks] == [(spam.id, -bonus), (erased.id, -bonus)]
    tombstone = db.session.scalar(select(Customer).where(Customer.erased_at.is_not(None)))
    assert clawbacks[1].customer_id == tombstone.id and clawbacks[1].note is None
    # A later moderation cannot take it back twice.
    assert loyalty.clawback_review_bonus(brand_id=brand.id, review_id=erased.id, reason="x") == 0
