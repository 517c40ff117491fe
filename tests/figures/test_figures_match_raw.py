"""The figures users see (stats API, journey map, phase page, exports) against the raw
answers, recomputed by brute force from the `response` rows and the journey events.

The demo brand is seeded once for this module (read-only tests); tests that change data are
in test_figures_after_changes.py. Days are the brand's days (the rollups' convention, see raw.py).
"""

import csv
import io
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import timestamps
from app.extensions import db as _db
from app.models import DwellRollup, Journey, Persona, Survey, Touchpoint, User
from app.models.base import utcnow
from app.services import journey_map, phase_report, stats, trends
from tests.conftest import ApiClient, csv_text, wipe
from tests.dashboard.conftest import PASSWORD_HASH, Dashboard
from tests.figures import raw

RESPONSES = 900


@pytest.fixture(scope="module")
def demo(app):
    from app.demo import seed

    with app.app_context():
        wipe(app)
        out = seed.run(responses=RESPONSES, seed=11, echo=lambda *args: None)
        brand = out["brand"]
        user = User(
            brand=brand, email="audit@phasewise.local", role="viewer", password_hash=PASSWORD_HASH
        )
        _db.session.add(user)
        _db.session.commit()
        journey = _db.session.get(Journey, out["journey_id"])
        personas = {
            p.key: p.id
            for p in _db.session.scalars(select(Persona).where(Persona.brand_id == brand.id))
        }
        info = {
            "brand": brand,
            "brand_id": brand.id,
            "journey_id": journey.id,
            "phases": [(phase.id, phase.key) for phase in journey.phases],
            "personas": personas,
            "touchpoints": [
                t.id
                for t in _db.session.scalars(
                    select(Touchpoint).where(Touchpoint.brand_id == brand.id)
                )
            ],
            "api_key": out["api_key"],
        }
        client = app.test_client()
        info["api"] = ApiClient(client, out["api_key"])
        dash = Dashboard(app.test_client())
        assert dash.login("audit@phasewise.local").status_code == 302
        info["dash"] = dash
        yield info
        _db.session.remove()
    wipe(app)


def _today():
    """The demo brand's today (its days are Amsterdam's)."""
    return timestamps.local_day(utcnow(), timestamps.DEFAULT_ZONE)


def filter_cases():
    today = _today()
    return {
        "all": {},
        "last30": {"from_": today - timedelta(days=29), "to": today},
        "one_day_ago_40": {"from_": today - timedelta(days=40), "to": today - timedelta(days=40)},
        "persona_senioren": {"persona": "senioren"},
        "persona_gezinnen": {"persona": "jonge-gezinnen"},
        "channel_widget": {"channel": "widget"},
        "channel_email": {"channel": "email"},
        "channel_link": {"channel": "link"},
        "locale_en": {"locale": "en"},
        "touchpoint_first": {"touchpoint": "FIRST"},
        "combined": {
            "persona": "verbouwers",
            "channel": "email",
            "from_": today - timedelta(days=60),
            "to": today - timedelta(days=10),
        },
    }


def _query(filters: dict) -> str:
    parts = [f"{'from' if key == 'from_' else key}={value}" for key, value in filters.items()]
    return "?" + "&".join(parts) if parts else ""


