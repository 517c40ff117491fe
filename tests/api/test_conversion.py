"""Conversion and dwell rollups stay what counting every customer afresh gives, whatever
order events, value and persona changes and phase moves come in (services.conversion)."""

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ConversionRollup, DwellRollup, Journey
from app.services import brands, conversion, customers, journey_editor, journeys
from tests.conftest import JOURNEY

DAY = datetime(2026, 3, 2, 9, 0)


def _rollups(brand_id: int) -> dict:
    """Every non-zero conversion and dwell count, by key (zero rows mean nothing)."""
    found = {}
    for model, counters in (
        (ConversionRollup, ConversionRollup.COUNTERS),
        (DwellRollup, ("customers",)),
    ):
        for row in db.session.scalars(select(model).where(model.brand_id == brand_id)):
            key = (model.__tablename__, row.phase_id, row.day, row.persona_id)
            key += (row.bucket,) if model is DwellRollup else ()
            for name in counters:
                if round(getattr(row, name), 6):
                    found[(*key, name)] = round(getattr(row, name), 6)
    return found


def _recounted(brand, journey_id: int) -> dict:
    """The rollups as `recount` gives them from the first reaches, in a savepoint undone."""
    nested = db.session.begin_nested()
    conversion.recount(db.session.get(Journey, journey_id))
    db.session.flush()
    counted = _rollups(brand.id)
    nested.rollback()
    return counted


@pytest.mark.parametrize("seed", range(4))
def test_every_change_keeps_the_rollups_equal_to_a_recount(db, seed):
    rng = random.Random(seed)
    brand, _ = brands.create_brand(f"B{seed}", f"b{seed}", "nl")
    journey = journeys.create_journey(brand, JOURNEY)
    for key in ("jong", "senior"):
        journeys.create_persona(brand, {"key": key, "name": key})
    people = [f"k{n}" for n in range(6)]
    phases = [phase["key"] for phase in JOURNEY["phases"]]
    for step in range(40):
        what = rng.random()
        who = rng.choice(people)
        if what < 0.55:  # an event, often out of order or back-dated
            event = {
                "journey_id": journey.id,
                "customer": who,
                "phase": rng.choice(phases),
                "occurred_at": DAY + timedelta(hours=rng.randrange(0, 24 * 40)),
            }
            if rng.random() < 0.3:
                event["value"] = rng.choice([100, 2500])
            if rng.random() < 0.5:
                customers.record_event(brand, event)
            else:
                customers.record_events(brand, [event, {**event, "customer": rng.choice(people)}])
        elif what < 0.85:  # what the customer is worth, or who they are, changes
            data = {"external_id": who}
            if rng.random() < 0.6:
                data["value"] = rng.choice([None, 500, 9000])
            else:
                data["persona"] = rng.choice([None, "jong", "senior"])
            if rng.random() < 0.5:
                customers.upsert(brand, data)
            else:
                customers.upsert_many(brand, [data])
        else:  # a phase added between two others, or moved
            keys = [p.key for p in db.session.get(Journey, journey.id).phases]
            if len(keys) < 6 and rng.random() < 0.5:
                new = f"extra{step}"
                journey_editor.add_phase(
                    brand, journey.id, {"key": new, "name": new, "position": 2}
                )
                phases.append(new)
            else:
                key = rng.choice(keys)
                journey_editor.update_phase(
                    brand,
                    journey.id,
                    key,
                    {"name": key, "position": rng.randrange(1, len(keys) + 1)},
                )
        assert _rollups(brand.id) == _recounted(brand, journey.id), f"after step {step}"
    assert any(name == "converted" for *_, name in _rollups(brand.id))  # not vacuous


def test_value_weighted_conversion_follows_what_customers_are_worth_now(db):
    brand, _ = brands.create_brand("W", "w", "nl")
    journey = journeys.create_journey(brand, JOURNEY)
    customers.upsert(brand, {"external_id": "anna", "value": 1000})
    event = {"journey_id": journey.id, "customer": "anna", "phase": "orientatie"}
    customers.record_event(brand, {**event, "occurred_at": DAY})
    customers.upsert(brand, {"external_id": "anna", "value": 9000})  # the purchase raised it
    customers.record_event(brand, {**event, "phase": "aankoop", "occurred_at": DAY})
    first = journey.phases[0].id
    row = db.session.scalars(
        select(ConversionRollup).where(ConversionRollup.phase_id == first)
    ).one()
    assert (row.reached_value, row.converted_value) == (9000, 9000)


@pytest.mark.postgres
def test_an_event_waits_for_a_phase_move_and_counts_in_the_new_order(app, api, brand, journey):
    """The move holds the journey until its recount commits; an event read the old order
    meanwhile, and its conversion went to the phase that no longer came next."""
    from tests.conftest import Contenders, api_post

    customers.record_event(
        brand, {"journey_id": journey["id"], "customer": "c", "phase": "orientatie"}
    )
    event = {"journey_id": journey["id"], "customer": "c", "phase": "levering"}
    move = (  # what a move of "levering" before "aankoop" writes, held uncommitted
        "WITH held AS (SELECT id FROM journey WHERE id = :j FOR NO KEY UPDATE) "
        "UPDATE phase SET position = CASE key WHEN 'aankoop' THEN 3 ELSE 2 END "
        "WHERE journey_id IN (SELECT id FROM held) AND key IN ('aankoop', 'levering')"
    )
    with Contenders([api_post(app, api, "/api/v1/events", event)], move, {"j": journey["id"]}):
        pass
    db.session.expire_all()
    orientatie = db.session.get(Journey, journey["id"]).phases[0]
    converted = db.session.scalar(
        select(ConversionRollup.converted).where(ConversionRollup.phase_id == orientatie.id)
    )
    assert converted == 1  # orientatie -> levering, the order the event waited for
