"""Errors on dashboard routes stay inside the dashboard: its navigation, the fields at fault and
a way back; customers' pages and JSON keep their own error shapes."""

import re
from html import unescape

from tests.dashboard.conftest import Dashboard

NAV = 'href="/dashboard/journeys"'  # a link of the dashboard's navigation


def back_link(page: str) -> str:
    found = re.search(r'<a href="([^"]*)">This page without ([^<]*)</a>', page)
    assert found, page
    return unescape(found.group(1))


def test_a_bad_filter_names_the_field_in_the_dashboard_frame(dash, journey):
    response = dash.get("/dashboard?channel=pigeon&period=30d")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert NAV in page and "owner@testbad.example" in page  # the dashboard's frame
    assert "some filters are not valid" in page
    problem = re.search(r"<li><code>channel</code>(.*?)</li>", page, re.S)
    assert problem and "pigeon" in problem.group(1) and "Must be one of" in problem.group(1)
    # the way back keeps the good filters and drops the bad one
    assert back_link(page) == "/dashboard?period=30d"
    assert dash.get(back_link(page)).status_code == 200
    assert 'href="/dashboard/">Back to the journey map' in page
    assert 'href="/"' not in page.split("<main")[1]  # not the public home


def test_from_after_to_and_an_unknown_persona_name_their_fields(dash, journey):
    page = dash.html("/dashboard?from=2026-02-01&to=2026-01-01", status=422)
    assert "<code>from</code>" in page and "must not be after" in unescape(page)
    page = dash.html("/dashboard?persona=nobody&locale=nl", status=422)
    assert "<code>persona</code>" in page and "unknown persona" in page
    assert back_link(page) == "/dashboard?locale=nl"


def test_a_stale_cursor_offers_the_first_page_of_answers(dash, journey):
    url = f"/dashboard/journeys/{journey['id']}/phases/levering"
    page = dash.html(f"{url}?cursor=stale&sentiment=negative", status=422)
    assert NAV in page and "<code>cursor</code>" in page
    assert back_link(page) == f"{url}?sentiment=negative"
    assert dash.get(back_link(page)).status_code == 200


def test_403_and_404_keep_the_navigation_and_lead_back(as_role, dash, journey):
    editor = as_role("editor")
    forbidden = editor.get("/dashboard/settings")
    assert forbidden.status_code == 403
    page = forbidden.get_data(as_text=True)
    assert NAV in page and "cannot manage" in page
    assert 'href="/dashboard/">Back to the journey map' in page
    for url in ("/dashboard?journey=999999", "/dashboard/no-such-page"):
        response = dash.get(url)
        assert response.status_code == 404, url
        page = response.get_data(as_text=True)
        assert NAV in page and 'href="/dashboard/loyalty"' in page, url
        assert "Back to the journey map" in page, url
        assert "This page without" not in page, url


def test_without_a_login_and_on_customer_pages_the_plain_pages_stay(client, users, journey):
    anonymous = Dashboard(client).get("/dashboard/no-such-page")
    assert anonymous.status_code == 404
    page = anonymous.get_data(as_text=True)
    assert NAV not in page and 'href="/"' in page
    customer = client.get("/reviews/no-such-brand", headers={"Accept-Language": "nl"})
    assert customer.status_code == 404
    assert "Deze link of pagina bestaat niet" in customer.get_data(as_text=True)


def test_json_errors_on_dashboard_routes_keep_their_shape(dash, journey):
    response = dash.get("/dashboard?channel=pigeon", headers={"Accept": "application/json"})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error" and "channel" in error["fields"]


def test_a_frame_that_cannot_be_drawn_falls_back_to_the_plain_page(dash, monkeypatch):
    from app.dashboard import helpers

    def broken(user):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(helpers, "extra_nav", broken)
    response = dash.get("/dashboard/no-such-page")
    assert response.status_code == 404  # still the error that happened, not a 500
    page = response.get_data(as_text=True)
    assert NAV not in page and "<h1>404</h1>" in page
