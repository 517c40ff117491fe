"""The journey map (dashboard home) and its figures as CSV."""

from flask import render_template, request

from app.dashboard import bp, charts, filters
from app.dashboard.access import current_brand, requires
from app.dashboard.downloads import csv_download
from app.models.response import CHANNELS
from app.schemas.common import SUPPORTED_LOCALES
from app.schemas.dashboard import PERIODS, MapQuery
from app.services import exports, journey_map, journeys


def _journey_id(query: dict, choices: list[tuple[int, str]]) -> int | None:
    if query.get("journey"):
        return query["journey"]  # another brand's id is a 404 from the service
    return choices[0][0] if choices else None


def filter_options(brand, journey) -> dict:
    return {
        "periods": [*PERIODS, "all"],
        "personas": journeys.list_personas(brand),
        "channels": CHANNELS,
        "locales": SUPPORTED_LOCALES,
        "touchpoints": [
            (touchpoint.id, f"{phase.display_name(brand.default_locale)} · {touchpoint.name}")
            for phase in journey.phases
            for touchpoint in phase.touchpoints
        ]
        if journey
        else [],
    }


@bp.route("/dashboard")
@bp.route("/dashboard/")
@requires("read")
def home():
    brand = current_brand()
    query = filters.parse(MapQuery(), request.args)
    choices = journey_map.journey_choices(brand)
    journey_id = _journey_id(query, choices)
    if journey_id is None:
        return render_template("dashboard/empty.html")
    data = journey_map.build(brand, journey_id, filters.stats_filters(brand, query))
    journey = journeys.get_journey(brand, journey_id)
    if journey.archived:  # opened from the Archived list: its history, and the picker says so
        choices = [*choices, (journey.id, f"{journey.name} (archived)")]
    # Only an empty view needs to know whether the journey is new or merely filtered empty.
    steps = journey_map.first_steps(brand, journey) if not data["totals"]["responses"] else None
    args = filters.url_args({**query, "journey": journey_id})
    return render_template(
        "dashboard/map.html",
        map=data,
        journey=journey,
        first_steps=steps,
        choices=choices,
        query=query,
        args=args,
        phase_args=_phase_args(journey, args),
        options=filter_options(brand, journey),
        charts=charts,
    )


def _phase_args(journey, args: dict) -> dict[str, dict]:
    """Each phase's link keeps the map's filters, but a touchpoint only where it is one of
    that phase's: a phase page refuses another phase's touchpoint (a 422 from 7 of 8 links)."""
    touchpoint = args.get("touchpoint")
    others = {key: value for key, value in args.items() if key != "touchpoint"}
    return {
        phase.key: args
        if touchpoint is None or any(own.id == touchpoint for own in phase.touchpoints)
        else others
        for phase in journey.phases
    }


@bp.route("/dashboard/journeys/<int:journey_id>/figures.csv")
@requires("read")
def figures_csv(journey_id):
    query = filters.parse(MapQuery(), request.args)
    brand = current_brand()
    data = journey_map.build(brand, journey_id, filters.stats_filters(brand, query))
    return csv_download(exports.figures_csv(data), f"journey-{journey_id}-figures.csv")
