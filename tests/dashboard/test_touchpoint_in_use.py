"""A touchpoint that links, invitations or answers name is renamed, never deleted from under them;
a stats or map filter naming a touchpoint the brand does not have is a 422."""

import pytest
from sqlalchemy import func, select

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Phase, Response, SurveyLink, Touchpoint
from app.services import journey_editor
from tests.channels.helpers import assert_error
from tests.dashboard.conftest import answer


def _touchpoint(api, journey, name="Bezorging"):
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    created = api.post(url, json={"name": name, "channel": "other"})
    assert created.status_code == 201, created.json
    return created.json


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_touchpoint_a_link_names_is_not_deleted(dash, api, journey, survey):
    touchpoint = _touchpoint(api, journey)
    link = api.post(
        "/api/v1/links",
        json={"journey_id": journey["id"], "phase": "levering", "touchpoint": "Bezorging"},
    )
    assert link.status_code == 201, link.json
    refused = dash.post(f"/dashboard/touchpoints/{touchpoint['id']}/delete")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "named by survey links" in page and "rename it instead" in page
    assert "Please correct the marked fields" not in page  # none is marked: it is not a field
    assert db.session.get(Touchpoint, touchpoint["id"]) is not None
    assert api.get(f"/api/v1/links/{link.json['id']}").json["touchpoint"] == "Bezorging"


def test_a_touchpoint_answers_name_is_not_deleted_but_renamed(dash, api, brand, journey, survey):
    touchpoint = _touchpoint(api, journey)
    answered = answer(api, survey, 9, touchpoint="Bezorging")
    assert dash.post(f"/dashboard/touchpoints/{touchpoint['id']}/delete").status_code == 409
    with pytest.raises(AppError) as refused:
        journey_editor.delete_touchpoint(db.session.get(Brand, brand.id), touchpoint["id"])
    assert refused.value.code == 409
    renamed = dash.post(
        f"/dashboard/touchpoints/{touchpoint['id']}/edit",
        data={"name": "Thuisbezorging", "channel": "onsite"},
    )
    assert renamed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Touchpoint, touchpoint["id"]).name == "Thuisbezorging"
    assert db.session.get(Response, answered).touchpoint_id == touchpoint["id"]


def test_a_rename_to_a_taken_name_is_a_409_and_changes_nothing(dash, api, journey):
    touchpoint = _touchpoint(api, journey)
    _touchpoint(api, journey, "Montage")
    taken = dash.post(
        f"/dashboard/touchpoints/{touchpoint['id']}/edit",
        data={"name": "Montage", "channel": "other"},
    )
    assert taken.status_code == 409
    db.session.expire_all()
    assert db.session.get(Touchpoint, touchpoint["id"]).name == "Bezorging"


def test_an_unused_touchpoint_is_still_deleted(dash, api, journey):
    touchpoint = _touchpoint(api, journey)
    assert dash.post(f"/dashboard/touchpoints/{touchpoint['id']}/delete").status_code == 302
    assert db.session.get(Touchpoint, touchpoint["id"]) is None
    assert _count(SurveyLink) == 0


@pytest.mark.parametrize("which", ["deleted", "foreign"])
def test_a_filter_on_a_touchpoint_the_brand_lacks_is_a_422(dash, api, journey, other_brand, which):
    if which == "deleted":
        gone = _touchpoint(api, journey)
        assert dash.post(f"/dashboard/touchpoints/{gone['id']}/delete").status_code == 302
        touchpoint_id = gone["id"]
    else:
        foreign = Touchpoint(
            brand_id=other_brand["brand"].id,
            phase_id=_other_phase(other_brand),
            name="Elders",
            channel="web",
        )
        db.session.add(foreign)
        db.session.commit()
        touchpoint_id = foreign.id
    stats = api.get(f"/api/v1/journeys/{journey['id']}/stats?touchpoint={touchpoint_id}")
    error = assert_error(stats, 422)
    assert error["fields"] == {"touchpoint": ["unknown touchpoint"]}
    page = dash.get(f"/dashboard?journey={journey['id']}&touchpoint={touchpoint_id}")
    assert page.status_code == 422
    phase = dash.get(
        f"/dashboard/journeys/{journey['id']}/phases/levering?touchpoint={touchpoint_id}"
    )
    assert phase.status_code == 422


def _other_phase(other_brand) -> int:
    return db.session.scalar(
        select(Phase.id).where(Phase.journey_id == other_brand["journey_id"]).limit(1)
    )


def test_answers_that_send_the_old_name_still_reach_a_renamed_touchpoint(
    dash, api, brand, journey, survey, client
):
    """Snippets and the shop's API calls send names and change later than the dashboard: the
    old name keeps reaching the touchpoint, so no answer is refused for it."""
    from tests.channels.helpers import ORIGIN, widget_survey

    touchpoint = _touchpoint(api, journey)
    edit = f"/dashboard/touchpoints/{touchpoint['id']}/edit"
    assert dash.post(edit, data={"name": "Thuisbezorging", "channel": "onsite"}).status_code == 302
    assert dash.post(edit, data={"name": "Bezorgd", "channel": "onsite"}).status_code == 302
    for name in ("Bezorging", "Thuisbezorging", "Bezorgd"):
        answered = answer(api, survey, 8, touchpoint=name)
        assert db.session.get(Response, answered).touchpoint_id == touchpoint["id"], name
    site = {"site_key": brand.site_key, "origin": ORIGIN}
    assert widget_survey(client, site, touchpoint="Bezorging").status_code == 200
    listed = api.get(f"/api/v1/journeys/{journey['id']}").json
    [levering] = [phase for phase in listed["phases"] if phase["key"] == "levering"]
    [shown] = levering["touchpoints"]
    assert shown["former_names"] == ["Thuisbezorging", "Bezorging"]  # newest first
    assert "formerly Thuisbezorging, Bezorging" in dash.html(f"/dashboard/journeys/{journey['id']}")
    # a touchpoint that has the name now wins over one that had it
    newer = _touchpoint(api, journey, "Bezorging")
    answered = answer(api, survey, 8, touchpoint="Bezorging")
    assert db.session.get(Response, answered).touchpoint_id == newer["id"]
    # renaming back takes the name out of the old ones
    assert dash.post(edit, data={"name": "Thuisbezorging", "channel": "onsite"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Touchpoint, touchpoint["id"]).former_names == ["Bezorgd", "Bezorging"]
    assert_error(
        api.post(
            "/api/v1/responses",
            json={"survey_id": survey["id"], "answers": {"nps": 8}, "touchpoint": "Nooit bestaan"},
        ),
        422,
    )
