"""Figures against raw rows around day boundaries, after an erasure, a retention run, a
re-processing (failed rows retried, sweeps, two processors at once) and a duplicate, and
around journey events and edits (values, personas, back-dated events, phase moves).

Answers are posted through the API. To give an answer a chosen moment, the pipeline's kick is
switched off (as when Redis is down), created_at is set, and `flask pipeline sweep` processes.
"""

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from app.errors import AppError
from app.extensions import db as _db
from app.models import Customer, CustomerPhase, Response
from app.models.base import utcnow
from app.models.response import FAILED, PROCESSED
from app.services import journey_editor, processing, retention
from tests.figures import raw

# --- helpers ----------------------------------------------------------------------------------


def post(api, survey, nps, csat=None, text=None, key=None, **extra):
    answers = {"nps": nps}
    if csat is not None:
        answers["csat"] = csat
    if text is not None:
        answers["why"] = text
    headers = {"Idempotency-Key": key} if key else None
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "answers": answers, **extra},
        headers=headers,
    )
    assert reply.status_code == 202, reply.json
    return reply.json["id"]


@pytest.fixture
def held(monkeypatch):
    """Answers stay `received` (no kick: as when Redis is down) until `sweep()`."""
    from app.pipeline import jobs

    monkeypatch.setattr(jobs, "kick", lambda response_ids: False)