def _resolve(demo, filters: dict) -> tuple[dict, int | None]:
    filters = dict(filters)
    if filters.get("touchpoint") == "FIRST":
        filters["touchpoint"] = demo["touchpoints"][len(demo["touchpoints"]) // 2]
    persona_id = demo["personas"][filters["persona"]] if "persona" in filters else None
    return filters, persona_id


@pytest.mark.parametrize("case", list(filter_cases()))
def test_stats_api_equals_raw_answers_and_events(demo, case):
    filters, persona_id = _resolve(demo, filter_cases()[case])
    reply = demo["api"].get(f"/api/v1/journeys/{demo['journey_id']}/stats{_query(filters)}")
    assert reply.status_code == 200, reply.json
    answers = raw.answer_figures(demo["brand_id"], filters, persona_id)
    conversion = raw.conversion_figures(demo["brand_id"], demo["journey_id"], filters, persona_id)
    problems = []
    shown_phases = reply.json["phases"]
    assert [p["phase"] for p in shown_phases] == [key for _, key in demo["phases"]]
    for (phase_id, _), shown in zip(demo["phases"], shown_phases, strict=True):
        problems += raw.assert_phase_matches(
            shown, answers.get(phase_id, raw.EMPTY_ANSWERS), conversion[phase_id], case
        )
    assert not problems, "\n".join(problems)
    if case == "all":  # the audit must have looked at something
        assert sum(p["n"] for p in shown_phases) == RESPONSES
        assert sum(p["conversion"]["converted"] for p in shown_phases) > 0


def test_priorities_rank_by_value_at_stake_recomputed_from_raw(demo):
    reply = demo["api"].get(f"/api/v1/journeys/{demo['journey_id']}/stats").json["phases"]
    answers = raw.answer_figures(demo["brand_id"], {})
    conversion = raw.conversion_figures(demo["brand_id"], demo["journey_id"], {})
    expected, enough = {}, set()
    last = demo["phases"][-1][1]
    for phase_id, key in demo["phases"]:
        a, c = answers.get(phase_id, raw.EMPTY_ANSWERS), conversion[phase_id]
        if a["nps_n"] >= stats.MIN_ANSWERS:
            enough.add(key)
        if key == last:  # no next phase to lose customers to: nothing at stake, no rank
            expected[key] = None
            continue
        drop = 1 - c["to_next"] if c["to_next"] is not None else 0.0
        share = a["detractors"] / a["nps_n"] if a["nps_n"] else 0.0
        expected[key] = drop * c["reached_value"] * share
    for shown in reply:
        want = expected[shown["phase"]]
        if want is None:
            assert shown["priority"]["value_at_stake"] is None, shown["phase"]
            assert shown["priority"]["rank"] is None, shown["phase"]
            continue
        # From the unrounded figures, so off by the rounding to the cent only (the float sums
        # add in another order, hence the margin).
        gap = abs(shown["priority"]["value_at_stake"] - want)
        assert gap <= 0.005 + 1e-6, (shown["phase"], gap)
    ranked = [
        p["phase"]
        for p in sorted(
            (p for p in reply if p["priority"]["rank"]), key=lambda p: p["priority"]["rank"]
        )
    ]
    assert ranked == sorted(
        (k for k in expected if expected[k] and k in enough), key=lambda k: -expected[k]
    )
    assert ranked[0] == "levering"  # the demo's story


def _map_columns(html: str) -> dict[str, dict]:
    columns = {}
    for match in re.finditer(r'<article class="phase card[^"]*"\s+([^>]+)>', html):
        attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))
        columns[attributes["phase"]] = attributes
    return columns


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", {}),
        ("period=30d", "last30"),
        ("persona=senioren", {"persona": "senioren"}),
        ("channel=widget&locale=nl", {"channel": "widget", "locale": "nl"}),
    ],
)
def test_journey_map_page_equals_raw(demo, query, filters):
    if filters == "last30":
        filters = filter_cases()["last30"]
    filters, persona_id = _resolve(demo, filters)
    html = demo["dash"].html(f"/dashboard?journey={demo['journey_id']}&{query}")
    columns = _map_columns(html)
    answers = raw.answer_figures(demo["brand_id"], filters, persona_id)
    conversion = raw.conversion_figures(demo["brand_id"], demo["journey_id"], filters, persona_id)
    assert list(columns) == [key for _, key in demo["phases"]]
    for phase_id, key in demo["phases"]:
        a = answers.get(phase_id, raw.EMPTY_ANSWERS)
        assert int(columns[key]["n"]) == a["n"], key
        shown_nps = float(columns[key]["nps"]) if columns[key]["nps"] else None
        assert shown_nps == a["nps"], key
        to_next = columns[key].get("to-next", "")
        want = conversion[phase_id]["to_next"]
        assert (float(to_next) if to_next else None) == (
            None if want is None else round(want, 4)
        ), key


