"""Journeys, phases, touchpoints and personas through the API."""

import pytest

from app.extensions import db
from app.models import Journey, Persona, Phase, Touchpoint
from tests.channels.helpers import assert_error
from tests.conftest import JOURNEY, Contenders, api_post


def test_create_journey_keeps_phase_order_and_hypotheses(api, journey):
    assert [phase["key"] for phase in journey["phases"]] == ["orientatie", "aankoop", "levering"]
    assert [phase["position"] for phase in journey["phases"]] == [1, 2, 3]
    assert journey["phases"][0]["hypothesis"] == {"nps": 40, "csat": 4.2, "conversion": 0.6}
    # a plain string name is stored under the brand's default locale
    assert journey["phases"][1]["name"] == {"nl": "Aankoop"}
    listed = api.get("/api/v1/journeys").json["items"]
    assert [item["id"] for item in listed] == [journey["id"]]


@pytest.mark.parametrize("name", ["Badkamer", "  badkamer ", "BADKAMER"])
def test_a_second_journey_of_a_name_is_409_and_stores_nothing(api, journey, count_rows, name):
    error = assert_error(api.post("/api/v1/journeys", json={**JOURNEY, "name": name}), 409)
    assert error["fields"] == {"name": ["another journey of the brand has this name"]}
    assert count_rows(Journey) == 1 and count_rows(Phase) == 3


def test_another_brand_may_use_the_name(journey, other_brand):
    assert db.session.get(Journey, other_brand["journey_id"]).name == journey["name"]


def test_explicit_positions_order_the_phases(api):
    body = {
        "name": "J",
        "phases": [
            {"key": "b", "name": "B", "position": 2},
            {"key": "a", "name": "A", "position": 1},
        ],
    }
    created = api.post("/api/v1/journeys", json=body).json
    assert [phase["key"] for phase in created["phases"]] == ["a", "b"]


def test_touchpoints_and_personas(api, journey):
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    created = api.post(url, json={"name": "Montageploeg", "channel": "onsite"})
    assert created.status_code == 201
    assert created.json["phase"] == "levering"
    assert api.post(url, json={"name": "Montageploeg", "channel": "onsite"}).status_code == 409
    fetched = api.get(f"/api/v1/journeys/{journey['id']}").json
    assert fetched["phases"][2]["touchpoints"][0]["name"] == "Montageploeg"
    persona = api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"})
    assert persona.status_code == 201
    assert api.post("/api/v1/personas", json={"key": "senioren", "name": "X"}).status_code == 409


def test_bad_journeys_are_422_and_store_nothing(api, count_rows):
    bad_bodies = [
        {},
        {"name": "J"},
        {"name": "J", "phases": []},
        {"name": "J", "phases": [{"key": "Bad Key!", "name": "x"}]},
        {"name": "J", "phases": [{"key": "a", "name": ""}]},
        {"name": "J", "phases": [{"key": "a", "name": {"de": "x"}}]},
        {"name": "J", "phases": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]},
        {"name": "J", "phases": [{"key": "a", "name": "A", "hypothesis": {"nps": 101}}]},
        {"name": "J", "phases": [{"key": "a", "name": "A"}], "extra": 1},
        {"name": "x" * 121, "phases": [{"key": "a", "name": "A"}]},
    ]
    for body in bad_bodies:
        response = api.post("/api/v1/journeys", json=body)
        assert response.status_code == 422, body
        assert response.json["error"]["code"] == "validation_error"
        assert response.json["error"]["fields"], body
    assert count_rows(Journey) == count_rows(Phase) == 0


def test_unknown_phase_for_touchpoint_is_404(api, journey, count_rows):
    url = f"/api/v1/journeys/{journey['id']}/phases/nope/touchpoints"
    assert api.post(url, json={"name": "x", "channel": "web"}).status_code == 404
    bad = api.post(
        f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints",
        json={"name": "x", "channel": "pigeon"},
    )
    assert bad.status_code == 422
    assert "channel" in bad.json["error"]["fields"]
    assert count_rows(Touchpoint) == 0


