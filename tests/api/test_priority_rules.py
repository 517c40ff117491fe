"""Which phases "what to fix first" ranks: a real drop-off to a next phase, measured on enough
answers. The last phase has nothing to lose customers to; a handful of answers ranks nothing."""

import pytest

from app.services import stats as stats_service
from tests.conftest import new_survey
from tests.figures import raw

# Ten customers worth €1,000…€10,000 reach orientatie and aankoop; the four most valuable go on
# to levering (the last phase): aankoop converts 40 % of its customers and 34k of its 55k value.
VALUES = [1000 * (index + 1) for index in range(10)]
GOES_ON = {6, 7, 8, 9}


def post_answer(api, survey, score, **extra):
    body = {"survey_id": survey["id"], "answers": {"nps": score}, **extra}
    response = api.post("/api/v1/responses", json=body)
    assert response.status_code == 202, response.json


def nps_survey(api, journey, phase):
    return new_survey(
        api, journey["id"], phase, [{"key": "nps", "type": "nps", "text": "Aanraden?"}]
    )


def customers_and_events(api, journey):
    assert api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"}).status_code
    for index, value in enumerate(VALUES):
        body = {"external_id": f"k{index}", "value": value}
        if index == 0:
            body["persona"] = "senioren"
        assert api.post("/api/v1/customers", json=body).status_code == 201
        phases = ["orientatie", "aankoop"] + (["levering"] if index in GOES_ON else [])
        for phase in phases:
            event = {"customer": f"k{index}", "journey_id": journey["id"], "phase": phase}
            assert api.post("/api/v1/events", json=event).status_code == 201


def build_scenario(api, journey, survey) -> dict:
    """aankoop: 80 answers, 25 detractors (Showroom 40 with 20, Website 20 with 5, 20 without a
    touchpoint, 4 of them from a senior); levering, the last phase: 40 answers, all detractors.
    """
    customers_and_events(api, journey)
    url = f"/api/v1/journeys/{journey['id']}/phases/aankoop/touchpoints"
    showroom = api.post(url, json={"name": "Showroom", "channel": "onsite"}).json
    website = api.post(url, json={"name": "Website", "channel": "web"}).json
    aankoop = nps_survey(api, journey, "aankoop")
    for score in [2, 9] * 20:
        post_answer(api, aankoop, score, touchpoint=showroom["id"])
    for score in [2] * 5 + [7] * 15:
        post_answer(api, aankoop, score, touchpoint=website["id"])
    for index in range(20):
        post_answer(api, aankoop, 10, **({"customer": "k0"} if index < 4 else {}))
    for _ in range(40):
        post_answer(api, survey, 0)
    return {"showroom": showroom, "website": website, "aankoop_survey": aankoop}


def stats(api, journey, query=""):
    response = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
    assert response.status_code == 200, response.json
    return {phase["phase"]: phase for phase in response.json["phases"]}


def test_the_last_phase_has_no_value_at_stake_and_no_rank(api, journey, survey):
    build_scenario(api, journey, survey)
    figures = stats(api, journey)
    levering = figures["levering"]["priority"]
    # All 40 answers are detractors and €34k reached it: weighed as if every customer were
    # lost, it would have ranked first with €34k "at stake".
    assert levering == {
        "rank": None,
        "value_at_stake": None,
        "reason": levering["reason"],
    }
    assert "last phase: no next phase to lose customers to" in levering["reason"]
    aankoop = figures["aankoop"]["priority"]
    assert aankoop["rank"] == 1
    assert aankoop["value_at_stake"] == pytest.approx(0.6 * 55000 * 25 / 80)
    assert figures["orientatie"]["priority"]["rank"] is None  # no answers


def test_a_phase_with_too_few_answers_is_not_ranked(api, journey, survey):
    customers_and_events(api, journey)
    aankoop = nps_survey(api, journey, "aankoop")
    for score in [2, 3, 9, 10]:
        post_answer(api, aankoop, score)
    priority = stats(api, journey)["aankoop"]["priority"]
    assert priority["rank"] is None
    assert "too few answers (n=4) to rank" in priority["reason"]
    # the value at stake stays a figure (shown, not ranked): 60 % drop-off × €55k × 50 %
    assert priority["value_at_stake"] == pytest.approx(0.6 * 55000 * 0.5)

    for score in [2, 3, 9, 10] * ((stats_service.MIN_ANSWERS - 4) // 4 + 1):
        post_answer(api, aankoop, score)
    priority = stats(api, journey)["aankoop"]["priority"]
    assert priority["rank"] == 1 and "too few" not in priority["reason"]
    assert priority["value_at_stake"] == pytest.approx(0.6 * 55000 * 0.5)


def test_one_threshold_for_ranking_and_the_trend_test():
    from app.pipeline import nps

    assert stats_service.MIN_ANSWERS == nps.MIN_ANSWERS == 30


def test_priorities_equal_a_brute_force_count_of_the_raw_rows(api, brand, journey, survey):
    """The rule recomputed from the response rows and journey events (tests/figures/raw.py)."""
    build_scenario(api, journey, survey)
    reply = stats(api, journey)
    answers = raw.answer_figures(brand.id, {})
    conversion = raw.conversion_figures(brand.id, journey["id"], {})
    keys = [phase["key"] for phase in journey["phases"]]
    expected = {}
    for phase, key in zip(journey["phases"], keys, strict=True):
        a, c = answers.get(phase["id"], raw.EMPTY_ANSWERS), conversion[phase["id"]]
        if key == keys[-1]:
            expected[key] = None
            continue
        drop = 1 - c["to_next"] if c["to_next"] is not None else 0.0
        share = a["detractors"] / a["nps_n"] if a["nps_n"] else 0.0
        expected[key] = drop * c["reached_value"] * share
    for key, want in expected.items():
        shown = reply[key]["priority"]["value_at_stake"]
        assert shown == (None if want is None else pytest.approx(want, abs=0.005)), key
    ranked = sorted(
        (key for key in keys if reply[key]["priority"]["rank"]),
        key=lambda key: reply[key]["priority"]["rank"],
    )
    enough = {
        key
        for phase, key in zip(journey["phases"], keys, strict=True)
        if answers.get(phase["id"], raw.EMPTY_ANSWERS)["nps_n"] >= stats_service.MIN_ANSWERS
    }
    assert ranked == sorted(
        (k for k in expected if expected[k] and k in enough), key=lambda k: -expected[k]
    )
    assert ranked == ["aankoop"]


def test_a_phase_without_nps_answers_says_so_instead_of_too_few(api, journey, survey):
    """A phase whose survey asks CSAT only never gets detractors: "too few answers (n=0)"
    promised a rank that cannot come."""
    build_scenario(api, journey, survey)
    question = {"key": "tevreden", "type": "csat", "text": "Tevreden?"}
    csat_only = new_survey(api, journey["id"], "orientatie", [question])
    answer = {"survey_id": csat_only["id"], "answers": {"tevreden": 4}}
    assert api.post("/api/v1/responses", json=answer).status_code == 202
    reason = stats(api, journey)["orientatie"]["priority"]["reason"]
    assert "no NPS answers" in reason and "too few" not in reason
