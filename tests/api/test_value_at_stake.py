"""The value at stake comes from the unrounded conversion, not the to_next shown to 4 decimals."""

from app.services import journey_map
from tests.conftest import new_survey


def test_value_at_stake_uses_the_unrounded_drop_off(api, brand, journey):
    """3 customers of € 30,000 reach aankoop and 1 goes on: to_next shows 0.3333, but the
    drop-off is 2/3, so € 60,000.00 is at stake with every answer a detractor (the rounded
    rate would say € 60,003.00)."""
    url = f"/api/v1/journeys/{journey['id']}/phases/aankoop/touchpoints"
    touchpoint = api.post(url, json={"name": "Showroom", "channel": "onsite"}).json
    for number in (1, 2, 3):
        body = {"external_id": f"c{number}", "value": 30000}
        assert api.post("/api/v1/customers", json=body).status_code == 201
        event = {"customer": f"c{number}", "journey_id": journey["id"], "phase": "aankoop"}
        assert api.post("/api/v1/events", json=event).status_code == 201
    event = {"customer": "c1", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    survey = new_survey(
        api, journey["id"], "aankoop", [{"key": "nps", "type": "nps", "text": "Aanraden?"}]
    )
    body = {"survey_id": survey["id"], "answers": {"nps": 2}, "touchpoint": touchpoint["id"]}
    assert api.post("/api/v1/responses", json=body).status_code == 202

    phases = api.get(f"/api/v1/journeys/{journey['id']}/stats").json["phases"]
    aankoop = {phase["phase"]: phase for phase in phases}["aankoop"]
    assert aankoop["conversion"]["to_next"] == 0.3333  # shown rounded
    assert aankoop["conversion"]["reached_value"] == 90000.0
    assert aankoop["nps"]["detractors"] == aankoop["nps"]["n"] == 1
    assert aankoop["priority"]["value_at_stake"] == 60000.0
    assert "stake_basis" not in aankoop  # the unrounded figures stay inside

    shown = {phase["key"]: phase for phase in journey_map.build(brand, journey["id"], {})["phases"]}
    assert shown["aankoop"]["priority"]["value_at_stake"] == 60000.0
    assert [t["value_at_stake"] for t in shown["aankoop"]["touchpoints"]] == [60000.0]
