"""A phase outside the funnel on the dashboard: drawn apart from the funnel's steps with no
arrow, no "went on" of its own and none owed to it; marked on the journey editor (CSRF, 422
on a bad value, viewers and other brands kept out); its own line in the figures CSV and the
weekly report."""

import re
from datetime import timedelta
from html import unescape

from app.extensions import db as _db
from app.models import Journey
from app.services import journey_map, weekly_report_mail
from tests.api.test_phase_outside_funnel import add_service, reach_phases
from tests.api.test_priority_rules import nps_survey, post_answer
from tests.api.test_priority_rules import stats as api_stats
from tests.dashboard.conftest import add_rollup
from tests.dashboard.test_excel_exports import assert_same_rows, rows
from tests.dashboard.test_map import map_figures
from tests.dashboard.test_weekly_report import THIS_WEEK


def _phase(journey_id, key):
    _db.session.expire_all()
    return _db.session.get(Journey, journey_id).phase(key)


def _scenario(api, journey, middle=True):
    add_service(api, journey, position=3 if middle else None)
    reach_phases(api, journey)
    service = nps_survey(api, journey, "service")
    for score in [1] * 24 + [10] * 16:
        post_answer(api, service, score)


def test_the_map_draws_a_service_phase_apart_with_no_arrow(dash, api, brand, journey):
    _scenario(api, journey)
    page = dash.html("/dashboard")
    funnel = page.split('<ol class="map"')[1].split("</ol>")[0]
    apart = page.split('<ul class="map outside-funnel"')[1].split("</ul>")[0]
    assert re.findall(r'<article[^>]*data-phase="([a-z]+)"', funnel) == [
        "orientatie",
        "aankoop",
        "levering",
    ]
    assert re.findall(r'<article[^>]*data-phase="([a-z]+)"', apart) == ["service"]
    assert "arrow-cell" not in apart
    assert funnel.count('class="arrow-cell"') == 2  # between the three funnel phases only
    # aankoop went on to levering, not to the service phase between them (by hand: 4 of 10)
    assert "40% went on to Levering &amp; montage or a later phase" in funnel
    figures = map_figures(page)
    assert figures["aankoop"]["to-next"] == "0.4"
    assert (figures["service"]["to-next"], figures["service"]["in-funnel"]) == ("", "false")
    service = unescape(apart)
    assert "outside the funnel: no conversion, no drop-off" in service
    assert "4 customers" in service and "Time in phase" not in service
    assert "Outside the funnel" in page.split('id="outside-title"')[1][:40]
    # the map's figures are the API's, and the service phase ranks first by its own rule
    data = journey_map.build(brand, journey["id"], {})
    want = api_stats(api, journey)
    for phase in data["phases"]:
        assert phase["conversion"] == {
            **want[phase["phase"]]["conversion"],
            "unrounded": phase["conversion"]["unrounded"],
        }
        assert phase["priority"] == want[phase["phase"]]["priority"]
    assert [p["phase"] for p in data["priorities"]] == ["service"]
    fix_first = unescape(page.split('id="fix-first"')[1].split("</section>")[0])
    assert "Klantenservice: outside the funnel, €17.0k of customer value reached it" in fix_first
    assert "€10.2k at stake" in fix_first
    assert "the value of the\n    customers who reached it × the share of detractors" in fix_first


def test_a_service_phase_at_the_end_leaves_levering_the_last_phase(dash, api, journey):
    _scenario(api, journey, middle=False)
    page = unescape(dash.html("/dashboard"))
    levering = page.split('data-phase="levering"')[1].split("</article>")[0]
    assert "last phase" in levering
    funnel = page.split('<ol class="map"')[1].split("</ol>")[0]
    assert "service" not in funnel and funnel.count('class="arrow-cell"') == 2
    assert 'data-phase="service"' in page.split('<ul class="map outside-funnel"')[1]


def test_a_map_without_phases_outside_the_funnel_reads_as_before(dash, api, journey):
    page = dash.html("/dashboard")
    assert "outside-funnel" not in page and 'id="outside-title"' not in page


def test_the_phase_page_of_a_service_phase(dash, api, journey):
    _scenario(api, journey)
    page = unescape(dash.html(f"/dashboard/journeys/{journey['id']}/phases/service"))
    summary = page.split('aria-label="This phase in figures"')[1].split("</section>")[0]
    assert "Outside the funnel" in summary and "4 customers" in summary
    assert "Went on" not in summary
    aankoop = unescape(dash.html(f"/dashboard/journeys/{journey['id']}/phases/aankoop"))
    assert "Went on to Levering & montage or later" in aankoop


