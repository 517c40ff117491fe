"""Phases outside the funnel (service, returns): their own answers and reach, no conversion
and no drop-off, no "next phase" of the phase before them, and a value at stake of their own
(customer value reached × detractor share), through the API, the stats and the journey
document (docs/dashboard.md, "Phases outside the funnel")."""

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Journey, Phase
from app.services import brands, customers, journey_editor, journeys
from tests.api.test_conversion import _recounted, _rollups
from tests.api.test_priority_rules import nps_survey, post_answer, stats
from tests.conftest import JOURNEY

# k0…k9 worth €1,000…€10,000 reach orientatie and aankoop; k6…k9 go on to levering; k1, k2,
# k3 and k7 (€17,000 together) have a problem and reach the service phase.
VALUES = [1000 * (index + 1) for index in range(10)]
GOES_ON = {6, 7, 8, 9}
SERVICE = {1, 2, 3, 7}
SERVICE_PHASE = {"key": "service", "name": {"nl": "Klantenservice", "en": "Service"}}


def add_service(api, journey, position=None, in_funnel=False):
    body = {**SERVICE_PHASE, "in_funnel": in_funnel}
    if position is not None:
        body["position"] = position
    reply = api.post(f"/api/v1/journeys/{journey['id']}/phases", json=body)
    assert reply.status_code == 201, reply.json
    return reply.json


def reach_phases(api, journey):
    for index, value in enumerate(VALUES):
        body = {"external_id": f"k{index}", "value": value}
        assert api.post("/api/v1/customers", json=body).status_code == 201
        phases = ["orientatie", "aankoop"]
        phases += ["service"] if index in SERVICE else []
        phases += ["levering"] if index in GOES_ON else []
        for phase in phases:
            event = {"customer": f"k{index}", "journey_id": journey["id"], "phase": phase}
            assert api.post("/api/v1/events", json=event).status_code == 201


def conversion_of(figures, key):
    found = figures[key]["conversion"]
    return found["reached"], found["converted"], found["to_next"], found["value_weighted"]


def test_a_phase_is_in_the_funnel_unless_marked_outside(api, journey):
    assert all(phase["in_funnel"] is True for phase in journey["phases"])
    phase = add_service(api, journey)
    assert phase["in_funnel"] is False and phase["position"] == 4
    listed = api.get(f"/api/v1/journeys/{journey['id']}").json
    assert [(p["key"], p["in_funnel"]) for p in listed["phases"]] == [
        ("orientatie", True),
        ("aankoop", True),
        ("levering", True),
        ("service", False),
    ]
    body = {**JOURNEY, "name": "Met service", "phases": [*JOURNEY["phases"], SERVICE_PHASE]}
    body["phases"][-1] = {**SERVICE_PHASE, "in_funnel": False}
    made = api.post("/api/v1/journeys", json=body).json
    assert [p["in_funnel"] for p in made["phases"]] == [True, True, True, False]


@pytest.mark.parametrize("middle", [True, False], ids=["service-in-the-middle", "at-the-end"])
def test_conversion_runs_from_funnel_phase_to_funnel_phase(api, journey, middle):
    add_service(api, journey, position=3 if middle else None)
    reach_phases(api, journey)
    figures = stats(api, journey)
    assert [p["phase"] for p in figures.values()] == (
        ["orientatie", "aankoop", "service", "levering"]
        if middle
        else ["orientatie", "aankoop", "levering", "service"]
    )
    # By hand: all 10 went on from orientatie to aankoop (€55k of €55k).
    assert conversion_of(figures, "orientatie") == (10, 10, 1.0, 1.0)
    # aankoop: only k6…k9 reached levering, the next phase of the funnel: 4 of 10, €34k of
    # €55k. Reaching the service phase is no going on (it would read 7 of 10, 70 %).
    assert conversion_of(figures, "aankoop") == (10, 4, 0.4, round(34000 / 55000, 4))
    # service: its own reach (k1, k2, k3, k7: €17k), no conversion of its own
    assert conversion_of(figures, "service") == (4, 0, None, None)
    assert figures["service"]["conversion"]["reached_value"] == 17000
    assert figures["service"]["conversion"]["mean_days_to_next"] is None
    assert figures["service"]["in_funnel"] is False
    # levering is the funnel's last phase either way
    assert conversion_of(figures, "levering") == (4, 0, None, None)
    assert "last phase" in figures["levering"]["priority"]["reason"]
    assert "drop-off" not in figures["service"]["priority"]["reason"]


