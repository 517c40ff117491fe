"""Brute-force figures from the raw rows (response, journey_event, customer), in Python.

Nothing here reads a rollup: these are the numbers the figures users see should equal.
Days are the brand's days (its time zone) of the stored (naive UTC) moments, the convention
the rollups use: read here with zoneinfo alone, not through the app's helpers.
"""

from collections import defaultdict
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Brand, Customer, Journey, JourneyEvent, Response
from app.models.response import PROCESSED

CONTRACT_CATEGORY = (
    ("detractors", range(0, 7)),
    ("passives", range(7, 9)),
    ("promoters", range(9, 11)),
)


def nps_score(promoters: int, detractors: int, n: int):
    """The contract's score: 100 × (P − D) / n, rounded half away from zero to one decimal."""
    if n == 0:
        return None
    exact = Fraction(1000 * (promoters - detractors), n)  # tenths
    sign = -1 if exact < 0 else 1
    tenths = int(abs(exact) + Fraction(1, 2))
    return sign * tenths / 10 + 0.0


def brand_day(brand_id: int, moment: datetime) -> date:
    """The day it was where the brand is (Brand.time_zone) at that stored moment."""
    zone = ZoneInfo(db.session.get(Brand, brand_id).time_zone)
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def responses(brand_id: int, statuses=(PROCESSED,)) -> list:
    rows = db.session.execute(
        select(
            Response.id,
            Response.brand_id,
            Response.phase_id,
            Response.survey_id,
            Response.created_at,
            Response.channel,
            Response.persona_id,
            Response.touchpoint_id,
            Response.locale,
            Response.nps,
            Response.csat,
            Response.ces,
            Response.emotion,
            Response.comment,
            Response.sentiment_polarity,
            Response.sentiment_label,
            Response.status,
            Response.customer_id,
        ).where(Response.brand_id == brand_id)
    ).all()
    return [row for row in rows if statuses is None or row.status in statuses]


def keep(row, filters: dict, persona_id) -> bool:
    day = brand_day(row.brand_id, row.created_at)
    if filters.get("from_") and day < filters["from_"]:
        return False
    if filters.get("to") and day > filters["to"]:
        return False
    if persona_id is not None and row.persona_id != persona_id:
        return False
    for name, column in (
        ("channel", "channel"),
        ("touchpoint", "touchpoint_id"),
        ("locale", "locale"),
    ):
        if filters.get(name) is not None and getattr(row, column) != filters[name]:
            return False
    return True


def answer_figures(brand_id: int, filters: dict, persona_id=None, rows=None) -> dict:
    """{phase_id: {"n", "promoters", "passives", "detractors", "nps", "csat", "ces", …}}."""
    rows = responses(brand_id) if rows is None else rows
    out: dict = defaultdict(
        lambda: {
            "n": 0,
            "promoters": 0,
            "passives": 0,
            "detractors": 0,
            "csat": [],
            "ces": [],
            "sentiment": [],
            "labels": defaultdict(int),
            "emotions": defaultdict(int),
        }
    )
    for row in rows:
        if not keep(row, filters, persona_id):
            continue
        figure = out[row.phase_id]
        figure["n"] += 1
        if row.nps is not None:
            for name, scores in CONTRACT_CATEGORY:
                if row.nps in scores:
                    figure[name] += 1
        if row.csat is not None:
            figure["csat"].append(row.csat)
        if row.ces is not None:
            figure["ces"].append(row.ces)
        if row.sentiment_label is not None:
            figure["sentiment"].append(row.sentiment_polarity)
            figure["labels"][row.sentiment_label] += 1
        if row.emotion:
            figure["emotions"][row.emotion] += 1
    result = {}
    for phase_id, figure in out.items():
        n_nps = figure["promoters"] + figure["passives"] + figure["detractors"]
        result[phase_id] = {
            "n": figure["n"],
            "promoters": figure["promoters"],
            "passives": figure["passives"],
            "detractors": figure["detractors"],
            "nps_n": n_nps,
            "nps": nps_score(figure["promoters"], figure["detractors"], n_nps),
            "csat": (
                sum(figure["csat"]) / len(figure["csat"]) if figure["csat"] else None,
                len(figure["csat"]),
            ),
            "ces": (
                sum(figure["ces"]) / len(figure["ces"]) if figure["ces"] else None,
                len(figure["ces"]),
            ),
            "sentiment": (
                sum(figure["sentiment"]) / len(figure["sentiment"])
                if figure["sentiment"]
                else None,
                len(figure["sentiment"]),
            ),
            "labels": dict(figure["labels"]),
            "emotions": dict(figure["emotions"]),
        }
    return result


EMPTY_ANSWERS = {
    "n": 0,
    "promoters": 0,
    "passives": 0,
    "detractors": 0,
    "nps_n": 0,
    "nps": None,
    "csat": (None, 0),
    "ces": (None, 0),
    "sentiment": (None, 0),
    "labels": {},
    "emotions": {},
}


