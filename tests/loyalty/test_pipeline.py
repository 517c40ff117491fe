"""The pipeline step: awards inside the batch, once, whatever runs twice."""

from sqlalchemy import select

import loyalty
from app.extensions import db
from app.models import Response
from app.pipeline import jobs
from app.services import processing
from loyalty.models import LedgerEntry
from tests.loyalty import helpers


def test_the_batch_awards_identified_answers_once(app, brand, survey):
    anna, bob = helpers.customer(brand, "anna"), helpers.customer(brand, "bob")
    rows = [
        helpers.response(brand, survey["id"], anna, nps=0, text=helpers.ANGRY),
        helpers.response(brand, survey["id"], anna, nps=10, channel="widget"),  # same survey
        helpers.response(brand, survey["id"], bob, nps=10, text=helpers.HAPPY),
        helpers.response(brand, survey["id"], None, nps=10, text=helpers.HAPPY),
    ]
    ids = [row.id for row in rows]
    assert sorted(processing.process_batch(ids)) == ids
    # Running the job again (at-least-once delivery) changes nothing.
    assert jobs.process_responses(ids) == 0
    assert processing.process_batch(ids) == []
    db.session.expire_all()
    points = [loyalty.points_for_response(brand.id, i) for i in ids]
    assert points == [15, 0, 15, 0]
    assert [db.session.get(Response, i).incentivized for i in ids] == [True, False, True, False]
    assert loyalty.balance(brand.id, anna.id) == loyalty.balance(brand.id, bob.id) == 15
    assert db.session.query(LedgerEntry).count() == 4


def test_an_award_after_processing_finds_the_entry(api, brand, survey):
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "answers": {"nps": 8}, "customer": "k"},
    )
    row = db.session.get(Response, reply.json["id"])
    assert row.status == "processed"
    assert helpers.award(row) == 0
    assert db.session.scalars(select(LedgerEntry.reason)).all() == ["answered"]
