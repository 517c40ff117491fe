"""The loyalty overview: the loyalty engineer's reports (loyalty/reports.py) on one page, the
ledger as a streamed CSV, and the brand's rules, which owners change here."""

import re
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from app.dashboard import bp, filters, forms
from app.dashboard.access import current_brand, requires
from app.dashboard.downloads import csv_download
from app.errors import AppError
from app.schemas.dashboard import PERIODS, MapQuery
from app.schemas.loyalty import PolicyForm
from app.services import brand_days, exports, journey_map, loyalty_accounts

# Empty reward rows under the brand's own, to add rewards without a script.
NEW_REWARD_ROWS = 2


def _window(brand, query: dict) -> tuple[datetime | None, datetime | None]:
    """The period filter as datetimes: from the start of `from` to the end of `to`."""
    chosen = filters.stats_filters(brand, query)
    return brand_days.moments(brand, chosen.get("from_"), chosen.get("to"))


@bp.route("/dashboard/loyalty", endpoint="loyalty")
@requires("read")
def loyalty_page():
    return _page()


def _page(status: int = 200, errors: dict | None = None, sent=None):
    from loyalty import get_policy, is_default, reports, reward_name

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
        default_policy=is_default(brand.id),
        reward_rows=_reward_rows(policy["rewards"], sent),
        errors=errors or {},
        sent=sent,
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
    ), status


def _reward_rows(rewards: list[dict], sent) -> list[dict]:
    """The form's reward rows: as sent back after an error, else the catalogue's and blanks."""
    if sent is not None:
        rows = (ROW.match(name) for name in sent)
        count = 1 + max((int(row.group(1)) for row in rows if row), default=-1)
        return [
            {part: sent.get(f"rewards.{row}.{part}", "") for part in ROW_PARTS}
            for row in range(count)
        ]
    rows = []
    for item in rewards:
        name = item.get("name")
        names = name if isinstance(name, dict) else {"nl": name or ""}
        rows.append(
            {
                "key": item["key"],
                "points": item["points"],
                **{f"name.{c}": names.get(c, "") for c in ("nl", "en")},
            }
        )
    return rows + [dict.fromkeys(ROW_PARTS, "") for _ in range(NEW_REWARD_ROWS)]


ROW_PARTS = ("key", "name.nl", "name.en", "points")
ROW = re.compile(r"rewards\.(\d{1,2})\.")  # at most 100 rows come back, whatever is sent


@bp.route("/dashboard/loyalty/policy", methods=["POST"])
@requires("manage")
def loyalty_policy():
    form = forms.FormData(request.form, clearable=("daily_cap", "expiry_months"))
    form.data.setdefault("rewards", [])  # every row emptied: no rewards, not "keep"
    data, errors = forms.validate(PolicyForm(), form)
    if not errors:
        try:
            loyalty_accounts.update_policy(current_brand(), data)
        except AppError as error:
            errors = forms.service_errors(error, form)
    if errors:
        return _page(422, errors=errors, sent=request.form)
    flash("The loyalty rules are saved: customers see them from their next answer.", "info")
    return redirect(url_for("dashboard.loyalty") + "#policy-title")


@bp.route("/dashboard/loyalty/ledger.csv")
@requires("read")
def loyalty_csv():
    from loyalty import reports

    query = filters.parse(MapQuery(only=("period", "from_", "to")), request.args)
    brand = current_brand()
    since, until = _window(brand, query)
    ledger = exports.Table(reports.ledger_rows(brand.id, since, until))
    return csv_download(ledger, "loyalty-ledger.csv")
