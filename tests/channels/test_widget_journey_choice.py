"""A second journey with the same phase keys does not take over the widget; `journey=` aims it."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, Response
from app.services import review_public
from tests.channels.helpers import assert_error, widget_post, widget_survey
from tests.conftest import new_survey
from tests.reviews.helpers import answer, review_of, set_policy


def _copy(api, journey_id: int, name: str = "Badkamer (kopie)") -> dict:
    document = api.get(f"/api/v1/journeys/{journey_id}/export").json
    document["journey"]["name"] = name
    created = api.post("/api/v1/journeys/import", json=document)
    assert created.status_code == 201, created.json
    return created.json


def test_an_imported_copy_does_not_take_over_the_widget(client, api, site, journey, db):
    before = widget_survey(client, site)
    assert before.json["survey_id"] == site["survey_id"]
    copy = _copy(api, journey["id"])
    newer_survey = copy["surveys"][0]["id"]
    assert newer_survey > site["survey_id"]

    after = widget_survey(client, site)
    assert after.status_code == 200
    assert after.json["survey_id"] == site["survey_id"]
    posted = widget_post(client, site, {"survey_id": after.json["survey_id"]})
    assert posted.status_code == 202, posted.json
    assert db.session.get(Response, posted.json["id"]).journey_id == journey["id"]


def test_a_newer_survey_of_the_first_journey_still_wins_within_it(client, api, site, journey):
    _copy(api, journey["id"])
    question = {"key": "nps", "type": "nps", "text": "Aanbevelen?"}
    newer = new_survey(api, journey["id"], questions=[question])
    assert widget_survey(client, site).json["survey_id"] == newer["id"]


def test_journey_parameter_asks_that_journey(client, api, site, journey):
    copy = _copy(api, journey["id"])
    asked = widget_survey(client, site, journey=copy["journey"]["id"])
    assert asked.status_code == 200, asked.json
    assert asked.json["survey_id"] == copy["surveys"][0]["id"]
    first = widget_survey(client, site, journey=journey["id"])
    assert first.json["survey_id"] == site["survey_id"]


def test_bad_journey_parameters_are_refused_in_the_error_shape(client, api, site, other_brand):
    foreign = widget_survey(client, site, journey=other_brand["journey_id"])
    assert assert_error(foreign, 404)["fields"] == {"journey": ["unknown"]}
    unknown = widget_survey(client, site, journey=999_999)
    assert assert_error(unknown, 404)["fields"] == {"journey": ["unknown"]}
    assert "journey" in assert_error(widget_survey(client, site, journey="abc"), 422)["fields"]
    assert "journey" in assert_error(widget_survey(client, site, journey=0), 422)["fields"]
    lean = api.post(
        "/api/v1/journeys", json={"name": "Kort", "phases": [{"key": "aankoop", "name": "Aankoop"}]}
    )
    assert lean.status_code == 201, lean.json
    without = widget_survey(client, site, journey=lean.json["id"])
    assert assert_error(without, 404)["fields"] == {"phase": ["unknown"]}
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_review_summary_has_one_row_per_phase_key(client, api, brand, survey, journey):
    copy = _copy(api, journey["id"])
    set_policy(brand)
    texts = ["Op tijd en netjes gewerkt.", "Vriendelijke monteurs, goed advies.", "Prima."]
    for target, text in zip((survey, survey, copy["surveys"][0]), texts, strict=True):
        assert review_of(answer(api, target, text=text)).status == "published"
    summary = review_public.summary(db.session.get(Brand, brand.id))
    assert [(row["phase"].key, row["count"]) for row in summary["phases"]] == [("levering", 3)]
    html = client.get("/reviews/testbad").get_data(as_text=True)
    assert html.count('class="phase-card"') == 1
    assert "3 reviews" in html[html.index('class="phase-card"') :]
