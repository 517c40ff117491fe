"""Once per person per phase survey, also when a customer's email changes (or is first given)."""

import pytest
from sqlalchemy import select

import loyalty
from app.extensions import db
from app.models import Response
from app.services import processing
from loyalty.models import LedgerEntry
from tests.conftest import SURVEY_QUESTIONS, new_survey
from tests.loyalty import helpers


def new_version(api, survey) -> dict:
    """After its first answer, new questions make a new version: the same survey family."""
    questions = [*SURVEY_QUESTIONS[:1], SURVEY_QUESTIONS[2]]
    reply = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": questions})
    assert reply.status_code == 200, reply.json
    assert reply.json["id"] != survey["id"]
    return reply.json


def answer(api, survey_id: int, customer: str) -> int:
    reply = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey_id,
            "answers": {"nps": 8, "why": helpers.HAPPY},
            "customer": customer,
        },
    )
    assert reply.status_code == 202, reply.json
    return reply.json["id"]


def reasons() -> list[tuple[str, int]]:
    return [
        (entry.reason, entry.points)
        for entry in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
    ]


def test_a_new_email_does_not_earn_the_same_phase_survey_again(api, brand, survey):
    customer = {"external_id": "c4", "email": "c4@example.nl"}
    assert api.post("/api/v1/customers", json=customer).status_code == 201
    answer(api, survey["id"], "c4")
    assert reasons() == [("answered", 10), ("text_bonus", 5)]
    changed = {"external_id": "c4", "email": "c4-new@example.nl"}
    assert api.post("/api/v1/customers", json=changed).status_code == 200
    again = answer(api, new_version(api, survey)["id"], "c4")
    db.session.expire_all()
    assert db.session.get(Response, again).status == "processed"
    # Nothing recorded, as for the same person answering again under the same address.
    assert reasons() == [("answered", 10), ("text_bonus", 5)]
    account = api.get("/api/v1/customers/c4/loyalty").json
    assert account["balance"] == 15


def test_an_email_given_after_earning_does_not_earn_again(brand, survey):
    anna = helpers.customer(brand, "anna")  # no email yet: she earns as this record
    assert helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)) == 15
    anna.email = "anna@example.nl"
    db.session.commit()
    assert helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)) == 0
    assert loyalty.balance(brand.id, anna.id) == 15


def test_the_batch_path_and_its_retries_award_the_customer_once(brand, survey):
    anna = helpers.customer(brand, "anna", "anna@example.nl")
    first = helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)
    assert processing.process_batch([first.id]) == [first.id]
    anna.email = "  Anna.Nieuw@Example.NL "
    db.session.commit()
    rows = [helpers.response(brand, survey["id"], anna, text=helpers.HAPPY) for _ in range(2)]
    ids = [row.id for row in rows]
    assert sorted(processing.process_batch(ids)) == ids
    assert processing.process_batch(ids) == []  # a retry finds nothing to do
    db.session.expire_all()
    assert [loyalty.points_for_response(brand.id, i) for i in [first.id, *ids]] == [15, 0, 0]
    assert loyalty.balance(brand.id, anna.id) == 15


def test_another_phase_survey_still_earns_after_an_email_change(api, brand, journey, survey):
    api.post("/api/v1/customers", json={"external_id": "c4", "email": "c4@example.nl"})
    answer(api, survey["id"], "c4")
    api.post("/api/v1/customers", json={"external_id": "c4", "email": "c4-new@example.nl"})
    other = new_survey(api, journey["id"], "aankoop")
    answer(api, other["id"], "c4")
    assert api.get("/api/v1/customers/c4/loyalty").json["balance"] == 30


@pytest.mark.parametrize("email", [None, "Piet@Example.nl"])
def test_two_records_of_one_person_still_earn_once(brand, survey, email):
    """The rule that already held: the same address across customer records earns once."""
    one = helpers.customer(brand, "one", email)
    two = helpers.customer(brand, "two", email and email.lower())
    assert helpers.award(helpers.response(brand, survey["id"], one)) == 10
    expected = 10 if email is None else 0  # without an address they are two people
    assert helpers.award(helpers.response(brand, survey["id"], two)) == expected