def test_journey_map_totals_and_persona_table_equal_raw(demo):
    data = journey_map.build(demo["brand"], demo["journey_id"], {})
    rows = raw.responses(demo["brand_id"])
    p = sum(1 for r in rows if r.nps is not None and r.nps >= 9)
    d = sum(1 for r in rows if r.nps is not None and r.nps <= 6)
    n = sum(1 for r in rows if r.nps is not None)
    assert data["totals"]["responses"] == len(rows)
    assert data["totals"]["nps"]["score"] == raw.nps_score(p, d, n)
    first_phase = demo["phases"][0][0]
    assert (
        data["totals"]["reached_first"]
        == raw.conversion_figures(demo["brand_id"], demo["journey_id"], {})[first_phase]["reached"]
    )
    personas = {key: pid for key, pid in demo["personas"].items()}
    for row in data["personas"]:
        persona_id = personas.get(row["key"], 0) if row["key"] else None
        answers = (
            raw.answer_figures(demo["brand_id"], {}, persona_id)
            if persona_id is not None
            else raw.answer_figures(
                demo["brand_id"], {}, rows=[r for r in rows if r.persona_id is None]
            )
        )
        for (phase_id, key), cell in zip(demo["phases"], row["cells"], strict=True):
            a = answers.get(phase_id, raw.EMPTY_ANSWERS)
            if a["nps_n"] == 0:
                assert cell is None, (row["key"], key)
            else:
                assert (cell["score"], cell["n"]) == (a["nps"], a["nps_n"]), (row["key"], key)


def test_time_in_phase_counts_the_customers_who_went_on(demo):
    data = journey_map.build(demo["brand"], demo["journey_id"], {})
    conversion = raw.conversion_figures(demo["brand_id"], demo["journey_id"], {})
    for phase_id, key in demo["phases"]:
        shown = next(p for p in data["phases"] if p["phase"] == key)
        assert shown["time_in_phase"]["n"] == conversion[phase_id]["converted"], key
    dwell_total = _db.session.scalar(
        select(_db.func.sum(DwellRollup.customers)).where(DwellRollup.brand_id == demo["brand_id"])
    )
    assert dwell_total == sum(c["converted"] for c in conversion.values())


@pytest.mark.parametrize("grain", ["week", "month"])
def test_phase_trend_equals_raw_per_period(demo, grain):
    phase_id, key = next(item for item in demo["phases"] if item[1] == "levering")
    phase = next(p for p in _db.session.get(Journey, demo["journey_id"]).phases if p.id == phase_id)
    rows = [r for r in raw.responses(demo["brand_id"]) if r.phase_id == phase_id]
    first = min(raw.brand_day(demo["brand_id"], r.created_at) for r in rows)
    series = trends.series(demo["brand"], phase, {"from_": first}, None, grain)
    buckets = defaultdict(list)
    for r in rows:
        buckets[trends.period_start(raw.brand_day(demo["brand_id"], r.created_at), grain)].append(r)
    # a period the filter cuts starts at the filter's first day: keyed by its whole start
    shown = {trends.period_start(period["start"], grain): period for period in series["periods"]}
    assert set(b for b in buckets) <= set(shown)
    for start, period in shown.items():
        answers = raw.answer_figures(demo["brand_id"], {}, rows=buckets.get(start, [])).get(
            phase_id, raw.EMPTY_ANSWERS
        )
        assert period["n"] == answers["n"], start
        assert period["nps"]["score"] == answers["nps"], start
        mean, n = answers["csat"]
        assert period["csat"]["n"] == n
        assert period["csat"]["mean"] == (None if mean is None else pytest.approx(mean, abs=0.0011))


@pytest.mark.parametrize("case", ["all", "last30", "persona_senioren", "channel_email"])
def test_phase_page_survey_counts_per_channel_equal_raw(demo, case):
    filters, persona_id = _resolve(demo, filter_cases()[case])
    brand = demo["brand"]
    rows = raw.responses(demo["brand_id"])
    for phase_id, key in demo["phases"]:
        phase = next(
            p for p in _db.session.get(Journey, demo["journey_id"]).phases if p.id == phase_id
        )
        items = phase_report.surveys_of_phase(brand, phase, filters)
        for item in items:
            survey = item["survey"]
            # Documented: the survey list counts answers "in the period" (persona, channel,
            # touchpoint and locale filters do not apply to it).
            period = {k: v for k, v in filters.items() if k in ("from_", "to")}
            mine = [r for r in rows if r.survey_id == survey.id and raw.keep(r, period, None)]
            by_channel = defaultdict(int)
            for r in mine:
                by_channel[r.channel] += 1
            assert item["answers"] == dict(by_channel), (key, case)
            assert item["total"] == len(mine)
            assert item["with_text"] == sum(1 for r in mine if r.comment)