def test_the_figures_csv_marks_the_phase_and_leaves_its_conversion_empty(dash, api, journey):
    _scenario(api, journey)
    url = f"/dashboard/journeys/{journey['id']}/figures.csv"
    plain, excel = dash.get(url), dash.get(url + "?format=excel-nl")
    assert_same_rows(plain, excel)
    header, *lines = rows(plain, ",")
    assert header[-1] == "in_funnel"
    by_phase = {line[header.index("phase")]: dict(zip(header, line, strict=True)) for line in lines}
    assert by_phase["service"]["in_funnel"] == "False"
    assert by_phase["service"]["to_next"] == ""
    assert by_phase["service"]["reached"] == "4"
    assert by_phase["service"]["value_at_stake"] == "10200.0"
    assert by_phase["aankoop"]["to_next"] == "0.4"
    assert by_phase["aankoop"]["in_funnel"] == "True"
    header, *lines = rows(excel, ";")
    assert {line[0]: line[-1] for line in lines}["3"] == "0"  # position 3: the service phase


def test_the_editor_marks_a_phase_outside_the_funnel(dash, api, journey):
    url = f"/dashboard/journeys/{journey['id']}"
    page = dash.html(url)
    form = page.split('id="phase-aankoop"')[1].split("</form>")[0]
    assert 'name="in_funnel"' in form and '<option value="true" selected>' in form
    body = {"name.nl": "Aankoop", "position": "2", "in_funnel": "false"}
    response = dash.post(f"{url}/phases/aankoop/edit", body)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _phase(journey["id"], "aankoop").in_funnel is False
    page = dash.html(url)
    assert "outside the funnel</span>" in page.split('id="phase-aankoop"')[1].split("</h3>")[0]
    form = page.split('id="phase-aankoop"')[1].split("</form>")[0]
    assert '<option value="false" selected>' in form
    # the dashboard reads the change at once: orientatie now goes on to levering
    assert api_stats(api, journey)["aankoop"]["in_funnel"] is False
    response = dash.post(f"{url}/phases/aankoop/edit", {**body, "in_funnel": "true"})
    assert response.status_code == 302 and _phase(journey["id"], "aankoop").in_funnel is True

    response = dash.post(f"{url}/phases", {"key": "retour", "name.nl": "Retour", "in_funnel": "0"})
    assert response.status_code == 302
    assert _phase(journey["id"], "retour").in_funnel is False


def test_the_editor_refuses_a_bad_value_a_missing_token_and_a_viewer(dash, as_role, journey):
    url = f"/dashboard/journeys/{journey['id']}/phases/aankoop/edit"
    body = {"name.nl": "Aankoop", "position": "2"}
    response = dash.post(url, {**body, "in_funnel": "misschien"})
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert "must be true or false" in page.split('id="phase-aankoop"')[1]
    response = dash.post(url, {**body, "in_funnel": "false"}, csrf=False)
    assert response.status_code == 400
    viewer = as_role("viewer")
    token = viewer.token("/dashboard/journeys")
    response = viewer.client.post(url, data={**body, "in_funnel": "false", "csrf_token": token})
    assert response.status_code == 403
    assert _phase(journey["id"], "aankoop").in_funnel is True


def test_another_brands_phase_is_a_404_on_the_editor(dash, other_brand):
    url = f"/dashboard/journeys/{other_brand['journey_id']}/phases/levering/edit"
    response = dash.post(url, {"name.nl": "Levering", "in_funnel": "false"})
    assert response.status_code == 404
    assert _phase(other_brand["journey_id"], "levering").in_funnel is True


def test_the_weekly_report_marks_the_phase(api, brand, journey, users):
    add_service(api, journey)
    week = THIS_WEEK - timedelta(days=7)
    add_rollup(brand, _phase(journey["id"], "service").id, week + timedelta(days=2), 2, 1, 3)
    _db.session.commit()
    text = weekly_report_mail.text(brand, users["owner"], week)
    assert "  - Service (outside the funnel): 6 answers (the week before 0)" in text
    assert "  - Delivery: 0 answers" in text
