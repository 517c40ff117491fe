"""The loyalty overview: the loyalty engineer's reports (loyalty/reports.py) on one page, the
ledger as a streamed CSV, and the brand's rules, which owners change here."""

import re
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from app.dashboard import bp, filters, forms
from app.dashboard.access import current_brand, requires
from app.dashboard.downloads import csv_download
from app.errors import AppError
from app.numbers import plural
from app.schemas.dashboard import PERIODS, MapQuery
from app.schemas.loyalty import PolicyForm
from app.services import (
    brand_days,
    code_lists,
    exports,
    invitation_lists,
    journey_map,
    loyalty_accounts,
)

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


def _page(status: int = 200, errors: dict | None = None, sent=None, codes_sent=None):
    from loyalty import codes, get_policy, is_default, reports, reward_name
    from loyalty.policy import reward

    brand = current_brand()
    query = filters.parse(MapQuery(only=("period", "from_", "to")), request.args)
    since, until = _window(brand, query)
    policy = get_policy(brand.id)
    names = {
        phase.key: phase.display_name(brand.default_locale)
        for phase in journey_map.all_phases(brand)
    }
    pools = codes.pools(brand.id)
    pool_rows = [
        {"key": item["key"], "name": reward_name(item, "en"), **pools.get(item["key"], {})}
        for item in policy["rewards"]
    ]
    return render_template(
        "dashboard/loyalty.html",
        pool_rows=pool_rows,
        reward_choices=[(row["key"], f"{row['name']} ({row['key']})") for row in pool_rows],
        # pools of rewards taken out of the catalogue: their codes stay the brand's
        other_pools={key: pool for key, pool in pools.items() if not reward(policy, key)},
        low_pools=[row for row in pool_rows if row.get("low")],
        low_limit=codes.LOW,
        max_codes=codes.MAX_CODES,
        code_errors=(codes_sent or {}).get("errors", {}),
        codes_sent=codes_sent or {},
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


@bp.route("/dashboard/loyalty/codes", methods=["POST"])
@requires("edit")
def loyalty_codes():
    """Voucher codes for a reward, pasted or as a CSV/TXT file: customers then redeem it on
    their own page for one code each. All or nothing; the page says what was added."""
    reward_key = request.form.get("reward", "")
    pasted = request.form.get("codes", "")
    upload = request.files.get("file")
    try:
        text = pasted
        if upload and upload.filename:
            text = invitation_lists.text_of(upload.read(invitation_lists.MAX_BYTES + 1))
        cells, first_line = code_lists.read(text)
        added = loyalty_accounts.add_reward_codes(current_brand(), reward_key, cells, first_line)
    except AppError as error:
        errors = _code_errors(error)
        sent = {"reward": reward_key, "codes": pasted, "errors": errors}
        return _page(error.code if error.code != 404 else 422, codes_sent=sent)
    pool = f"{plural(added['available'], 'code')} available"
    flash(
        f"{plural(added['added'], 'code')} added to {reward_key}"
        + (f" ({plural(added['duplicates'], 'duplicate')} left out)" if added["duplicates"] else "")
        + f"; {pool}.",
        "info",
    )
    return redirect(url_for("dashboard.loyalty") + "#codes-title")


@bp.route("/dashboard/loyalty/codes/<reward_key>/remove", methods=["GET", "POST"])
@requires("edit")
def loyalty_codes_remove(reward_key):
    """Remove a pool's codes not handed out yet (a wrong or expired batch), after a page that
    says what that does: customers then see the reward as temporarily unavailable."""
    brand = current_brand()
    if request.method == "GET":
        pool = loyalty_accounts.reward_codes(brand, reward_key)
        return render_template("dashboard/loyalty_codes_remove.html", pool=pool)
    done = loyalty_accounts.withdraw_reward_codes(brand, reward_key)
    flash(
        f"{plural(done['removed'], 'unused code')} of {reward_key} removed; "
        f"{plural(done['handed_out'], 'code')} handed out before stay with their redemptions.",
        "info",
    )
    return redirect(url_for("dashboard.loyalty") + "#codes-title")


def _code_errors(error: AppError) -> dict[str, list[str]]:
    """The upload's refusal as the form shows it: "codes.<line>" → "Line <line>: …"."""
    if error.code == 404:  # a key not in the catalogue: a hand-made form, or a reward removed
        return {"reward": ["choose a reward of the catalogue"]}
    fields = error.fields or {"codes": [error.description]}
    messages = []
    for name, texts in fields.items():
        line = name.split(".", 1)[1] if name.startswith("codes.") else None
        messages += [f"Line {line}: {text}" if line else text for text in texts]
    return {"codes": messages}