def sweep(app):
    result = app.test_cli_runner().invoke(args=["pipeline", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def set_created(ids, moment: datetime):
    _db.session.execute(update(Response).where(Response.id.in_(ids)).values(created_at=moment))
    _db.session.commit()


def stats(api, journey, query=""):
    reply = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
    assert reply.status_code == 200, reply.json
    return reply.json["phases"]


def phase_ids(journey):
    return {phase["key"]: phase["id"] for phase in journey["phases"]}


def mismatches(api, brand, journey, filters=None, persona_id=None, conversion=True):
    filters = filters or {}
    query = "&".join(f"{'from' if k == 'from_' else k}={v}" for k, v in filters.items())
    shown = stats(api, journey, "?" + query if query else "")
    answers = raw.answer_figures(brand.id, filters, persona_id)
    conv = (
        raw.conversion_figures(brand.id, journey["id"], filters, persona_id) if conversion else {}
    )
    ids = phase_ids(journey)
    problems = []
    for phase in shown:
        problems += raw.assert_phase_matches(
            phase,
            answers.get(ids[phase["phase"]], raw.EMPTY_ANSWERS),
            conv.get(ids[phase["phase"]]) if conversion else None,
            "stats",
        )
    return problems


def export_ids(dash_or_client, brand, journey, key, filters):
    """Response ids in the phase's CSV export for these filters (the service, no login)."""
    from app.models import Phase
    from app.services import exports

    phase = _db.session.scalar(
        select(Phase).where(Phase.journey_id == journey["id"], Phase.key == key)
    )
    text = "".join(exports.responses_csv(brand, phase, filters, None))
    return sorted(int(row["id"]) for row in csv.DictReader(io.StringIO(text)))


def event(api, journey, customer, phase, occurred_at=None, value=None):
    body = {"customer": customer, "journey_id": journey["id"], "phase": phase}
    if occurred_at is not None:
        body["occurred_at"] = occurred_at.isoformat() + "+00:00"
    if value is not None:
        body["value"] = value
    reply = api.post("/api/v1/events", json=body)
    assert reply.status_code == 201, reply.json


def customer(api, external_id, **fields):
    reply = api.post("/api/v1/customers", json={"external_id": external_id, **fields})
    assert reply.status_code in (200, 201), reply.json


# --- day boundaries ---------------------------------------------------------------------------


def test_day_boundaries_are_the_brands_days_in_stats_export_and_trend(
    app, api, brand, journey, survey, held
):
    """Rollups are per day of the brand (Europe/Amsterdam here) and `from`/`to` are its days;
    the raw-row reads (export, verbatims) cut at its midnight too, so all agree. An answer at
    00:30 in Amsterdam (23:30 UTC the day before) counts on its Amsterdam day."""
    amsterdam = ZoneInfo(brand.time_zone)
    day = datetime.now(amsterdam).date() - timedelta(days=3)

    def stored(local_day, at):  # a wall-clock time in Amsterdam, as stored: naive UTC
        moment = datetime.combine(local_day, at, amsterdam)
        return moment.astimezone(UTC).replace(tzinfo=None)

    moments = {
        "start": stored(day, time.min),
        "late": stored(day, time(23, 30)),
        "end": stored(day, time(23, 59, 59, 999999)),
        "next": stored(day + timedelta(days=1), time.min),
        "before": stored(day, time.min) - timedelta(microseconds=1),
        "utc_late": datetime.combine(day, time(23, 30)),  # the next day in Amsterdam
    }
    ids = {}
    for name, moment in moments.items():
        ids[name] = post(api, survey, 9 if name not in ("next", "utc_late") else 2, text="Prima")
        set_created([ids[name]], moment)
    sweep(app)
    one_day = {"from_": day, "to": day}
    day_after = {"from_": day + timedelta(days=1), "to": day + timedelta(days=1)}
    assert not mismatches(api, brand, journey, one_day)
    assert not mismatches(api, brand, journey, day_after)
    levering = {p["phase"]: p for p in stats(api, journey, f"?from={day}&to={day}")}["levering"]
    assert levering["n"] == 3  # start, late, end
    assert export_ids(None, brand, journey, "levering", one_day) == sorted(
        [ids["start"], ids["late"], ids["end"]]
    )
    later = export_ids(None, brand, journey, "levering", {"from_": day + timedelta(days=1)})
    assert later == sorted([ids["next"], ids["utc_late"]])


def test_a_datetime_in_from_is_refused_not_truncated(api, journey):
    """A mid-day `from` is a 422, so no answer is silently counted by a truncated day."""
    reply = api.get(f"/api/v1/journeys/{journey['id']}/stats?from=2026-01-05T12:00:00")
    assert reply.status_code == 422


# --- erasure ----------------------------------------------------------------------------------


def _two_customers(api, journey, survey):
    api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"})
    for name, value, persona in (("anna", 4000, "senioren"), ("bert", 6000, None)):
        customer(api, name, value=value, **({"persona": persona} if persona else {}))
        for phase in ("orientatie", "aankoop", "levering")[: 3 if name == "anna" else 2]:
            event(api, journey, name, phase)
    post(api, survey, 3, csat=1, text="Slecht, de tegels waren beschadigd.", customer="anna")
    post(api, survey, 10, csat=5, text="Alles was perfect, heel blij!", customer="bert")
    post(api, survey, 8, customer="anna")


def test_erasure_keeps_every_figure_and_the_answers_still_match(api, brand, journey, survey):
    _two_customers(api, journey, survey)
    assert not mismatches(api, brand, journey)
    before = stats(api, journey)
    reply = api.delete("/api/v1/customers/anna")
    assert reply.status_code == 200 and reply.json["status"] == "erased"
    # The rule (docs/privacy.md): figures stay exactly as they were.
    assert stats(api, journey) == before
    # Scores, categories and sentiment stay on the rows: the answer figures still equal raw.
    assert not mismatches(api, brand, journey, conversion=False)
    # Conversion keeps the erased customer's counts though her events are gone (by the rule).
    raw_after = raw.conversion_figures(brand.id, journey["id"], {})
    ids = phase_ids(journey)
    assert before[0]["conversion"]["reached"] == 2 and raw_after[ids["orientatie"]]["reached"] == 1


def test_erasure_keeps_a_phase_only_she_reached_measured_in_another_period(api, brand, journey):
    """Her reaches are deleted, her counts kept: a phase only she reached stays measured under
    a period in which nobody reached it, so the phase before keeps its conversion (it read
    "no later phase measured yet" after the erasure, and the last phase "new")."""
    customer(api, "anna", value=4000)
    customer(api, "bert", value=6000)
    event(api, journey, "bert", "aankoop", datetime(2026, 3, 10, 12))
    event(api, journey, "anna", "aankoop", datetime(2026, 4, 10, 12))
    event(api, journey, "anna", "levering", datetime(2026, 4, 12, 12))  # only she: April
    march = "?from=2026-03-01&to=2026-03-31"
    before = stats(api, journey, march)
    assert before[1]["conversion"]["to_next"] == 0.0 and before[2]["conversion"]["measured"]
    assert api.delete("/api/v1/customers/anna").status_code == 200
    assert stats(api, journey, march) == before


def test_an_answer_erased_before_the_pipeline_ran_is_counted_as_stored(
    app, api, brand, journey, survey, held
):
    customer(api, "carla", value=1000)
    post(api, survey, 2, csat=1, text="Slecht, de tegels waren beschadigd.", customer="carla")
    assert api.delete("/api/v1/customers/carla").status_code == 200
    sweep(app)
    assert not mismatches(api, brand, journey)
    levering = {p["phase"]: p for p in stats(api, journey)}["levering"]
    assert levering["n"] == 1 and levering["sentiment"]["n"] == 0  # its text went first


# --- retention --------------------------------------------------------------------------------


def _old_answers(app, api, survey, days_ago=40):
    moment = datetime.combine(utcnow().date() - timedelta(days=days_ago), time(14, 23, 5))
    ids = [post(api, survey, score, text="Netjes gewerkt, monteurs top") for score in (9, 4, 7)]
    set_created(ids, moment)
    sweep(app)
    return ids, moment.date()


def test_retention_keeps_the_figures_and_the_day(app, api, brand, journey, survey, held):
    ids, day = _old_answers(app, api, survey)
    one_day = {"from_": day, "to": day}
    before = stats(api, journey, f"?from={day}&to={day}")
    brand.retention_days = 30
    _db.session.commit()
    counts = retention.apply(brand)
    assert counts["responses"] == 3 and counts["answer_times"] == 3
    assert stats(api, journey, f"?from={day}&to={day}") == before
    assert not mismatches(api, brand, journey, one_day)
    assert {r.created_at.date() for r in raw.responses(brand.id)} == {day}
    assert retention.apply(brand)["answer_times"] == 0  # idempotent


@pytest.mark.parametrize(
    ("zone", "at_utc"),
    [
        ("Europe/Amsterdam", time(23, 30)),  # 00:30 the next day there
        ("America/New_York", time(2, 15)),  # 21:15 the day before there
    ],
)
def test_retention_keeps_the_brands_day_of_an_answer_near_midnight(
    app, api, brand, journey, survey, held, zone, at_utc
):
    """An answer past the period keeps its day, the brand's: the midnight it is cut to lies
    on the day the rollups counted it on, east and west of UTC."""
    brand.time_zone = zone
    _db.session.commit()
    moment = datetime.combine(utcnow().date() - timedelta(days=40), at_utc)
    ids = [post(api, survey, score, text="Keurig") for score in (9, 3)]
    set_created(ids, moment)
    sweep(app)
    day = raw.brand_day(brand.id, moment)
    assert day != moment.date()  # the brand's day is not UTC's: the case this is about
    one_day = {"from_": day, "to": day}
    before = stats(api, journey, f"?from={day}&to={day}")
    brand.retention_days = 30
    _db.session.commit()
    assert retention.apply(brand)["answer_times"] == 2
    cut = {r.created_at for r in raw.responses(brand.id)}
    assert len(cut) == 1 and next(iter(cut)).time() == time.min
    assert {raw.brand_day(brand.id, r.created_at) for r in raw.responses(brand.id)} == {day}
    assert stats(api, journey, f"?from={day}&to={day}") == before
    assert not mismatches(api, brand, journey, one_day)
    assert export_ids(None, brand, journey, "levering", one_day) == sorted(ids)
    assert retention.apply(brand)["answer_times"] == 0  # idempotent


def test_after_retention_the_export_finds_the_answers_on_their_day(
    app, api, brand, journey, survey, held
):
    ids, day = _old_answers(app, api, survey)
    brand.retention_days = 30
    _db.session.commit()
    retention.apply(brand)
    shown = {p["phase"]: p for p in stats(api, journey, f"?from={day}&to={day}")}["levering"]
    exported = export_ids(None, brand, journey, "levering", {"from_": day, "to": day})
    previous = export_ids(
        None,
        brand,
        journey,
        "levering",
        {"from_": day - timedelta(days=1), "to": day - timedelta(days=1)},
    )
    assert (shown["n"], len(exported), len(previous)) == (3, 3, 0)


# --- re-processing and duplicates --------------------------------------------------------------


def test_failed_rows_retried_and_swept_are_counted_once(
    app, api, brand, journey, survey, held, monkeypatch
):
    ids = [post(api, survey, score, text=f"antwoord {score}") for score in (10, 6, 8, 9)]
    bad = ids[1]
    real_steps = processing.steps

    def failing_steps():
        def refuse(items):
            if any(response.id == bad for response, _ in items):
                raise ValueError("a row the pipeline cannot take")

        return [refuse, *real_steps()]

    monkeypatch.setattr(processing, "steps", failing_steps)
    sweep(app)
    assert _db.session.scalar(select(Response.status).where(Response.id == bad)) == FAILED
    assert not mismatches(api, brand, journey)  # the failed row is in no figure and no raw count
    monkeypatch.setattr(processing, "steps", real_steps)
    assert processing.retry_failed([bad]) == 1
    sweep(app)
    sweep(app)  # nothing waiting: changes nothing
    processing.process_batch(ids)  # already processed: changes nothing
    assert not mismatches(api, brand, journey)
    assert {p["phase"]: p for p in stats(api, journey)}["levering"]["n"] == 4


def test_the_same_idempotency_key_counts_once(api, brand, journey, survey):
    first = post(api, survey, 3, text="Te laat", key="order-1-levering")
    again = post(api, survey, 3, text="Te laat", key="order-1-levering")
    assert first == again
    assert not mismatches(api, brand, journey)
    assert {p["phase"]: p for p in stats(api, journey)}["levering"]["n"] == 1


def test_two_processors_at_once_count_an_answer_once(
    app, api, brand, journey, survey, held, claimed_meanwhile
):
    """E.g. `make run` (inline jobs, threaded server): two requests, or a request and
    `flask pipeline sweep`, each grab the waiting rows."""
    response_id = post(api, survey, 9, text="Prima")
    claimed_meanwhile(lambda: processing.process_batch([response_id]))
    processing.process_batch([response_id])
    _db.session.expire_all()
    assert (
        _db.session.scalar(select(Response.status).where(Response.id == response_id)) == PROCESSED
    )
    problems = mismatches(api, brand, journey)
    assert not problems, problems


# --- conversion: what the rollup cannot revisit ------------------------------------------------


@pytest.mark.parametrize("case", ["customer value raised", "transaction value of next event"])
def test_value_weighted_conversion_stays_a_share(api, brand, journey, case):
    customer(api, "stays", value=1000)
    event(api, journey, "stays", "aankoop")
    if case == "customer value raised":
        customer(api, "buyer", value=1000)
        event(api, journey, "buyer", "aankoop")
        customer(api, "buyer", value=9000)  # the purchase raised what she is worth
        event(api, journey, "buyer", "levering")
    else:
        customer(api, "buyer")  # no customer value: the event's transaction value counts
        event(api, journey, "buyer", "aankoop")
        event(api, journey, "buyer", "levering", value=5000)
    shown = {p["phase"]: p for p in stats(api, journey)}["aankoop"]["conversion"]
    want = raw.conversion_figures(brand.id, journey["id"], {})[phase_ids(journey)["aankoop"]]
    assert shown["value_weighted"] <= 1.0, shown
    assert shown["value_weighted"] == pytest.approx(want["value_weighted"], abs=1e-4)


def test_a_persona_change_does_not_convert_more_than_reached(api, brand, journey):
    api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"})
    customer(api, "dora", value=2000)
    event(api, journey, "dora", "aankoop")
    customer(api, "dora", persona="senioren")  # known only later
    event(api, journey, "dora", "levering")
    persona_id = _db.session.scalar(
        select(Customer.persona_id).where(Customer.external_id == "dora")
    )
    shown = {p["phase"]: p for p in stats(api, journey, "?persona=senioren")}["aankoop"][
        "conversion"
    ]
    want = raw.conversion_figures(brand.id, journey["id"], {}, persona_id)[
        phase_ids(journey)["aankoop"]
    ]
    assert shown["converted"] <= shown["reached"], shown
    assert (shown["reached"], shown["converted"]) == (want["reached"], want["converted"])


def test_a_back_dated_event_moves_the_day_first_reached(api, brand, journey):
    today = utcnow().replace(microsecond=0)
    customer(api, "erik", value=3000)
    event(api, journey, "erik", "aankoop", occurred_at=today - timedelta(days=2))
    event(api, journey, "erik", "aankoop", occurred_at=today - timedelta(days=20))  # imported late
    day = (today - timedelta(days=20)).date()
    assert not mismatches(api, brand, journey, {"from_": day, "to": day})


def test_a_new_time_zone_leaves_counted_shares_on_the_day_they_were_counted(api, brand, journey):
    """A share is taken away from the day it was added to, whatever the zone is now: after a
    move from Amsterdam to New York, a new value and persona take the customer off the
    Amsterdam day (not off New York's, where they never counted: -1 there), and a reach
    found to be earlier counts on its day in the new zone."""
    for key in ("senioren", "verbouwers"):
        api.post("/api/v1/personas", json={"key": key, "name": key.title()})
    customer(api, "gijs", persona="senioren", value=100)
    customer(api, "hans", persona="senioren", value=100)
    late = datetime(2026, 5, 1, 22, 30)  # Amsterdam: 2 May 00:30; New York: 1 May 18:30
    event(api, journey, "gijs", "aankoop", occurred_at=late)
    event(api, journey, "gijs", "levering", occurred_at=datetime(2026, 5, 3, 10))
    event(api, journey, "hans", "aankoop", occurred_at=datetime(2026, 5, 1, 12))
    reply = api.patch("/api/v1/brand", json={"time_zone": "America/New_York"})
    assert reply.status_code == 200, reply.json
    customer(api, "gijs", persona="verbouwers", value=300)

    def aankoop(day, persona=None):
        query = f"?from={day}&to={day}" + (f"&persona={persona}" if persona else "")
        figures = {p["phase"]: p for p in stats(api, journey, query)}["aankoop"]["conversion"]
        return figures["reached"], figures["converted"], figures["reached_value"]

    assert aankoop("2026-05-01") == (1, 0, 100)  # hans only
    assert aankoop("2026-05-01", "senioren") == (1, 0, 100)
    assert aankoop("2026-05-02") == (1, 1, 300)  # gijs, where he was counted, worth 300 now
    assert aankoop("2026-05-02", "verbouwers") == (1, 1, 300)
    assert aankoop("2026-05-02", "senioren") == (0, 0, 0)

    # Found earlier: 21:30 UTC is 1 May in both zones, and he counts there now.
    event(api, journey, "gijs", "aankoop", occurred_at=late - timedelta(hours=1))
    assert aankoop("2026-05-02") == (0, 0, 0)
    assert aankoop("2026-05-01") == (2, 1, 400)
    assert not mismatches(api, brand, journey)  # all time: equal to the events


def test_conversion_follows_the_journey_after_a_phase_is_inserted(api, brand, journey):
    for name in ("f1", "f2"):
        customer(api, name, value=1000)
        event(api, journey, name, "orientatie")
        event(api, journey, name, "aankoop")
    assert not mismatches(api, brand, journey)
    journey_editor.add_phase(
        brand, journey["id"], {"key": "offerte", "name": "Offerte", "position": 2}
    )
    journey = api.get(f"/api/v1/journeys/{journey['id']}").json
    shown = {p["phase"]: p for p in stats(api, journey)}["orientatie"]["conversion"]
    assert shown["to_next"] == 1.0, shown  # who skipped the new "offerte" still went on
    assert not mismatches(api, brand, journey)


def test_conversion_skips_a_phase_outside_the_funnel_before_and_after_a_flip(api, brand, journey):
    """raw.conversion_figures walks the funnel from the events on its own: the stats agree
    with a service phase in the middle, moved out of the funnel and back, in a period too."""
    reply = api.post(
        f"/api/v1/journeys/{journey['id']}/phases",
        json={"key": "service", "name": "Service", "position": 2, "in_funnel": False},
    )
    assert reply.status_code == 201, reply.json
    today = utcnow().replace(microsecond=0)
    for index, phases in enumerate(
        [
            ("orientatie", "service"),
            ("orientatie", "service", "aankoop"),
            ("orientatie", "aankoop", "levering"),
            ("service",),
            ("orientatie",),
        ]
    ):
        customer(api, f"s{index}", value=1000 * (index + 1))
        for step, phase in enumerate(phases):
            event(api, journey, f"s{index}", phase, occurred_at=today - timedelta(days=9 - step))
    journey = api.get(f"/api/v1/journeys/{journey['id']}").json
    shown = {p["phase"]: p["conversion"] for p in stats(api, journey)}
    assert (shown["orientatie"]["reached"], shown["orientatie"]["converted"]) == (4, 2)
    assert (shown["service"]["reached"], shown["service"]["to_next"]) == (3, None)
    recent = {"from_": (today - timedelta(days=8)).date()}
    assert not mismatches(api, brand, journey)
    assert not mismatches(api, brand, journey, recent)
    for in_funnel in (True, False):
        url = f"/api/v1/journeys/{journey['id']}/phases/service"
        assert api.patch(url, json={"in_funnel": in_funnel}).status_code == 200
        journey = api.get(f"/api/v1/journeys/{journey['id']}").json
        assert not mismatches(api, brand, journey)
        assert not mismatches(api, brand, journey, recent)


def test_first_reached_rows_agree_with_events_in_order(api, brand, journey):
    """Control for the back-dated case: events in time order match raw exactly."""
    today = utcnow().replace(microsecond=0)
    customer(api, "fien", value=3000)
    event(api, journey, "fien", "orientatie", occurred_at=today - timedelta(days=9))
    event(api, journey, "fien", "aankoop", occurred_at=today - timedelta(days=5))
    event(api, journey, "fien", "aankoop", occurred_at=today - timedelta(days=1))
    assert _db.session.scalar(select(_db.func.count(CustomerPhase.id))) == 2
    for offset in (9, 5, 1):
        day = (today - timedelta(days=offset)).date()
        assert not mismatches(api, brand, journey, {"from_": day, "to": day})


# --- edits of what answers refer to --------------------------------------------------------------


def test_a_new_touchpoint_starts_without_the_answers_of_a_deleted_one(api, brand, journey, survey):
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    old = api.post(url, json={"name": "Bezorging", "channel": "onsite"}).json
    for score in (1, 2, 3):
        post(api, survey, score, touchpoint=old["id"])
    # A touchpoint with answers is renamed, not deleted (its answers would lose their place).
    with pytest.raises(AppError) as refused:
        journey_editor.delete_touchpoint(brand, old["id"])
    assert refused.value.code == 409
    # One without answers goes; the next one never takes its id (ids are rollup keys).
    unused = api.post(url, json={"name": "Showroom", "channel": "onsite"}).json
    journey_editor.delete_touchpoint(brand, unused["id"])
    new = api.post(url, json={"name": "Montageploeg", "channel": "onsite"}).json
    assert new["id"] not in (old["id"], unused["id"])
    shown = {p["phase"]: p for p in stats(api, journey, f"?touchpoint={new['id']}")}["levering"]
    raw_rows = [r for r in raw.responses(brand.id) if r.touchpoint_id == new["id"]]
    assert (shown["n"], len(raw_rows)) == (0, 0), (old["id"], new["id"], shown["n"], len(raw_rows))


def test_every_nps_answer_is_in_the_figures(api, brand, journey):
    """A second NPS question would be counted in no figure (the response has one nps column),
    so a survey with two is refused; the answers of the one NPS question are all counted."""
    questions = [
        {"key": "nps_product", "type": "nps", "text": "Product?"},
        {"key": "nps_fitter", "type": "nps", "text": "Monteur?"},
    ]
    body = {"journey_id": journey["id"], "phase": "aankoop", "locale": "nl"}
    refused = api.post("/api/v1/surveys", json={**body, "questions": questions})
    assert refused.status_code == 422, refused.json
    assert "questions.1.type" in refused.json["error"]["fields"]
    questions[1] = {"key": "fitter", "type": "csat", "text": "Monteur?"}
    created = api.post("/api/v1/surveys", json={**body, "questions": questions})
    assert created.status_code == 201, created.json
    for nps, csat in ((10, 2), (2, 5)):
        answers = {"nps_product": nps, "fitter": csat}
        reply = api.post(
            "/api/v1/responses", json={"survey_id": created.json["id"], "answers": answers}
        )
        assert reply.status_code == 202
    raw_nps = [row["nps_product"] for (row,) in _db.session.execute(select(Response.answers))]
    shown = {p["phase"]: p for p in stats(api, journey)}["aankoop"]
    assert shown["nps"]["n"] == len(raw_nps) == 2, shown
    assert shown["csat"]["n"] == 2, shown


def test_the_export_lists_answers_the_figures_do_not_count_yet(
    app, api, brand, journey, survey, held
):
    """Convention: the CSV export reads raw rows of every status (with a status column); the
    figures count processed answers only, so they differ while answers wait or failed."""
    ids = [post(api, survey, 9), post(api, survey, 3)]
    assert export_ids(None, brand, journey, "levering", {}) == sorted(ids)
    assert {p["phase"]: p for p in stats(api, journey)}["levering"]["n"] == 0
    sweep(app)
    assert {p["phase"]: p for p in stats(api, journey)}["levering"]["n"] == 2