def test_another_brands_journey_is_404(api, other_brand, client):
    assert api.get(f"/api/v1/journeys/{other_brand['journey_id']}").status_code == 404
    assert api.get(f"/api/v1/journeys/{other_brand['journey_id']}/stats").status_code == 404
    url = f"/api/v1/journeys/{other_brand['journey_id']}/phases/levering/touchpoints"
    assert api.post(url, json={"name": "x", "channel": "web"}).status_code == 404
    listed = api.get("/api/v1/journeys").json["items"]
    assert listed == []


def test_personas_are_per_brand(api, other_brand, count_rows):
    from tests.conftest import ApiClient

    assert api.post("/api/v1/personas", json={"key": "p", "name": "P"}).status_code == 201
    theirs = ApiClient(api.client, other_brand["key"])
    assert theirs.post("/api/v1/personas", json={"key": "p", "name": "P"}).status_code == 201
    assert [p["key"] for p in theirs.get("/api/v1/personas").json["items"]] == ["p"]
    assert count_rows(Persona) == 2


def test_journey_fixture_shape_is_the_contract(journey):
    assert set(journey) >= {"id", "name", "phases"}
    assert set(journey["phases"][0]) >= {"id", "key", "name", "position", "hypothesis"}
    assert len(journey["phases"]) == len(JOURNEY["phases"])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/journeys", {"name": "J\x0bb", "phases": [{"key": "a", "name": "A"}]}, "name"),
        (
            "/api/v1/journeys",
            {"name": "J", "phases": [{"key": "a\n", "name": "A"}]},
            "phases.0.key",
        ),
        ("/api/v1/personas", {"key": "p", "name": "Sen\x1bioren"}, "name"),
        ("/api/v1/personas", {"key": "p", "name": "P", "description": "a\x07b"}, "description"),
    ],
)
def test_names_and_keys_with_control_characters_are_422(api, count_rows, path, body, field):
    """A key's `$` let "a\\n" through; a name is shown in pages, feeds and emails."""
    response = api.post(path, json=body)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert count_rows(Journey) == count_rows(Persona) == 0


def test_a_persona_description_may_run_over_lines(api):
    body = {"key": "p", "name": "P", "description": "Eerste regel\nTweede\tregel"}
    assert api.post("/api/v1/personas", json=body).status_code == 201


def _post_twice_at_once(app, api, url, body, held, row_id):
    """Two equal POSTs that wait together on their parent row (`held` locks it), then race
    for the same name: (status, body) of each, the lower status first."""
    with Contenders([api_post(app, api, url, body)] * 2, held, {"id": row_id}) as race:
        pass
    return sorted(((reply.status_code, reply.json) for reply in race.replies), key=lambda r: r[0])


@pytest.mark.postgres
def test_the_same_touchpoint_twice_at_once_is_one_201_and_the_409_of_a_duplicate(
    app, api, journey, count_rows
):
    """Both passed the name check before either inserted: the second INSERT was a 500."""
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    body = {"name": "Showroom Utrecht", "channel": "store"}
    phase_id = next(phase["id"] for phase in journey["phases"] if phase["key"] == "levering")
    db.session.commit()
    held = "SELECT id FROM phase WHERE id = :id FOR UPDATE"
    (created, _), refused = _post_twice_at_once(app, api, url, body, held, phase_id)
    assert created == 201
    later = api.post(url, json=body)
    assert refused == (409, later.json) and later.status_code == 409
    assert count_rows(Touchpoint) == 1


@pytest.mark.postgres
def test_the_same_persona_twice_at_once_is_one_201_and_the_409_of_a_duplicate(
    app, api, brand, count_rows
):
    """Both passed the key check before either inserted: the second INSERT was a 500."""
    body = {"key": "verbouwer", "name": "Verbouwer"}
    brand_id = brand.id
    db.session.commit()
    held = "SELECT id FROM brand WHERE id = :id FOR UPDATE"
    (created, _), refused = _post_twice_at_once(app, api, "/api/v1/personas", body, held, brand_id)
    assert created == 201
    later = api.post("/api/v1/personas", json=body)
    assert refused == (409, later.json) and later.status_code == 409
    assert count_rows(Persona) == 1