@pytest.mark.parametrize("case", ["all", "last30", "persona_senioren", "channel_link", "combined"])
def test_responses_csv_rows_equal_raw_rows(demo, case):
    filters, persona_id = _resolve(demo, filter_cases()[case])
    query = _query(filters).lstrip("?")
    everything = raw.responses(demo["brand_id"], statuses=None)
    for phase_id, key in demo["phases"]:
        url = f"/dashboard/journeys/{demo['journey_id']}/phases/{key}/responses.csv?{query}"
        reply = demo["dash"].get(url)
        assert reply.status_code == 200
        rows = list(csv.DictReader(io.StringIO(csv_text(reply))))
        want = sorted(
            r.id for r in everything if r.phase_id == phase_id and raw.keep(r, filters, persona_id)
        )
        assert sorted(int(r["id"]) for r in rows) == want, key
        # every row the export shows is counted in the phase's figures (all are processed here)
        figure = raw.answer_figures(demo["brand_id"], filters, persona_id).get(
            phase_id, raw.EMPTY_ANSWERS
        )
        assert len(rows) == figure["n"]


def test_figures_csv_equals_raw(demo):
    reply = demo["dash"].get(f"/dashboard/journeys/{demo['journey_id']}/figures.csv")
    assert reply.status_code == 200
    rows = {r["phase"]: r for r in csv.DictReader(io.StringIO(csv_text(reply)))}
    answers = raw.answer_figures(demo["brand_id"], {})
    conversion = raw.conversion_figures(demo["brand_id"], demo["journey_id"], {})
    for phase_id, key in demo["phases"]:
        a, c = answers.get(phase_id, raw.EMPTY_ANSWERS), conversion[phase_id]
        row = rows[key]
        assert int(row["n"]) == a["n"]
        assert (float(row["nps"]) if row["nps"] else None) == a["nps"]
        assert (int(row["promoters"]), int(row["passives"]), int(row["detractors"])) == (
            a["promoters"],
            a["passives"],
            a["detractors"],
        )
        assert int(row["reached"]) == c["reached"] and int(row["converted"]) == c["converted"]


def test_surveys_of_the_demo_are_one_per_phase(demo):
    """Sanity for the per-survey checks above: the demo has one survey version per phase."""
    count = _db.session.scalar(
        select(_db.func.count(Survey.id)).where(Survey.brand_id == demo["brand_id"])
    )
    assert count == len(demo["phases"])


def test_time_to_next_phase_mean_and_median_equal_raw(demo):
    """The mean days to the next phase is exact; the median comes from a bucket histogram
    (dwell.EDGES_DAYS), so it must fall in the bucket that holds the raw median."""
    from statistics import median

    from app.services import dwell

    data = journey_map.build(demo["brand"], demo["journey_id"], {})
    stats_phases = demo["api"].get(f"/api/v1/journeys/{demo['journey_id']}/stats").json["phases"]
    conversion = raw.conversion_figures(demo["brand_id"], demo["journey_id"], {})
    for (phase_id, key), shown, api_phase in zip(
        demo["phases"], data["phases"], stats_phases, strict=True
    ):
        hours = conversion[phase_id]["dwell_hours"]
        if not hours:
            assert api_phase["conversion"]["mean_days_to_next"] is None
            continue
        assert api_phase["conversion"]["mean_days_to_next"] == pytest.approx(
            sum(hours) / len(hours) / 24, abs=0.051
        ), key
        true_median = median(hours) / 24
        index = dwell.bucket(median(hours))
        low = dwell.EDGES_DAYS[index]
        high = dwell.EDGES_DAYS[index + 1] if index + 1 < len(dwell.EDGES_DAYS) else float("inf")
        assert low - 0.05 <= shown["time_in_phase"]["median_days"] <= high + 0.05, (
            key,
            true_median,
        )
