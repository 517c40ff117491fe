"""A phase nobody has reached yet does not break the chain of conversion.

"Went on" is: reached any later phase of the journey. A customer who skips a phase (one that is
new, or one others do reach) still went on, so adding a phase rewrites no history, and the
new phase reads "new, not measured yet" until its first journey event: no conversion of its
own, not ranked. The API, the map and the figures CSV say the same, and raw.py agrees.
"""

import csv
import io
from html import unescape

import pytest

from app.services import journey_editor
from tests.api.test_priority_rules import nps_survey, post_answer
from tests.conftest import csv_text
from tests.dashboard.test_map import map_figures
from tests.figures import raw


def stats(api, journey):
    reply = api.get(f"/api/v1/journeys/{journey['id']}/stats")
    assert reply.status_code == 200, reply.json
    return {phase["phase"]: phase for phase in reply.json["phases"]}


def event(api, journey, who, phase):
    body = {"customer": who, "journey_id": journey["id"], "phase": phase}
    assert api.post("/api/v1/events", json=body).status_code == 201


def column(page: str, key: str) -> str:
    return unescape(page.split(f'data-phase="{key}"')[1].split("</article>")[0])


def no_mismatch(api, brand, journey):
    """The API's conversion equals the brute-force count from the events (tests/figures/raw)."""
    journey = api.get(f"/api/v1/journeys/{journey['id']}").json
    ids = {phase["key"]: phase["id"] for phase in journey["phases"]}
    answers = raw.answer_figures(brand.id, {})
    conversion = raw.conversion_figures(brand.id, journey["id"], {})
    problems = []
    for key, shown in stats(api, journey).items():
        problems += raw.assert_phase_matches(
            shown, answers.get(ids[key], raw.EMPTY_ANSWERS), conversion[ids[key]], "stats"
        )
    return problems


@pytest.fixture
def reached(api, journey):
    """Ten customers worth €1,000 reach orientatie, six go on to aankoop, three to levering;
    orientatie has 30 NPS answers, 10 of them detractors: it is ranked."""
    for number in range(10):
        who = f"k{number}"
        assert api.post("/api/v1/customers", json={"external_id": who, "value": 1000}).status_code
        for phase in ["orientatie", "aankoop", "levering"][: 1 + (number < 6) + (number < 3)]:
            event(api, journey, who, phase)
    survey = nps_survey(api, journey, "orientatie")
    for score in [2] * 10 + [10] * 20:
        post_answer(api, survey, score)
    return journey


def test_a_new_phase_between_two_reached_ones_keeps_the_conversion_before_it(
    dash, api, brand, reached
):
    journey = reached
    before = stats(api, journey)["orientatie"]
    assert before["conversion"]["to_next"] == 0.6
    assert before["priority"]["value_at_stake"] == pytest.approx(0.4 * 10000 * 10 / 30, abs=0.01)

    journey_editor.add_phase(
        brand, journey["id"], {"key": "offerte", "name": "Offerte", "position": 2}
    )
    after = stats(api, journey)
    assert list(after) == ["orientatie", "offerte", "aankoop", "levering"]
    assert after["orientatie"]["conversion"] == before["conversion"]
    assert after["orientatie"]["priority"] == before["priority"]
    new = after["offerte"]
    assert new["conversion"]["reached"] == 0
    assert new["conversion"]["measured"] is False and before["conversion"]["measured"] is True
    assert new["conversion"]["to_next"] is None and new["priority"]["rank"] is None
    assert new["priority"]["reason"] == "Offerte: new, not measured yet: no journey events yet"
    assert not no_mismatch(api, brand, journey)

    page = dash.html(f"/dashboard?journey={journey['id']}")
    assert map_figures(page)["orientatie"]["to-next"] == "0.6"
    assert "new, not measured yet" in column(page, "offerte")
    assert "60% went on to Offerte or a later phase" in unescape(page)
    rows = {
        row["phase"]: row
        for row in csv.DictReader(
            io.StringIO(csv_text(dash.get(f"/dashboard/journeys/{journey['id']}/figures.csv")))
        )
    }
    assert float(rows["orientatie"]["to_next"]) == 0.6 and rows["offerte"]["to_next"] == ""
    assert "new, not measured yet" in rows["offerte"]["priority_reason"]
    phase_page = dash.html(f"/dashboard/journeys/{journey['id']}/phases/offerte")
    assert "new, not measured yet: nobody has reached this phase" in phase_page
    assert "Went on to Aankoop or later" in phase_page


def test_the_first_event_of_a_new_phase_rewrites_no_history(api, brand, reached):
    journey = reached
    journey_editor.add_phase(
        brand, journey["id"], {"key": "offerte", "name": "Offerte", "position": 2}
    )
    assert api.post("/api/v1/customers", json={"external_id": "new", "value": 1000}).status_code
    event(api, journey, "new", "orientatie")
    event(api, journey, "new", "offerte")
    after = stats(api, journey)
    # the six who skipped offerte (it did not exist yet) still went on from orientatie
    assert (
        after["orientatie"]["conversion"]["reached"],
        after["orientatie"]["conversion"]["converted"],
    ) == (11, 7)
    assert after["offerte"]["conversion"]["measured"] is True
    assert after["offerte"]["conversion"]["to_next"] == 0.0  # reached no later phase (yet)
    assert not no_mismatch(api, brand, journey)


def test_a_customer_who_skips_a_phase_others_reach_went_on(api, brand, reached):
    journey = reached
    assert api.post("/api/v1/customers", json={"external_id": "jump", "value": 1000}).status_code
    event(api, journey, "jump", "orientatie")
    event(api, journey, "jump", "levering")  # no aankoop event: skipped, or not told
    orientatie = stats(api, journey)["orientatie"]["conversion"]
    assert (orientatie["reached"], orientatie["converted"]) == (11, 7)
    assert not no_mismatch(api, brand, journey)


def test_a_new_last_phase_leaves_the_one_before_without_a_drop_off(dash, api, brand, reached):
    journey = reached
    journey_editor.add_phase(brand, journey["id"], {"key": "nazorg", "name": "Nazorg"})
    after = stats(api, journey)
    levering = after["levering"]
    assert levering["conversion"]["to_next"] is None
    assert levering["conversion"]["value_weighted"] is None
    assert levering["priority"]["value_at_stake"] is None and levering["priority"]["rank"] is None
    assert "no later phase measured yet" in levering["priority"]["reason"]
    assert after["aankoop"]["conversion"]["to_next"] == 0.5  # measured phases still count
    assert not no_mismatch(api, brand, journey)
    page = dash.html(f"/dashboard?journey={journey['id']}")
    assert "no later phase measured yet" in column(page, "levering")
    # The arrow to nazorg says so to a screen reader too, not "No customers reached this
    # phase yet" beside "Reached 3 customers", nor "– went on to Nazorg".
    arrow = unescape(page.split('data-phase="levering"')[1].split("</li>")[0])
    arrow = arrow.split('class="arrow-cell"')[1]
    assert '-d">Went on: no later phase measured yet.</desc>' in arrow
    assert ">Went on: no later phase measured yet.</span>" in arrow
    assert "No customers reached" not in arrow and "went on to" not in arrow

    event(api, journey, "k0", "nazorg")
    assert stats(api, journey)["levering"]["conversion"]["to_next"] == pytest.approx(1 / 3, 1e-3)
    assert not no_mismatch(api, brand, journey)
