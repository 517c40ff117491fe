"""What to fix first on the map and the phase page: real drop-offs ranked on enough answers,
the last phase and small samples explained, NPS intervals as "low – high", value-weighted
conversion shown, and touchpoints carrying the same part with or without a touchpoint filter."""

import csv
import io
import re
from html import unescape

import pytest

from app.services import journey_map
from tests.api.test_priority_rules import (
    build_scenario,
    customers_and_events,
    nps_survey,
    post_answer,
)
from tests.conftest import csv_text, new_survey
from tests.dashboard.test_map import map_figures


def section(page: str, ident: str) -> str:
    return unescape(page.split(f'id="{ident}"')[1].split("</section>")[0])


def column(page: str, key: str) -> str:
    return unescape(page.split(f'data-phase="{key}"')[1].split("</article>")[0])


def api_stats(api, journey, query=""):
    reply = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
    assert reply.status_code == 200, reply.json
    return {phase["phase"]: phase for phase in reply.json["phases"]}


def test_the_map_ranks_the_real_drop_off_and_explains_the_last_phase(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    page = dash.html("/dashboard")
    summary = unescape(page.split('aria-label="Summary"')[1].split("</section>")[0])
    assert "Fix first" in summary and "Aankoop" in summary and "€10.3k at stake" in summary
    fix_first = section(page, "fix-first")
    ranked = fix_first.split('class="priorities"')[1].split("</ol>")[0]
    assert re.findall(r'data-phase="([a-z]+)"', ranked) == ["aankoop"]
    assert "Aankoop: 60% drop-off, €55.0k of customer value, 31% detractors" in ranked
    not_ranked = fix_first.split('class="unranked"')[1].split("</ul>")[0]
    assert re.findall(r'data-phase="([a-z]+)"', not_ranked) == ["levering"]
    assert "Levering & montage: last phase: no next phase to lose customers to" in not_ranked
    assert "€34.0k at stake" not in page  # what the last phase was charged with before
    assert "Fix first #" not in column(page, "levering")
    assert "Fix first #1" in column(page, "aankoop")


def test_touchpoints_carry_the_same_part_with_and_without_a_touchpoint_filter(
    dash, api, brand, journey, survey
):
    made = build_scenario(api, journey, survey)
    showroom, website = made["showroom"]["id"], made["website"]["id"]

    def aankoop(filters):
        data = journey_map.build(brand, journey["id"], filters)
        return next(p for p in data["phases"] if p["phase"] == "aankoop")

    whole = aankoop({})
    parts = {t["name"]: t["value_at_stake"] for t in whole["touchpoints"]}
    # drop-off 60 % × €55k × detractors at the touchpoint ÷ the phase's 80 answers
    assert parts == {"Showroom": 8250.0, "Website": 2062.5}
    # the 20 answers without a touchpoint are promoters, so the parts add up to the phase
    assert sum(parts.values()) == pytest.approx(whole["priority"]["value_at_stake"])

    for touchpoint, name, part in ((showroom, "Showroom", 8250.0), (website, "Website", 2062.5)):
        filtered = aankoop({"touchpoint": touchpoint})
        assert [(t["name"], t["value_at_stake"]) for t in filtered["touchpoints"]] == [(name, part)]
        # the phase figure under the filter is the API's: that touchpoint's part of the phase
        shown = api_stats(api, journey, f"?touchpoint={touchpoint}")["aankoop"]["priority"]
        assert filtered["priority"] == shown
        assert shown["value_at_stake"] == part

    line = "Showroom: 50% detractors among 40 of the phase's 80 answers, €8.2k of the phase's"
    assert line in section(dash.html("/dashboard"), "fix-first")
    assert line in section(dash.html(f"/dashboard?touchpoint={showroom}"), "fix-first")


@pytest.mark.parametrize("query", ["", "?persona=senioren", "?touchpoint=SHOWROOM", "?channel=api"])
def test_map_priorities_equal_the_api(api, brand, journey, survey, query):
    made = build_scenario(api, journey, survey)
    query = query.replace("SHOWROOM", str(made["showroom"]["id"]))
    want = api_stats(api, journey, query)
    filters = dict(item.split("=") for item in query.lstrip("?").split("&") if item)
    if "touchpoint" in filters:
        filters["touchpoint"] = int(filters["touchpoint"])
    data = journey_map.build(brand, journey["id"], filters)
    for phase in data["phases"]:
        assert phase["priority"] == want[phase["phase"]]["priority"], (query, phase["phase"])
    assert [p["phase"] for p in data["priorities"]] == sorted(
        (key for key in want if want[key]["priority"]["rank"]),
        key=lambda key: want[key]["priority"]["rank"],
    )


def test_few_answers_are_greyed_unranked_and_their_interval_reads_low_high(dash, api, journey):
    customers_and_events(api, journey)
    aankoop = nps_survey(api, journey, "aankoop")
    for score in [2, 10, 10, 10]:
        post_answer(api, aankoop, score)
    nps = api_stats(api, journey)["aankoop"]["nps"]
    low, high = (f"{bound:.1f}" for bound in nps["ci95"])

    page = dash.html("/dashboard")
    aankoop_column = column(page, "aankoop")
    assert '<span class="big muted">50.0</span>' in aankoop_column
    assert "too few answers (n=4)" in aankoop_column
    assert f"(95%: {low} – {high})" in aankoop_column
    assert "±" not in page
    assert "Fix first #" not in page
    fix_first = section(page, "fix-first")
    assert "Nothing ranked yet" in fix_first
    assert "Aankoop: too few answers (n=4) to rank" in fix_first

    phase_page = unescape(dash.html(f"/dashboard/journeys/{journey['id']}/phases/aankoop"))
    assert f"95% interval {low} – {high}" in phase_page
    assert "too few answers (n=4)" in phase_page
    assert "not ranked" in phase_page and "too few answers (n=4) to rank" in phase_page
    assert "±" not in phase_page


def test_persona_cells_with_too_few_answers_are_grey(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    table = dash.html("/dashboard").split('id="persona-title"')[1].split("</table>")[0]
    rows = {
        re.search(r'<th scope="row">(?:<a [^>]+>)?([^<]+)', row).group(1): row
        for row in table.split("<tr>")[2:]
    }
    aankoop_cell = re.findall(r'<td class="([^"]+)">(.*?)</td>', rows["Senioren"])[1]
    assert aankoop_cell[0] == "heat-none" and "n=4, too few" in aankoop_cell[1]
    no_persona = re.findall(r'<td class="([^"]+)">(.*?)</td>', rows["No persona"])[1]
    assert no_persona[0] != "heat-none" and "too few" not in no_persona[1]  # 76 answers


def test_value_weighted_conversion_is_on_the_map_and_the_phase_page(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    conversion = api_stats(api, journey)["aankoop"]["conversion"]
    # 4 of 10 customers went on, but they hold €34k of the €55k
    assert (conversion["to_next"], conversion["value_weighted"]) == (0.4, 0.6182)

    page = dash.html("/dashboard")
    shown = map_figures(page)
    assert float(shown["aankoop"]["value-weighted"]) == conversion["value_weighted"]
    assert shown["levering"]["value-weighted"] == ""  # the last phase: nothing to go on to
    went_on = column(page, "aankoop").split('class="went-on">')[1].split("</dd>")[0]
    assert "40% of customers" in went_on and "62%" in went_on and "of customer value" in went_on
    assert "the share of customer value that went on" in page

    phase_page = dash.html(f"/dashboard/journeys/{journey['id']}/phases/aankoop")
    assert 'data-value-weighted="0.6182">62%</span>' in phase_page
    assert "share of customer value that went on" in phase_page


def test_the_figures_csv_leaves_the_last_phase_unranked(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    reply = dash.get(f"/dashboard/journeys/{journey['id']}/figures.csv")
    rows = {r["phase"]: r for r in csv.DictReader(io.StringIO(csv_text(reply)))}
    assert (rows["levering"]["priority_rank"], rows["levering"]["value_at_stake"]) == ("", "")
    assert "last phase: no next phase" in rows["levering"]["priority_reason"]
    assert rows["aankoop"]["priority_rank"] == "1"
    assert float(rows["aankoop"]["value_at_stake"]) == pytest.approx(10312.5)
    assert float(rows["aankoop"]["value_weighted"]) == 0.6182


def test_a_phase_with_answers_but_no_nps_is_listed_as_not_ranked_with_the_apis_reason(
    dash, api, journey
):
    """A CSAT-only phase with drop-off fell out of both lists: neither ranked nor "Not ranked"."""
    customers_and_events(api, journey)  # 60% of aankoop's customers drop off
    question = {"key": "tevreden", "type": "csat", "text": "Tevreden?"}
    csat_only = new_survey(api, journey["id"], "aankoop", [question])
    for score in (2, 4, 5):
        body = {"survey_id": csat_only["id"], "answers": {"tevreden": score}}
        assert api.post("/api/v1/responses", json=body).status_code == 202
    reason = api_stats(api, journey)["aankoop"]["priority"]["reason"]
    assert "no NPS answers: the rank weighs detractors" in reason

    fix_first = section(dash.html("/dashboard"), "fix-first")
    not_ranked = fix_first.split('class="unranked"')[1].split("</ul>")[0]
    assert re.findall(r'data-phase="([a-z]+)"', not_ranked) == ["aankoop"]
    assert f"{reason}." in not_ranked and "at stake" not in not_ranked  # no "€0 at stake"
    reply = dash.get(f"/dashboard/journeys/{journey['id']}/figures.csv")
    rows = {r["phase"]: r for r in csv.DictReader(io.StringIO(csv_text(reply)))}
    assert rows["aankoop"]["priority_reason"] == reason

    phase_page = unescape(dash.html(f"/dashboard/journeys/{journey['id']}/phases/aankoop"))
    card = phase_page.split('class="muted priority-reason">')[1].split("</span>")[0]
    assert card == reason


def test_a_csat_only_phase_page_shows_its_scores_and_no_nps_tools(dash, api, journey):
    """Its written answers showed no score at all, its filters offered NPS groups that matched
    nothing, and the word comparison counted "0 detractor answers and 0 others" beside three
    written answers (onboarding walkthrough)."""
    questions = [
        {"key": "tevreden", "type": "csat", "text": "Tevreden?"},
        {"key": "waarom", "type": "text", "text": "Waarom?"},
    ]
    csat_only = new_survey(api, journey["id"], "aankoop", questions)
    for score, text in ((5, "Heel fijn geholpen"), (2, "Lang moeten wachten"), (4, "Prima")):
        body = {"survey_id": csat_only["id"], "answers": {"tevreden": score, "waarom": text}}
        assert api.post("/api/v1/responses", json=body).status_code == 202
    page = unescape(dash.html(f"/dashboard/journeys/{journey['id']}/phases/aankoop"))
    written = page.split('id="verbatims"')[1]
    assert sorted(re.findall(r'<span class="tag">CSAT (\d)</span>', written)) == ["2", "4", "5"]
    assert 'id="v-category"' not in page and 'id="v-score"' not in page
    assert 'data-terms="no-nps"' in page and "0 others" not in page
    # with NPS answers the tools are there, as before
    with_nps = new_survey(api, journey["id"], "levering")
    body = {"survey_id": with_nps["id"], "answers": {"nps": 3, "why": "Te laat"}}
    assert api.post("/api/v1/responses", json=body).status_code == 202
    nps_page = dash.html(f"/dashboard/journeys/{journey['id']}/phases/levering")
    assert 'id="v-category"' in nps_page and 'data-terms="no-nps"' not in nps_page


def test_a_persona_without_nps_answers_reads_a_dash_not_n_0(dash, api, journey):
    assert api.post("/api/v1/personas", json={"key": "gezin", "name": "Gezin"}).status_code == 201
    body = {"external_id": "k1", "persona": "gezin"}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    question = {"key": "tevreden", "type": "csat", "text": "Tevreden?"}
    csat_only = new_survey(api, journey["id"], "aankoop", [question])
    answer = {"survey_id": csat_only["id"], "answers": {"tevreden": 4}, "customer": "k1"}
    assert api.post("/api/v1/responses", json=answer).status_code == 202
    table = dash.html("/dashboard").split('id="persona-title"')[1].split("</table>")[0]
    assert "Gezin" in table and "n=0" not in table


def test_went_on_is_rounded_once_and_adds_up_with_the_drop_off(dash, api, journey):
    """17 of 103 customers went on: 16.50…%, which the map reads 17% (the API's 0.165 read
    16%), and the reason's drop-off is its complement, 83%, so the two add up to 100."""
    items = [{"external_id": f"k{i}", "value": 100} for i in range(103)]
    assert api.post("/api/v1/customers/batch", json={"items": items}).status_code == 200
    events = [
        {"customer": f"k{i}", "journey_id": journey["id"], "phase": phase}
        for i in range(103)
        for phase in ["orientatie"] + (["aankoop"] if i < 17 else [])
    ]
    assert api.post("/api/v1/events/batch", json={"items": events}).status_code == 201
    post_answer(api, nps_survey(api, journey, "orientatie"), 3)
    orientatie = api_stats(api, journey)["orientatie"]
    assert orientatie["conversion"]["to_next"] == 0.165
    assert "(83% drop-off," in orientatie["priority"]["reason"]
    page = dash.html("/dashboard")
    assert "17% of customers" in column(page, "orientatie")
    assert "17% went on to Aankoop" in unescape(page)
    phase = dash.html(f"/dashboard/journeys/{journey['id']}/phases/orientatie")
    assert '<span class="value">17%</span>' in phase
