"""Requests a browser never sends to the dashboard (the forms' field names clashing, groups
where a value belongs, days at the ends of the calendar): a clear 4xx page, never a 500."""

import pytest
from werkzeug.datastructures import MultiDict

from app.models import Persona, Survey


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/dashboard/personas", [("key", "x"), ("key.a", "y"), ("name", "n")]),
        ("/dashboard/personas", [("key.a", "y"), ("key", "x"), ("name", "n")]),
        ("/dashboard/journeys/new", [("name", "J"), ("phases.0", "a"), ("phases.0.key", "a")]),
    ],
)
def test_clashing_field_names_are_422(dash, count_rows, url, data):
    before = count_rows(Persona)
    form = MultiDict([("csrf_token", dash.token("/dashboard/journeys")), *data])
    response = dash.client.post(url, data=form)
    assert response.status_code == 422
    assert count_rows(Persona) == before


@pytest.mark.parametrize(
    "data",
    [
        {"questions": "foo"},
        {"questions.0": "foo"},
        {"phase_ref.x": "1"},
        {"questions.0.type": "choice", "questions.0.options_text.x": "1"},
    ],
)
def test_a_survey_form_of_the_wrong_shape_is_refused(dash, journey, count_rows, data):
    before = count_rows(Survey)
    response = dash.post("/dashboard/surveys/new", data)
    assert response.status_code == 422
    assert count_rows(Survey) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/journeys/{journey}/phases/levering",
        "/dashboard/journeys/{journey}/phases/levering/responses.csv",
        "/dashboard/loyalty",
        "/dashboard/loyalty/ledger.csv",
    ],
)
def test_a_day_at_the_ends_of_the_calendar_is_no_overflow(dash, journey, path, day):
    response = dash.get(path.format(journey=journey["id"]), query_string={"to": day})
    assert response.status_code in (200, 422), response.status_code
    assert response.status_code == 422 or "text/csv" in response.content_type


def test_a_checkbox_of_the_wrong_value_is_marked_where_it_is(dash, journey, count_rows):
    """A browser sends "on" or nothing; a hand-made "y" was refused with nothing marked."""
    form = {
        "phase_ref": f"{journey['id']}:levering",
        "locale": "nl",
        "active": "y",
        "questions.0.key": "nps",
        "questions.0.type": "nps",
        "questions.0.text.nl": "Hoe waarschijnlijk?",
        "questions.0.required": "maybe",
    }
    response = dash.post("/dashboard/surveys/new", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="err-active"' in html and 'id="err-questions-0-required"' in html
    assert count_rows(Survey) == 0