def conversion_figures(brand_id: int, journey_id: int, filters: dict, persona_id=None) -> dict:
    """{phase_id: {"reached", "converted", "reached_value", "converted_value", "to_next",
    "value_weighted"}} from journey events: a customer reaches a phase at their earliest event
    in it (counted on that day of the brand's), converts when they also reached any later phase (any
    time; the dwell runs to the nearest of those in journey order); the value is the
    customer's value, else the transaction value of that first event. No rate for the last
    phase, nor for one no later phase of which has any event. Persona is the customer's
    current one. Channel, touchpoint and locale do not apply. "Later" and "last" are of the
    funnel: a phase outside it (in_funnel false) is reached, never gone on to or from."""
    journey = db.session.get(Journey, journey_id)
    order = [phase.id for phase in journey.phases]
    funnel = [phase.id for phase in journey.phases if phase.in_funnel]
    customers = {
        row.id: row
        for row in db.session.execute(
            select(Customer.id, Customer.persona_id, Customer.value).where(
                Customer.brand_id == brand_id
            )
        )
    }
    first: dict[tuple[int, int], tuple] = {}
    for event in db.session.execute(
        select(
            JourneyEvent.customer_id,
            JourneyEvent.phase_id,
            JourneyEvent.occurred_at,
            JourneyEvent.value,
            JourneyEvent.id,
        ).where(JourneyEvent.brand_id == brand_id, JourneyEvent.journey_id == journey_id)
    ):
        key = (event.customer_id, event.phase_id)
        if key not in first or (event.occurred_at, event.id) < (first[key][0], first[key][2]):
            first[key] = (event.occurred_at, event.value, event.id)
    ever = {phase_id for _, phase_id in first}  # phases anybody reached, in any period
    result = {}
    for phase_id in order:
        outside = phase_id not in funnel
        later = [] if outside else funnel[funnel.index(phase_id) + 1 :]
        reached = converted = 0
        reached_value = converted_value = 0.0
        dwell_hours = []
        for (customer_id, p), (when, event_value, _) in first.items():
            if p != phase_id:
                continue
            customer = customers[customer_id]
            day = brand_day(brand_id, when)
            if filters.get("from_") and day < filters["from_"]:
                continue
            if filters.get("to") and day > filters["to"]:
                continue
            if persona_id is not None and customer.persona_id != persona_id:
                continue
            value = float(customer.value) if customer.value is not None else float(event_value or 0)
            reached += 1
            reached_value += value
            went_on = [first[(customer_id, q)][0] for q in later if (customer_id, q) in first]
            if went_on:
                converted += 1
                converted_value += value
                dwell_hours.append(max((went_on[0] - when).total_seconds() / 3600, 0.0))
        # the last phase, or nothing measured after, or outside the funnel
        last = outside or not any(q in ever for q in later)
        result[phase_id] = {
            "reached": reached,
            "converted": converted,
            "reached_value": reached_value,
            "converted_value": converted_value,
            "to_next": None if last or not reached else converted / reached,
            "value_weighted": None
            if last or not reached_value
            else converted_value / reached_value,
            "dwell_hours": dwell_hours,
        }
    return result


def assert_phase_matches(
    shown: dict, answers: dict, conversion: dict | None, where: str
) -> list[str]:
    """The differences between one phase of the stats (or map) and the raw figures, as text."""
    problems = []

    def check(name, got, want, tolerance=0.0):
        if want is None or got is None:
            same = want is None and got is None
        else:
            same = abs(got - want) <= tolerance
        if not same:
            problems.append(f"{where} {shown['phase']} {name}: shown {got!r}, raw {want!r}")

    check("n", shown["n"], answers["n"])
    check("nps.promoters", shown["nps"]["promoters"], answers["promoters"])
    check("nps.passives", shown["nps"]["passives"], answers["passives"])
    check("nps.detractors", shown["nps"]["detractors"], answers["detractors"])
    check("nps.n", shown["nps"]["n"], answers["nps_n"])
    check("nps.score", shown["nps"]["score"], answers["nps"])
    for name in ("csat", "ces", "sentiment"):
        mean, n = answers[name]
        check(f"{name}.n", shown[name]["n"], n)
        check(f"{name}.mean", shown[name]["mean"], None if mean is None else round(mean, 3), 0.0011)
    for label in ("positive", "neutral", "negative"):
        check(f"sentiment.{label}", shown["sentiment"][label], answers["labels"].get(label, 0))
    for emotion, count in shown.get("emotions", {}).items():
        check(f"emotions.{emotion}", count, answers["emotions"].get(emotion, 0))
    if conversion is not None:
        check("conversion.reached", shown["conversion"]["reached"], conversion["reached"])
        check("conversion.converted", shown["conversion"]["converted"], conversion["converted"])
        check(
            "conversion.reached_value",
            shown["conversion"]["reached_value"],
            conversion["reached_value"],
            0.011,
        )
        check("conversion.to_next", shown["conversion"]["to_next"], conversion["to_next"], 0.00006)
        check(
            "conversion.value_weighted",
            shown["conversion"]["value_weighted"],
            conversion["value_weighted"],
            0.00006,
        )
    return problems
