"""The loyalty overview: the loyalty engineer's read-only reports (loyalty/reports.py) on one
page, plus the ledger as a streamed CSV."""

from datetime import datetime

from flask import render_template, request

from app.dashboard import bp, filters
from app.dashboard.access import current_brand, requires
from app.dashboard.downloads import csv_download
from app.schemas.dashboard import PERIODS, MapQuery
from app.services import brand_days, exports, journey_map


def _window(brand, query: dict) -> tuple[datetime | None, datetime | None]:
    """The period filter as datetimes: from the start of `from` to the end of `to`."""
    chosen = filters.stats_filters(brand, query)
    return brand_days.moments(brand, chosen.get("from_"), chosen.get("to"))


@bp.route("/dashboard/loyalty", endpoint="loyalty")
@requires("read")
def loyalty_page():
    from loyalty import get_policy, reports, reward_name

    brand = current_brand()
    query = filters.parse(MapQuery(only=("period", "from_", "to")), request.args)
    since, until = _window(brand, query)
    policy = get_policy(brand.id)
    names = {
        phase.key: phase.display_name(brand.default_locale)
        for phase in journey_map.all_phases(brand)
    }
    return render_template(
        "dashboard/loyalty.html",
        summary=reports.summary(brand.id, since, until),
        per_phase=reports.points_per_phase(brand.id, since, until),
        rates=reports.response_rates(brand.id, since, until),
        rewards=reports.top_rewards(brand.id, since=since, until=until, locale="en"),
        policy=policy,
        # Names are a text or {locale: text}: the template shows whichever shape is stored.
        catalogue=[{**item, "name": reward_name(item, "en")} for item in policy["rewards"]],
        names=names,
        query=query,
        periods=[*PERIODS],
        args=filters.url_args(query, "period", "from_", "to"),
    )


@bp.route("/dashboard/loyalty/ledger.csv")
@requires("read")
def loyalty_csv():
    from loyalty import reports

    query = filters.parse(MapQuery(only=("period", "from_", "to")), request.args)
    brand = current_brand()
    since, until = _window(brand, query)
    ledger = exports.Table(reports.ledger_rows(brand.id, since, until))
    return csv_download(ledger, "loyalty-ledger.csv")
