"""The phase page after a marketer's week of use (audit findings 3, 7, 10, 14): complaint themes
that can show up, a trend that can answer "did NPS change?", only the phase's own touchpoints,
and honest small print elsewhere."""

import re
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.services import journeys
from tests.dashboard.conftest import add_rollup, answer


def phase_url(journey, suffix=""):
    return f"/dashboard/journeys/{journey['id']}/phases/levering{suffix}"


@pytest.fixture
def thin_weeks(brand, journey):
    """13 weeks of 18-27 answers each, as the audit's worst phase: no week can be tested."""
    phase = journeys.get_phase(brand, journey["id"], "levering")
    monday = date(2026, 6, 1)
    for week in range(13):
        n = 18 + week % 10
        add_rollup(
            brand, phase.id, monday + timedelta(weeks=week), n // 4, n // 4, n - 2 * (n // 4)
        )
    db.session.commit()
    return journey


def trend_heading(page):
    return re.search(r'<h2 id="trend-title">([^<]+)</h2>', page).group(1)


def test_thin_weeks_show_months_when_no_grain_was_picked_and_say_why(dash, thin_weeks):
    page = dash.html(phase_url(thin_weeks))
    assert trend_heading(page) == "Trend by month"
    note = re.search(r'<p[^>]*data-grain-note="auto"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "most weeks have fewer than 30 answers" in note
    assert "grain=week" in note  # one click back to weeks
    # the shown grain is not pinned in the filter form, so other filters choose again
    filters = page.split('aria-label="Filters"')[1].split("</form>")[0]
    assert 'name="grain"' not in filters


def test_a_picked_week_is_kept_with_a_hint_to_switch_that_keeps_the_filters(dash, thin_weeks):
    page = dash.html(phase_url(thin_weeks, "?grain=week&channel=api&locale=nl&category=detractor"))
    assert trend_heading(page) == "Trend by week"
    note = re.search(r'<p[^>]*data-grain-note="thin"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "too few to test a change" in note
    link = re.search(r'href="([^"]+)"', note).group(1).replace("&amp;", "&")
    assert "grain=month" in link
    assert {"channel=api", "locale=nl", "category=detractor"} <= set(link.split("?")[1].split("&"))
    filters = page.split('aria-label="Filters"')[1].split("</form>")[0]
    assert '<input type="hidden" name="grain" value="week">' in filters


def test_a_picked_month_and_weeks_with_enough_answers_get_no_note(dash, brand, journey):
    phase = journeys.get_phase(brand, journey["id"], "levering")
    for week in range(8):
        add_rollup(brand, phase.id, date(2026, 6, 1) + timedelta(weeks=week), 20, 10, 10)
    db.session.commit()
    page = dash.html(phase_url(journey))
    assert trend_heading(page) == "Trend by week"
    assert "data-grain-note" not in page
    assert trend_heading(dash.html(phase_url(journey, "?grain=month"))) == "Trend by month"


def test_one_month_of_thin_weeks_stays_weekly(dash, brand, journey):
    """A single month has no change to test: months would show one point instead of weeks."""
    phase = journeys.get_phase(brand, journey["id"], "levering")
    for week in range(3):
        add_rollup(brand, phase.id, date(2026, 6, 1) + timedelta(weeks=week), 5, 5, 5)
    db.session.commit()
    assert trend_heading(dash.html(phase_url(journey))) == "Trend by week"


@pytest.fixture
def instagram(api, seeded):
    """A touchpoint of another phase (orientatie) with a long name."""
    url = f"/api/v1/journeys/{seeded['journey']['id']}/phases/orientatie/touchpoints"
    created = api.post(url, json={"name": "Instagram", "channel": "web"})
    assert created.status_code == 201, created.json
    return created.json


def touchpoint_options(page):
    select = page.split('id="f-touchpoint"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select)


def test_the_phase_page_offers_only_its_own_touchpoints(dash, seeded, instagram):
    options = touchpoint_options(dash.html(phase_url(seeded["journey"])))
    assert options == [(str(seeded["touchpoint"]["id"]), "Montageploeg")]
    # the journey map still offers every phase's touchpoints
    map_options = touchpoint_options(dash.html(f"/dashboard/?journey={seeded['journey']['id']}"))
    assert str(instagram["id"]) in {value for value, _ in map_options}


@pytest.mark.parametrize("suffix", ["", "/responses.csv", "/trend.csv"])
def test_another_phases_touchpoint_in_the_url_is_a_clear_422(dash, seeded, instagram, suffix):
    url = phase_url(seeded["journey"], f"{suffix}?touchpoint={instagram['id']}")
    response = dash.get(url)
    assert response.status_code == 422
    assert f"unknown touchpoint {instagram['id']} for this phase" in response.get_data(as_text=True)
    own = phase_url(seeded["journey"], f"{suffix}?touchpoint={seeded['touchpoint']['id']}")
    assert dash.get(own).status_code == 200


def test_many_complaints_without_a_significant_word_are_not_called_too_few(
    dash, api, seeded, survey
):
    """The audit's page said "Not enough written answers yet" over 132 written complaints."""
    for number in range(12):
        answer(api, survey, number % 4, text=["tegels mooi", "monteur laat"][number % 2])
        answer(api, survey, 7 + number % 2, text=["tegels mooi", "monteur laat"][number % 2])
    page = " ".join(dash.html(phase_url(seeded["journey"])).split())
    assert "Not enough written answers" not in page
    assert "No word sets detractors apart significantly from the other" in page
    assert "Too few written answers to compare: 3 promoter answers" in page
    assert "Most frequent among detractors" in page


def test_the_loyalty_lift_is_not_read_as_cause_and_effect(dash, monkeypatch):
    from loyalty import reports

    rates = {
        "programme": {"reached": 100, "answered": 41, "rate": 0.41},
        "others": {"reached": 100, "answered": 13, "rate": 0.128},
        "lift": 0.282,
    }
    monkeypatch.setattr(reports, "response_rates", lambda *args, **kwargs: rates)
    page = " ".join(dash.html("/dashboard/loyalty").split())
    assert "Members answer" not in page
    assert "28.2 percentage points</strong> more often" in page
    assert "not an effect of the points" in page


def test_a_viewer_is_told_why_the_survey_form_is_greyed_out(as_role, dash, survey):
    page = as_role("viewer").html(f"/dashboard/surveys/{survey['id']}")
    assert re.search(r"data-read-only[^>]*>[^<]*Read-only: your role is viewer", page)
    assert "data-read-only" not in dash.html(f"/dashboard/surveys/{survey['id']}")


def test_the_team_table_has_no_empty_header(dash):
    page = dash.html("/dashboard/team")
    assert not re.search(r"<th[^>]*>\s*</th>", page)
    assert '<span class="visually-hidden">Actions</span></th>' in page