def test_marking_a_phase_with_history_counts_conversion_again(api, brand, journey):
    add_service(api, journey, position=3, in_funnel=True)
    reach_phases(api, journey)
    as_step = stats(api, journey)
    # As a step of the funnel the service phase swallows aankoop's customers: 7 of 10 "went
    # on" (k1, k2, k3 to service; k6…k9 to levering), and 1 of the 4 there went on (k7).
    assert conversion_of(as_step, "aankoop")[:3] == (10, 7, 0.7)
    assert conversion_of(as_step, "service")[:3] == (4, 1, 0.25)

    url = f"/api/v1/journeys/{journey['id']}/phases/service"
    reply = api.patch(url, json={"in_funnel": False})
    assert reply.status_code == 200, reply.json
    assert reply.json["in_funnel"] is False and reply.json["name"] == SERVICE_PHASE["name"]
    apart = stats(api, journey)
    assert conversion_of(apart, "aankoop")[:3] == (10, 4, 0.4)
    assert conversion_of(apart, "service")[:3] == (4, 0, None)
    assert _rollups(brand.id) == _recounted(brand, journey["id"])

    assert api.patch(url, json={"in_funnel": True}).status_code == 200
    assert conversion_of(stats(api, journey), "aankoop")[:3] == (10, 7, 0.7)


@pytest.mark.parametrize("seed", range(3))
def test_events_and_flips_keep_the_rollups_equal_to_a_recount(db, seed):
    """Whatever order events and changes of the flag come in, the rollups are what counting
    every customer afresh in the journey's funnel gives."""
    rng = random.Random(seed)
    brand, _ = brands.create_brand(f"F{seed}", f"f{seed}", "nl")
    body = {**JOURNEY, "phases": [*JOURNEY["phases"], {**SERVICE_PHASE, "position": 2}]}
    journey = journeys.create_journey(brand, body)
    keys = [phase.key for phase in journey.phases]
    start = datetime(2026, 3, 2, 9, 0)
    went_on = outside = False
    for step in range(30):
        if rng.random() < 0.75:
            event = {
                "journey_id": journey.id,
                "customer": f"k{rng.randrange(5)}",
                "phase": rng.choice(keys),
                "occurred_at": start + timedelta(hours=rng.randrange(0, 24 * 30)),
                "value": rng.choice([100, 2500]),
            }
            customers.record_event(brand, event)
        else:
            key = rng.choice(keys)
            phase = db.session.get(Journey, journey.id).phase(key)
            journey_editor.update_phase(
                brand, journey.id, key, {"in_funnel": not phase.in_funnel}, partial=True
            )
        counted = _rollups(brand.id)
        assert counted == _recounted(brand, journey.id), f"after step {step}"
        went_on |= any(name == "converted" for *_, name in counted)
        outside |= not all(phase.in_funnel for phase in db.session.get(Journey, journey.id).phases)
    assert went_on and outside  # not vacuous


def test_what_to_fix_first_ranks_a_service_phase_by_value_reached_and_detractors(api, journey):
    add_service(api, journey, position=3)
    reach_phases(api, journey)
    aankoop = nps_survey(api, journey, "aankoop")
    for score in [2] * 10 + [9] * 30:  # 10 detractors of 40
        post_answer(api, aankoop, score)
    service = nps_survey(api, journey, "service")
    for score in [1] * 24 + [10] * 16:  # 24 detractors of 40
        post_answer(api, service, score)
    figures = stats(api, journey)
    # funnel phase, unchanged rule: drop-off 60 % × €55k × 10/40 = €8,250
    assert figures["aankoop"]["priority"]["value_at_stake"] == pytest.approx(0.6 * 55000 * 0.25)
    # outside the funnel: €17k reached it × 24/40 detractors = €10,200, no drop-off to weigh
    assert figures["service"]["priority"]["value_at_stake"] == pytest.approx(17000 * 0.6)
    assert figures["service"]["priority"]["rank"] == 1
    assert figures["aankoop"]["priority"]["rank"] == 2
    assert figures["service"]["priority"]["reason"] == (
        "Klantenservice: outside the funnel, €17.0k of customer value reached it, 60% detractors"
    )
    assert figures["aankoop"]["priority"]["reason"] == (
        "Aankoop: 60% drop-off, €55.0k of customer value, 25% detractors"
    )

    # too few answers: shown, not ranked, as for a funnel phase
    api.patch(f"/api/v1/journeys/{journey['id']}/phases/service", json={"in_funnel": False})
    other = api.post(
        "/api/v1/journeys",
        json={"name": "Klein", "phases": [{**SERVICE_PHASE, "in_funnel": False}]},
    ).json
    assert stats(api, other)["service"]["priority"]["rank"] is None


