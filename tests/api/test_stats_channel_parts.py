"""Under a channel, language or touchpoint filter, a phase's value at stake is that selection's
part of the whole: drop-off × the phase's customer value × the selection's detractors ÷ all the
phase's NPS answers. So the parts of one filter add up to the phase's unfiltered amount."""

import pytest

from app.services import journey_map
from tests.api.test_priority_rules import customers_and_events, post_answer
from tests.conftest import new_survey
from tests.figures import raw

# aankoop: 10 customers worth €55k, 4 go on (60 % drop-off); 80 NPS answers, 26 detractors
ANSWERS = [  # (channel, locale, touchpoint?, scores)
    ("widget", "nl", True, [2] * 10 + [9] * 10),
    ("email", "en", False, [2] * 5 + [7] * 15),
    ("api", "nl", False, [2] * 11 + [10] * 29),
]
WHOLE = 0.6 * 55000 * 26 / 80


@pytest.fixture
def parts(api, journey):
    customers_and_events(api, journey)
    url = f"/api/v1/journeys/{journey['id']}/phases/aankoop/touchpoints"
    showroom = api.post(url, json={"name": "Showroom", "channel": "onsite"}).json
    text = {"nl": "Zou u ons aanraden?", "en": "Would you recommend us?"}
    survey = new_survey(
        api, journey["id"], "aankoop", [{"key": "nps", "type": "nps", "text": text}]
    )
    for channel, locale, at_showroom, scores in ANSWERS:
        extra = {"channel": channel, "locale": locale}
        if at_showroom:
            extra["touchpoint"] = showroom["id"]
        for score in scores:
            post_answer(api, survey, score, **extra)
    return {"journey": journey, "showroom": showroom["id"]}


def aankoop(api, journey, query=""):
    reply = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
    assert reply.status_code == 200, reply.json
    return next(phase for phase in reply.json["phases"] if phase["phase"] == "aankoop")


def at_stake(api, journey, query=""):
    return aankoop(api, journey, query)["priority"]["value_at_stake"]


def test_the_channels_parts_add_up_to_the_whole(api, parts):
    journey = parts["journey"]
    assert at_stake(api, journey) == pytest.approx(WHOLE)
    shown = {c: at_stake(api, journey, f"?channel={c}") for c in ("widget", "email", "link", "api")}
    assert shown == pytest.approx(
        {"widget": 4125.0, "email": 0.6 * 55000 * 5 / 80, "link": 0.0, "api": 0.6 * 55000 * 11 / 80}
    )
    assert sum(shown.values()) == pytest.approx(WHOLE)
    # the phase's own figures under the filter stay the channel's answers alone
    by_api = aankoop(api, journey, "?channel=api")
    assert (by_api["nps"]["n"], by_api["nps"]["detractors"]) == (40, 11)
    assert by_api["priority"]["reason"] == (
        "Aankoop: 60% drop-off, €55.0k of customer value, 11 detractors here of the phase's"
        " 80 answers (14%)"
    )


def test_the_languages_parts_add_up_to_the_whole(api, parts):
    journey = parts["journey"]
    shown = [at_stake(api, journey, f"?locale={locale}") for locale in ("nl", "en")]
    assert shown == pytest.approx([0.6 * 55000 * 21 / 80, 0.6 * 55000 * 5 / 80])
    assert sum(shown) == pytest.approx(WHOLE)


def test_a_touchpoint_filter_gives_the_touchpoints_part_as_the_map_lists_it(api, brand, parts):
    journey, showroom = parts["journey"], parts["showroom"]
    part = 0.6 * 55000 * 10 / 80
    assert at_stake(api, journey, f"?touchpoint={showroom}") == pytest.approx(part)
    whole = journey_map.build(brand, journey["id"], {})
    listed = next(p for p in whole["phases"] if p["phase"] == "aankoop")["touchpoints"]
    assert [(t["name"], t["value_at_stake"]) for t in listed] == [("Showroom", part)]


@pytest.mark.parametrize(
    "filters",
    [{}, {"channel": "email"}, {"locale": "nl"}, {"channel": "widget", "touchpoint": "SHOWROOM"}],
)
def test_the_map_and_the_api_give_the_same_part_and_raw_rows_agree(api, brand, parts, filters):
    journey = parts["journey"]
    filters = {k: parts["showroom"] if v == "SHOWROOM" else v for k, v in filters.items()}
    query = "?" + "&".join(f"{k}={v}" for k, v in filters.items()) if filters else ""
    shown = aankoop(api, journey, query)
    mapped = next(
        p
        for p in journey_map.build(brand, journey["id"], filters)["phases"]
        if p["phase"] == "aankoop"
    )
    assert mapped["priority"] == shown["priority"]
    # a touchpoint's part under the filter is its part of this selection's part
    assert (
        sum(t["value_at_stake"] for t in mapped["touchpoints"])
        <= shown["priority"]["value_at_stake"] + 0.01
    )
    phase_id = next(p["id"] for p in journey["phases"] if p["key"] == "aankoop")
    selection = raw.answer_figures(brand.id, filters)[phase_id]
    everything = raw.answer_figures(brand.id, {})[phase_id]
    conversion = raw.conversion_figures(brand.id, journey["id"], filters)[phase_id]
    want = (
        (1 - conversion["to_next"])
        * conversion["reached_value"]
        * selection["detractors"]
        / everything["nps_n"]
    )
    assert shown["priority"]["value_at_stake"] == pytest.approx(want, abs=0.005)
