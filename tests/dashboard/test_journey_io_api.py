"""Surveys as code through the API: GET /journeys/<id>/export, POST /journeys/import."""

import copy

import pytest

from app.models import Journey, Phase, Question, Survey, Touchpoint


@pytest.fixture
def document(api, journey, survey):
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    assert api.post(url, json={"name": "Montageploeg", "channel": "onsite"}).status_code == 201
    response = api.get(f"/api/v1/journeys/{journey['id']}/export")
    assert response.status_code == 200
    return response.json


def test_export_holds_the_journey_touchpoints_and_surveys(document):
    assert document["format"] == "phasewise.journey" and document["version"] == 1
    phases = document["journey"]["phases"]
    assert [p["key"] for p in phases] == ["orientatie", "aankoop", "levering"]
    assert phases[0]["hypothesis"] == {"nps": 40.0, "csat": 4.2, "conversion": 0.6}
    assert phases[2]["touchpoints"] == [{"name": "Montageploeg", "channel": "onsite"}]
    (survey,) = document["surveys"]
    assert survey["phase"] == "levering" and survey["active"] is True
    assert [q["key"] for q in survey["questions"]] == ["nps", "csat", "why"]
    assert survey["questions"][2]["max_length"] == 500


def test_import_recreates_it_and_exports_the_same(api, document, count_rows):
    created = api.post("/api/v1/journeys/import", json=document)
    assert created.status_code == 201, created.json
    new_id = created.json["journey"]["id"]
    assert [p["key"] for p in created.json["journey"]["phases"]] == [
        "orientatie",
        "aankoop",
        "levering",
    ]
    assert created.json["surveys"][0]["journey_id"] == new_id
    again = api.get(f"/api/v1/journeys/{new_id}/export").json
    # a copy beside its original is told apart by its name
    assert created.json["journey"]["name"] == "Badkamer (2)"
    assert again == {**document, "journey": {**document["journey"], "name": "Badkamer (2)"}}
    third = api.post("/api/v1/journeys/import", json=document).json["journey"]["name"]
    assert third == "Badkamer (3)"
    assert count_rows(Journey) == 3 and count_rows(Touchpoint) == 3 and count_rows(Survey) == 3


def test_export_takes_the_newest_version_of_each_survey(api, journey, survey):
    from tests.dashboard.conftest import answer

    answer(api, survey, 8)
    changed = api.patch(
        f"/api/v1/surveys/{survey['id']}",
        json={"questions": [{"key": "nps", "type": "nps", "text": "Nieuw?"}]},
    )
    assert changed.json["version"] == 2
    exported = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    assert [s["questions"][0]["text"] for s in exported["surveys"]] == [{"nl": "Nieuw?"}]


def _bad(document, path, value):
    bad = copy.deepcopy(document)
    node = bad
    for part in path[:-1]:
        node = node[part]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return bad


@pytest.mark.parametrize(
    "path, value, field",
    [
        (("format",), "something.else", "format"),
        (("version",), 2, "version"),
        (("journey",), KeyError, "journey"),
        (("journey", "phases"), [], "journey.phases"),
        (("journey", "phases", 0, "key"), "Bad Key", "journey.phases.0.key"),
        (("journey", "phases", 1, "key"), "orientatie", "journey.phases"),
        (("journey", "phases", 0, "hypothesis", "nps"), 500, "journey.phases.0.hypothesis.nps"),
        (
            ("journey", "phases", 2, "touchpoints", 0, "channel"),
            "pigeon",
            "journey.phases.2.touchpoints.0.channel",
        ),
        (("surveys", 0, "phase"), "nowhere", "surveys.0.phase"),
        (("surveys", 0, "questions"), [], "surveys.0.questions"),
        (("surveys", 0, "questions", 0, "type"), "stars", "surveys.0.questions.0.type"),
        (("surveys", 0, "journey_id"), 5, "surveys.0.journey_id"),
        (("extra",), 1, "extra"),
    ],
)
def test_a_bad_document_is_422_naming_the_field_and_stores_nothing(
    api, document, count_rows, path, value, field
):
    response = api.post("/api/v1/journeys/import", json=_bad(document, path, value))
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json
    assert count_rows(Journey) == 1 and count_rows(Phase) == 3
    assert count_rows(Survey) == 1 and count_rows(Question) == 3 and count_rows(Touchpoint) == 1


def test_import_is_all_or_nothing(api, document, count_rows, monkeypatch):
    from app.services import journey_io

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(journey_io, "build_questions", broken)  # fails after the journey is built
    assert api.post("/api/v1/journeys/import", json=document).status_code == 500
    from app.extensions import db

    db.session.rollback()  # what the end of a real request does
    assert count_rows(Journey) == 1 and count_rows(Phase) == 3


def test_malformed_and_non_json_bodies(api, count_rows):
    malformed = api.post(
        "/api/v1/journeys/import", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    form = api.post("/api/v1/journeys/import", data="a=b")
    assert form.status_code == 415
    assert count_rows(Journey) == 0


def test_another_brands_journey_cannot_be_exported(api, other_brand, client):
    assert api.get(f"/api/v1/journeys/{other_brand['journey_id']}/export").status_code == 404
    assert client.get("/api/v1/journeys/1/export").status_code == 401
    assert client.post("/api/v1/journeys/import", json={}).status_code == 401


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/journeys/{journey_id}/export"]
    assert "post" in paths["/api/v1/journeys/import"]


def test_a_copy_of_a_journey_with_the_longest_name_still_fits(api):
    """ "B" * 120 + " (2)" was a 500 on PostgreSQL (the column holds 120), and on SQLite a name
    the import schema itself refuses on its next round trip."""
    body = {"name": "B" * 120, "phases": [{"key": "levering", "name": "Levering"}]}
    original = api.post("/api/v1/journeys", json=body).json
    document = api.get(f"/api/v1/journeys/{original['id']}/export").json
    copy = api.post("/api/v1/journeys/import", json=document)
    assert copy.status_code == 201, copy.json
    assert copy.json["journey"]["name"] == "B" * 116 + " (2)"