def _phase_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Phase))


@pytest.mark.parametrize("bad", ["false", 0, 1, "no", None, [], {}])
def test_a_flag_that_is_not_true_or_false_is_a_422_and_stores_nothing(api, journey, bad):
    add_service(api, journey)
    before = _phase_rows()
    url = f"/api/v1/journeys/{journey['id']}/phases"
    reply = api.post(url, json={"key": "retour", "name": "Retour", "in_funnel": bad})
    assert reply.status_code == 422
    assert reply.json["error"]["code"] == "validation_error"
    assert "in_funnel" in reply.json["error"]["fields"]
    reply = api.patch(f"{url}/service", json={"in_funnel": bad, "name": "Anders"})
    assert reply.status_code == 422
    assert "in_funnel" in reply.json["error"]["fields"]
    phase = api.get(f"/api/v1/journeys/{journey['id']}").json["phases"][-1]
    assert (phase["name"], phase["in_funnel"]) == (SERVICE_PHASE["name"], False)
    body = {"name": "Fout", "phases": [{**SERVICE_PHASE, "in_funnel": bad}]}
    reply = api.post("/api/v1/journeys", json=body)
    assert reply.status_code == 422
    assert "phases.0.in_funnel" in reply.json["error"]["fields"]
    assert _phase_rows() == before


def test_another_brands_phase_is_a_404(api, journey, other_brand):
    theirs = other_brand["journey_id"]
    reply = api.patch(f"/api/v1/journeys/{theirs}/phases/levering", json={"in_funnel": False})
    assert reply.status_code == 404
    reply = api.post(f"/api/v1/journeys/{theirs}/phases", json=SERVICE_PHASE)
    assert reply.status_code == 404
    phase = db.session.scalar(
        select(Phase).where(Phase.journey_id == theirs, Phase.key == "levering")
    )
    assert phase.in_funnel is True
    reply = api.patch(f"/api/v1/journeys/{journey['id']}/phases/nope", json={"in_funnel": False})
    assert reply.status_code == 404


def test_a_patch_changes_only_what_it_names(api, journey):
    url = f"/api/v1/journeys/{journey['id']}/phases/orientatie"
    reply = api.patch(url, json={"in_funnel": False})
    assert reply.status_code == 200, reply.json
    assert reply.json["hypothesis"] == JOURNEY["phases"][0]["hypothesis"]
    assert reply.json["name"] == JOURNEY["phases"][0]["name"]
    assert reply.json["position"] == 1
    reply = api.patch(url, json={"expected_days": 12})
    assert (reply.json["expected_days"], reply.json["in_funnel"]) == (12, False)


def test_the_journey_document_keeps_the_flag(api, journey):
    add_service(api, journey, position=2)
    document = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    assert [(p["key"], p["in_funnel"]) for p in document["journey"]["phases"]] == [
        ("orientatie", True),
        ("service", False),
        ("aankoop", True),
        ("levering", True),
    ]
    copy = api.post("/api/v1/journeys/import", json=document)
    assert copy.status_code == 201, copy.json
    assert [p["in_funnel"] for p in copy.json["journey"]["phases"]] == [True, False, True, True]
    again = api.get(f"/api/v1/journeys/{copy.json['journey']['id']}/export").json
    assert again["journey"]["phases"] == document["journey"]["phases"]

    older = {**document, "journey": {**document["journey"], "name": "Ouder"}}
    older["journey"]["phases"] = [
        {k: v for k, v in p.items() if k != "in_funnel"} for p in document["journey"]["phases"]
    ]
    made = api.post("/api/v1/journeys/import", json=older).json  # a document from before
    assert all(p["in_funnel"] for p in made["journey"]["phases"])

    before = db.session.scalar(select(func.count()).select_from(Journey))
    broken = {**document, "journey": {**document["journey"], "name": "Kapot"}}
    broken["journey"]["phases"] = [{**p, "in_funnel": "nee"} for p in document["journey"]["phases"]]
    reply = api.post("/api/v1/journeys/import", json=broken)
    assert reply.status_code == 422
    assert "journey.phases.1.in_funnel" in reply.json["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Journey)) == before
