"""One phase: trends with significance, verbatims, top words, surveys, CSV exports."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.dashboard import bp, filters
from app.dashboard.access import current_brand, requires
from app.dashboard.downloads import csv_download
from app.dashboard.home import filter_options
from app.errors import AppError
from app.schemas.dashboard import PhaseQuery
from app.services import exports, follow_up, journeys, phase_report, trends, verbatims

# The list's own choices, kept through paging and through marking an answer handled (the
# cursor is the page's place in it, kept only where marking returns to).
LIST_KEYS = tuple(key for key in verbatims.QUERY_KEYS if key != "cursor")

# The contact-budget rules and other reasons a customer was not asked (email or widget).
SKIP_WORDS = {
    "min_days_between": "asked too recently (minimum days between asks)",
    "same_phase_days": "asked about this phase recently",
    "max_per_journey": "asked the most times allowed per journey",
    "unsubscribed": "unsubscribed",
    "no_email": "no email address",
    "answered": "answered the phase before it was due",
    "survey_not_active": "the survey was switched off before it was due",
    "invite_turned_off": "the survey stopped inviting on reach before it was due",
}


@bp.route("/dashboard/journeys/<int:journey_id>/phases/<key>")
@requires("read")
def phase(journey_id, key):
    brand = current_brand()
    query = filters.parse(PhaseQuery(), request.args)
    report = phase_report.build(brand, journey_id, key, filters.stats_filters(brand, query), query)
    journey = journeys.get_journey(brand, journey_id)
    args = filters.url_args(query)
    args.pop("journey", None)
    # the map's filter bar, but only this phase's touchpoints: another's gives an empty page
    options = dict(filter_options(brand, journey), touchpoints=report["touchpoints"])
    return render_template(
        "dashboard/phase.html",
        report=report,
        journey=journey,
        query=query,
        args=args,
        grain=report["trend"]["grain"],
        # links and forms keep a grain only when the user picked one, so the page can choose
        grain_args=filters.url_args(query, "grain"),
        verbatim_args=filters.url_args(query, *LIST_KEYS),
        # where marking a follow-up returns to: this very list, page included
        list_args=dict(args, **filters.url_args(query, "grain", "cursor", *LIST_KEYS)),
        options=options,
        skip_words=SKIP_WORDS,
    )


@bp.route(
    "/dashboard/journeys/<int:journey_id>/phases/<key>/follow-ups/<int:response_id>",
    methods=["POST"],
)
@requires("edit")
def follow_up_state(journey_id, key, response_id):
    """Mark an answer that needs a follow-up handled, or open again; back to the same list,
    which shows the confirmation (the page opens at the list, below the page's messages)."""
    brand = current_brand()
    query = filters.parse(PhaseQuery(), request.args)  # the list's filters, to return to
    phase = journeys.get_phase(brand, journey_id, key)
    if request.form.get("state") not in ("handled", "open"):
        raise AppError(422, "state must be handled or open", fields={"state": ["invalid"]})
    if request.form["state"] == "handled":
        follow_up.mark_handled(brand, response_id, by=current_user.email, phase_id=phase.id)
        flash("Marked handled. Handled answers are listed under “Handled”.", "list")
    else:
        follow_up.reopen(brand, response_id, phase_id=phase.id)
        flash("Open again: the answer is back in the list of open follow-ups.", "list")
    args = dict(filters.url_args(query), **filters.url_args(query, "grain", "cursor", *LIST_KEYS))
    args.pop("journey", None)
    back = url_for("dashboard.phase", journey_id=journey_id, key=key, **args)
    return redirect(back + "#verbatims")


@bp.route("/dashboard/journeys/<int:journey_id>/phases/<key>/responses.csv")
@requires("read")
def responses_csv(journey_id, key):
    brand = current_brand()
    query = filters.parse(PhaseQuery(), request.args)
    phase = journeys.get_phase(brand, journey_id, key)
    persona = journeys.persona_by_key(brand, query.get("persona"))
    phase_report.check_touchpoint(phase, query.get("touchpoint"))
    chunks = exports.responses_csv(
        brand, phase, filters.stats_filters(brand, query), persona.id if persona else None
    )
    return csv_download(chunks, f"{phase.key}-responses.csv")


@bp.route("/dashboard/journeys/<int:journey_id>/phases/<key>/trend.csv")
@requires("read")
def trend_csv(journey_id, key):
    brand = current_brand()
    query = filters.parse(PhaseQuery(), request.args)
    phase = journeys.get_phase(brand, journey_id, key)
    persona = journeys.persona_by_key(brand, query.get("persona"))
    phase_report.check_touchpoint(phase, query.get("touchpoint"))
    series = trends.series(
        brand,
        phase,
        filters.stats_filters(brand, query),
        persona.id if persona else None,
        query.get("grain", "week"),
    )
    return csv_download(exports.trend_csv(series), f"{phase.key}-{series['grain']}ly-figures.csv")
