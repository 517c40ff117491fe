"""Closing the loop: an answer that needs a follow-up is marked handled (phase page or API), so
the team sees what is still open, and alerts not yet mailed about it are not sent."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Alert, FollowUpHandled
from app.services import alerts
from tests.conftest import ApiClient, new_survey
from tests.dashboard.conftest import answer
from tests.dashboard.test_follow_up_alerts import opt_in


def handled() -> dict[int, str]:
    _db.session.expire_all()
    return {row.response_id: row.handled_by for row in _db.session.scalars(select(FollowUpHandled))}


def listed(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'data-response="(\d+)"', page)}


@pytest.fixture
def flagged(api, survey):
    """Two answers that need a follow-up (a detractor, a low CSAT) and one that does not."""
    return {
        "detractor": answer(api, survey, 2, text="Te laat"),
        "low_csat": answer(api, survey, 8, csat=1),
        "calm": answer(api, survey, 10),
    }


@pytest.fixture
def url(journey):
    return f"/dashboard/journeys/{journey['id']}/phases/levering"


def test_an_editor_marks_an_answer_handled_and_opens_it_again(as_role, url, flagged):
    page = as_role("editor")
    detractor = flagged["detractor"]
    html = page.html(f"{url}?show=follow_up&category=detractor")
    assert listed(html) == {detractor}
    assert f"phases/levering/follow-ups/{detractor}?" in html and "Mark handled" in html

    response = page.post(
        f"{url}/follow-ups/{detractor}?show=follow_up&category=detractor", {"state": "handled"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        "/phases/levering?category=detractor&show=follow_up#verbatims"
    )  # back to the very list it was marked in
    assert handled() == {detractor: "editor@testbad.example"}
    html = page.html(f"{url}?show=follow_up")
    assert "Marked handled." in html
    assert listed(html) == {flagged["low_csat"]}  # open ones only, by default

    html = page.html(f"{url}?show=follow_up&handled=handled")
    assert listed(html) == {detractor}
    assert "Handled by editor@testbad.example" in html and "Open again" in html
    assert listed(page.html(f"{url}?show=follow_up&handled=all")) == {
        flagged["detractor"],
        flagged["low_csat"],
    }

    assert page.post(f"{url}/follow-ups/{detractor}", {"state": "open"}).status_code == 302
    assert handled() == {}
    assert listed(page.html(f"{url}?show=follow_up")) == {detractor, flagged["low_csat"]}


def test_the_first_mark_stands(as_role, url, flagged):
    detractor = flagged["detractor"]
    for role in ("editor", "owner"):
        response = as_role(role).post(f"{url}/follow-ups/{detractor}", {"state": "handled"})
        assert response.status_code == 302
    assert handled() == {detractor: "editor@testbad.example"}


def test_a_viewer_sees_the_state_but_cannot_change_it(as_role, url, flagged):
    as_role("editor").post(f"{url}/follow-ups/{flagged['detractor']}", {"state": "handled"})
    viewer = as_role("viewer")
    html = viewer.html(f"{url}?show=follow_up&handled=all")
    assert "Handled by editor@testbad.example" in html
    assert "Mark handled" not in html and "Open again" not in html
    response = viewer.post(f"{url}/follow-ups/{flagged['low_csat']}", {"state": "handled"})
    assert response.status_code == 403
    assert (
        viewer.post(f"{url}/follow-ups/{flagged['detractor']}", {"state": "open"}).status_code
        == 403
    )
    assert set(handled()) == {flagged["detractor"]}


@pytest.mark.parametrize(
    ("which", "form", "status"),
    [
        ("calm", {"state": "handled"}, 422),  # needs no follow-up
        ("detractor", {"state": "done"}, 422),
        ("detractor", {}, 422),
        ("missing", {"state": "handled"}, 404),
        ("other_brand", {"state": "handled"}, 404),
        ("other_phase", {"state": "handled"}, 404),
    ],
)
def test_bad_marks_change_nothing(
    dash, api, journey, url, flagged, other_brand, which, form, status
):
    ids = dict(flagged, missing=2_000_000)
    other = ApiClient(api.client, other_brand["key"])
    ids["other_brand"] = answer(other, {"id": other_brand["survey_id"]}, 0)
    ids["other_phase"] = answer(api, new_survey(api, journey["id"], "aankoop"), 0)
    response = dash.post(f"{url}/follow-ups/{ids[which]}", form)
    assert response.status_code == status
    assert handled() == {}


def test_a_mark_without_its_csrf_token_is_refused(dash, url, flagged):
    response = dash.post(
        f"{url}/follow-ups/{flagged['detractor']}", {"state": "handled"}, csrf=False
    )
    assert response.status_code == 400
    assert handled() == {}


def test_an_alert_about_a_handled_answer_is_not_mailed(api, survey, users, monkeypatch):
    monkeypatch.setattr(alerts, "enqueue", lambda pairs: 0)  # Redis down: alerts stay pending
    opt_in(users["owner"])
    detractor = answer(api, survey, 1)
    assert (
        api.put(f"/api/v1/responses/{detractor}/follow-up", json={"handled": True}).status_code
        == 200
    )
    assert alerts.send_waiting([alert.id for alert in _db.session.scalars(select(Alert))]) == {
        "skipped": 1
    }
    alert = _db.session.scalars(select(Alert)).one()
    assert (alert.status, alert.error) == ("skipped", "the answer was marked handled")


# --- the API ---------------------------------------------------------------------------------


def test_the_api_marks_and_lists_follow_ups(api, flagged):
    detractor, low_csat = flagged["detractor"], flagged["low_csat"]
    response = api.put(f"/api/v1/responses/{detractor}/follow-up", json={"handled": True})
    assert response.status_code == 200
    body = response.json
    assert body["response_id"] == detractor and body["needed"] is True
    assert body["reasons"] == ["detractor", "negative_text"] and body["handled_by"] == "API"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["handled_at"])
    again = api.put(f"/api/v1/responses/{detractor}/follow-up", json={"handled": True})
    assert again.json == body  # the first mark stands

    def ids(follow_up):
        return [
            item["id"] for item in api.get(f"/api/v1/responses?follow_up={follow_up}").json["items"]
        ]

    assert ids("open") == [low_csat]
    assert ids("handled") == [detractor]
    assert ids("needed") == [low_csat, detractor]
    items = {item["id"]: item["follow_up"] for item in api.get("/api/v1/responses").json["items"]}
    assert items[flagged["calm"]] == {
        "needed": False,
        "reasons": [],
        "handled_at": None,
        "handled_by": None,
    }
    assert items[low_csat]["reasons"] == ["low_csat"] and items[low_csat]["handled_at"] is None
    assert items[detractor]["handled_by"] == "API"

    reopened = api.put(f"/api/v1/responses/{detractor}/follow-up", json={"handled": False})
    assert reopened.status_code == 200 and reopened.json["handled_at"] is None
    assert ids("open") == [low_csat, detractor]


@pytest.mark.parametrize(
    ("which", "body", "status"),
    [
        ("calm", {"handled": True}, 422),
        ("detractor", {}, 422),
        ("detractor", {"handled": "yes"}, 422),
        ("detractor", {"handled": 1}, 422),
        ("missing", {"handled": True}, 404),
        ("other_brand", {"handled": True}, 404),
    ],
)
def test_bad_api_marks_are_refused_and_change_nothing(
    api, flagged, other_brand, which, body, status
):
    ids = dict(flagged, missing=2_000_000)
    ids["other_brand"] = answer(
        ApiClient(api.client, other_brand["key"]), {"id": other_brand["survey_id"]}, 0
    )
    response = api.put(f"/api/v1/responses/{ids[which]}/follow-up", json=body)
    assert response.status_code == status
    assert set(response.json) == {"error"}
    assert handled() == {}
    assert api.get("/api/v1/responses?follow_up=later").status_code == 422


def test_an_answer_not_processed_yet_says_so(api, survey, monkeypatch):
    from app.services import intake

    monkeypatch.setattr(intake, "enqueue", lambda ids: False)  # stays received
    waiting = answer(api, survey, 0)
    response = api.put(f"/api/v1/responses/{waiting}/follow-up", json={"handled": True})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "no_follow_up_needed"
    assert "not processed yet" in response.json["error"]["message"]
