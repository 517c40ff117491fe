"""Per-phase figures from rollups: NPS with interval, CSAT, sentiment, value-weighted conversion."""

import pytest

from app.models import MapRollup, Rollup
from tests.conftest import brand_today, new_survey


def answer(api, survey, nps, csat=None, text=None, **extra):
    answers = {"nps": nps}
    if csat is not None:
        answers["csat"] = csat
    if text is not None:
        answers["why"] = text
    response = api.post(
        "/api/v1/responses", json={"survey_id": survey["id"], "answers": answers, **extra}
    )
    assert response.status_code == 202, response.json
    return response.json["id"]


def stats(api, journey, query=""):
    response = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
    assert response.status_code == 200, response.json
    return {phase["phase"]: phase for phase in response.json["phases"]}


def test_nps_of_the_contract_example(api, journey, survey):
    for score in [10, 9, 9, 10, 9, 7, 8, 7, 3, 6]:  # 5 promoters, 3 passives, 2 detractors
        answer(api, survey, score)
    figures = stats(api, journey)
    nps = figures["levering"]["nps"]
    assert nps["score"] == 30.0
    assert (nps["promoters"], nps["passives"], nps["detractors"], nps["n"]) == (5, 3, 2, 10)
    low, high = nps["ci95"]
    assert -100 <= low < 30.0 < high <= 100
    assert figures["levering"]["n"] == 10


def test_phases_come_in_journey_order_even_without_data(api, journey, survey):
    response = api.get(f"/api/v1/journeys/{journey['id']}/stats").json
    assert [phase["phase"] for phase in response["phases"]] == ["orientatie", "aankoop", "levering"]
    empty = response["phases"][0]
    assert empty["n"] == 0 and empty["nps"]["score"] is None and empty["nps"]["ci95"] is None
    assert empty["csat"] == {"mean": None, "n": 0}
    assert empty["hypothesis"] == {"nps": 40, "csat": 4.2, "conversion": 0.6}


def test_csat_and_sentiment_means(api, journey, survey):
    answer(api, survey, 9, csat=5, text="Alles was perfect, heel blij!")
    answer(api, survey, 2, csat=1, text="Slecht, de tegels waren beschadigd.")
    answer(api, survey, 8, csat=3)
    levering = stats(api, journey)["levering"]
    assert levering["csat"] == {"mean": 3.0, "n": 3}
    assert levering["sentiment"]["n"] == 2
    assert levering["sentiment"]["positive"] == 1 and levering["sentiment"]["negative"] == 1


def test_conversion_and_value_weighting(api, journey, survey):
    for external_id, value in [("a", 1000), ("b", 3000), ("c", 6000)]:
        api.post("/api/v1/customers", json={"external_id": external_id, "value": value})
        api.post(
            "/api/v1/events",
            json={"customer": external_id, "journey_id": journey["id"], "phase": "aankoop"},
        )
    # only the most valuable customer, and the cheapest, went on to delivery
    for external_id in ("a", "c"):
        api.post(
            "/api/v1/events",
            json={"customer": external_id, "journey_id": journey["id"], "phase": "levering"},
        )
    conversion = stats(api, journey)["aankoop"]["conversion"]
    assert conversion["reached"] == 3 and conversion["converted"] == 2
    assert conversion["to_next"] == pytest.approx(2 / 3, abs=1e-4)
    assert conversion["value_weighted"] == pytest.approx(7000 / 10000, abs=1e-4)
    assert stats(api, journey)["levering"]["conversion"]["to_next"] is None  # no next phase


def test_conversion_counts_events_in_any_order(api, journey):
    body = {"customer": "x", "journey_id": journey["id"]}
    api.post("/api/v1/events", json={**body, "phase": "levering"})
    api.post("/api/v1/events", json={**body, "phase": "aankoop"})
    api.post("/api/v1/events", json={**body, "phase": "aankoop"})  # again: no double count
    conversion = stats(api, journey)["aankoop"]["conversion"]
    assert (conversion["reached"], conversion["converted"]) == (1, 1)


def test_filters_by_channel_persona_and_period(api, journey, survey):
    api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"})
    api.post("/api/v1/customers", json={"external_id": "s1", "persona": "senioren"})
    answer(api, survey, 2, customer="s1")
    answer(api, survey, 10)
    assert stats(api, journey, "?persona=senioren")["levering"]["nps"]["n"] == 1
    assert stats(api, journey, "?persona=senioren")["levering"]["nps"]["score"] == -100.0
    assert stats(api, journey, "?channel=api")["levering"]["n"] == 2
    assert stats(api, journey, "?channel=widget")["levering"]["n"] == 0
    today = brand_today().isoformat()
    assert stats(api, journey, f"?from={today}&to={today}")["levering"]["n"] == 2
    assert stats(api, journey, "?to=2000-01-01")["levering"]["n"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "?from=someday",
        "?from=2026-02-01&to=2026-01-01",
        "?channel=fax",
        "?persona=BAD KEY",
        "?locale=fr",
    ],
)
def test_bad_stats_queries_are_422(api, journey, query):
    assert api.get(f"/api/v1/journeys/{journey['id']}/stats{query}").status_code == 422


def test_unknown_persona_filter_is_422(api, journey):
    assert api.get(f"/api/v1/journeys/{journey['id']}/stats?persona=nobody").status_code == 422


def test_priority_ranks_the_phase_with_most_value_at_stake(api, journey, survey):
    for index in range(10):
        external_id = f"k{index}"
        api.post("/api/v1/customers", json={"external_id": external_id, "value": 5000})
        for phase in ("orientatie", "aankoop"):
            api.post(
                "/api/v1/events",
                json={"customer": external_id, "journey_id": journey["id"], "phase": phase},
            )
        if index < 4:  # 60 % drop after purchase
            api.post(
                "/api/v1/events",
                json={"customer": external_id, "journey_id": journey["id"], "phase": "levering"},
            )
    aankoop_survey = new_survey(
        api, journey["id"], "aankoop", [{"key": "nps", "type": "nps", "text": "?"}]
    )
    for score in [2, 3, 9, 10] * 8:  # 32 answers: enough to rank (stats.MIN_ANSWERS)
        answer(api, aankoop_survey, score)
    figures = stats(api, journey)
    priority = figures["aankoop"]["priority"]
    assert priority["rank"] == 1
    assert priority["value_at_stake"] == pytest.approx(0.6 * 50000 * 0.5)
    assert "60% drop-off" in priority["reason"] and "50% detractors" in priority["reason"]
    assert figures["orientatie"]["priority"]["rank"] is None  # no detractors measured


@pytest.mark.parametrize(("query", "table"), [("", MapRollup), ("?channel=api", Rollup)])
def test_stats_read_rollups_not_responses(api, journey, survey, db, query, table):
    answer(api, survey, 10)
    # a row of one rollup edited by hand shows up: the figures come from the narrow rollup,
    # or from the full one only when a channel filter needs it (the other table is left as is)
    row = db.session.query(table).one()
    row.promoters += 3
    row.responses += 3
    db.session.commit()
    assert stats(api, journey, query)["levering"]["nps"]["promoters"] == 4
