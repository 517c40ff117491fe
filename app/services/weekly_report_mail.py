"""The weekly report email: plain text, in English (the dashboard's language), like the
follow-up alerts (services.alert_mail).

What it says is read from the same places the dashboard reads: every journey's per-phase
figures from services.stats (rollups, so a brand with a million answers costs what one with a
thousand does), the open follow-ups as the phase page counts them, the review desk's pending
reviews and the loyalty ledger's summary. It holds counts and scores only: no customer's
answer, name or address, so an erasure has nothing to reach in a report already sent.
"""

from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import and_, case, func, select

import loyalty
from app.extensions import db
from app.models import Brand, Journey, Phase, Response, Review, User
from app.models.review import PENDING as REVIEW_PENDING
from app.numbers import plural
from app.pipeline import nps
from app.services import (
    brand_days,
    follow_up,
    journey_map,
    mailer,
    public_urls,
    review_tally,
    stats,
)
from app.services.alert_mail import LOCALE, follow_up_url
from app.timestamps import date_text
from loyalty import reports as loyalty_reports

# "Fix first" ranks over a longer period than a week: a week has too few answers in most
# phases to rank (stats.MIN_ANSWERS), and the map's priorities are about lasting drop-offs.
PRIORITY_DAYS = 90


def week_days(week_start: date) -> tuple[date, date]:
    """The Monday and the Sunday of the week (both included, the brand's days)."""
    return week_start, week_start + timedelta(days=6)


def week_words(week_start: date) -> str:
    """ "23–29 November 2026", "30 November – 6 December 2026", "28 December 2026 – 3 January
    2027": each date as whole as it needs to be to stand alone."""
    first, last = week_days(week_start)
    if first.year != last.year:
        return f"{date_text(first, LOCALE)} – {date_text(last, LOCALE)}"
    if first.month != last.month:
        return f"{date_text(first, LOCALE).rsplit(' ', 1)[0]} – {date_text(last, LOCALE)}"
    return f"{first.day}–{date_text(last, LOCALE)}"


def subject(brand: Brand, week_start: date) -> str:
    return mailer.one_line(f"{brand.name}: your week, {week_words(week_start)}")


def _period(first: date, last: date) -> dict:
    return {"from_": first, "to": last}


def _signed(score: float | None) -> str:
    """+35, −8, +12.5, 0 (a minus sign, not a hyphen): the score to the tenth the dashboard
    shows (nps rounds it half away from zero), so that an NPS of 12.5 reads as there, not as a
    whole number rounded half to even, and a change is the difference of the two shown."""
    if score is None:
        return "n/a"
    if score == 0:
        return "0"
    return f"{score:+.1f}".removesuffix(".0").replace("-", "−")


def _counts(figure: dict) -> nps.NpsCounts:
    score = figure["nps"]
    return nps.NpsCounts(score["promoters"], score["passives"], score["detractors"])


def nps_words(now: dict, before: dict) -> str:
    """ "NPS +35 (the week before +28): +7, within chance"; a change is only weighed when both weeks
    have stats.MIN_ANSWERS NPS answers, as on the phase page's trend."""
    score, earlier = now["nps"], before["nps"]
    if not score["n"]:
        return (
            "no NPS answers"
            if not earlier["n"]
            else f"no NPS answers (the week before {earlier['n']:,})"
        )
    words = f"NPS {_signed(score['score'])}"
    if not earlier["n"]:
        return words
    words += f" (the week before {_signed(earlier['score'])})"
    if stats.too_few_answers(min(score["n"], earlier["n"])):
        return words + ", too few answers to weigh the change"
    change = nps.change(_counts(before), _counts(now))
    if change is None:
        return words
    verdict = "more than chance" if change.significant else "within chance"
    return words + f": {_signed(change.delta)}, {verdict}"


def phase_line(now: dict, before: dict) -> str:
    answers = now["n"]
    outside = "" if now["in_funnel"] else " (outside the funnel)"
    line = f"- {now['name']}{outside}: {plural(answers, 'answer')}"
    line += f" (the week before {before['n']:,})"
    if not answers and not before["n"]:
        return line
    line += f"; {nps_words(now, before)}"
    csat = now["csat"]
    if csat["n"]:
        line += f"; CSAT {csat['unrounded']:.1f} of 5"
    negative = now["sentiment"]["negative"]
    if negative:
        line += f"; {plural(negative, 'negative written answer')}"
    return line


def map_url(journey_id: int, first: date, last: date) -> str:
    return public_urls.absolute(
        f"/dashboard?journey={journey_id}&from={first.isoformat()}&to={last.isoformat()}"
    )


def journey_block(brand: Brand, journey_id: int, name: str, week_start: date) -> list[str]:
    first, last = week_days(week_start)
    this_week = stats.journey_stats(brand, journey_id, _period(first, last), LOCALE)["phases"]
    week_before = stats.journey_stats(
        brand, journey_id, _period(first - timedelta(days=7), first - timedelta(days=1)), LOCALE
    )["phases"]
    lines = [mailer.one_line(name)]
    total, total_before = sum(f["n"] for f in this_week), sum(f["n"] for f in week_before)
    if not this_week:
        return [*lines, "  No phases yet."]
    if not total and not total_before:
        lines.append("  No answers this week or the week before.")
    else:
        lines.append(f"  {plural(total, 'answer')} (the week before {total_before:,}).")
        pairs = zip(this_week, week_before, strict=True)  # the same phases, in the same order
        lines += [f"  {phase_line(now, before)}" for now, before in pairs]
    longer = stats.journey_stats(
        brand, journey_id, _period(last - timedelta(days=PRIORITY_DAYS - 1), last), LOCALE
    )["phases"]
    first_ranked = next((f for f in longer if f["priority"]["rank"] == 1), None)
    if first_ranked is not None:
        lines.append(
            f"  Fix first, over the {PRIORITY_DAYS} days to {date_text(last, LOCALE)}: "
            f"{first_ranked['priority']['reason']}"
        )
    lines.append(f"  The week on the journey map: {map_url(journey_id, first, last)}")
    return lines


def _open_follow_ups(brand: Brand, since: datetime, until: datetime) -> list[tuple]:
    """(journey id, journey name, phase, open, open from [since, until)) for the phases with
    answers that need a follow-up and are not marked handled: the phase page's list, all
    time."""
    in_week = and_(Response.created_at >= since, Response.created_at < until)
    recent = func.sum(case((in_week, 1), else_=0))
    rows = db.session.execute(
        select(Journey.id, Journey.name, Phase, func.count(Response.id), recent)
        .join(Phase, Phase.id == Response.phase_id)
        .join(Journey, Journey.id == Phase.journey_id)
        .where(
            Response.brand_id == brand.id,
            follow_up.condition(),
            follow_up.handled_condition("open"),
        )
        .group_by(Journey.id, Journey.name, Phase.id)
        .order_by(Journey.id, Phase.position)
    ).all()
    return [(jid, jname, phase, int(n), int(new or 0)) for jid, jname, phase, n, new in rows]


def follow_up_lines(brand: Brand, week_start: date) -> list[str]:
    since, until = brand_days.moments(brand, *week_days(week_start))
    rows = _open_follow_ups(brand, since, until)
    if not rows:
        return ["Follow-ups: none open."]
    total = sum(row[3] for row in rows)
    recent = sum(row[4] for row in rows)
    several = len({row[0] for row in rows}) > 1  # a phase key can be in several journeys
    lines = [
        f"Follow-ups: {total} answer{' needs' if total == 1 else 's need'} a follow-up and "
        f"{'is' if total == 1 else 'are'} not marked handled, {recent} of them from the week."
    ]
    for journey_id, journey_name, phase, count, new in rows:
        name = phase.display_name(LOCALE) + (f" ({journey_name})" if several else "")
        lines.append(
            f"- {mailer.one_line(name)}: {count} open, {new} from the week: "
            f"{follow_up_url(journey_id, phase.key)}"
        )
    return lines


def review_line(brand: Brand, week_start: date) -> str:
    since, until = brand_days.moments(brand, *week_days(week_start))
    new = db.session.scalar(
        select(func.count(Review.id)).where(
            Review.brand_id == brand.id,
            Review.created_at >= since,
            Review.created_at < until,
            # written by customers that week: an import of last year's reviews is not news
            Review.source.is_(None),
        )
    )
    waiting = review_tally.totals(brand.id)[REVIEW_PENDING]
    waits = "waits" if waiting == 1 else "wait"
    line = f"Reviews: {new} new in the week; {waiting} {waits} for moderation"
    if waiting:
        return f"{line}: {public_urls.absolute('/dashboard/reviews?status=pending')}"
    return f"{line}."


def loyalty_line(brand: Brand, week_start: date) -> str:
    summary = loyalty_reports.summary(brand.id, *brand_days.moments(brand, *week_days(week_start)))
    line = (
        f"Loyalty points: {summary['issued']:,} earned and {summary['redeemed']:,} redeemed "
        f"in the week, by {plural(summary['members'], 'customer')}."
    )
    low = low_codes(brand)
    return f"{line}\n{low}" if low else line


def low_codes(brand: Brand) -> str | None:
    """The rewards whose voucher codes run low now (customers see an empty one as temporarily
    unavailable), or None: the report is the one mail a marketer asked for."""
    pools = loyalty.codes.pools(brand.id)
    low = [
        f"{mailer.one_line(loyalty.reward_name(item, 'en'))} "
        f"({plural(pool['available'], 'code')} left)"
        for item in loyalty.get_policy(brand.id)["rewards"]
        for pool in [pools.get(item["key"])]
        if pool is not None and pool["low"]
    ]
    if not low:
        return None
    url = public_urls.absolute("/dashboard/loyalty#codes-title")
    return f"Reward codes running low: {', '.join(low)}. Add codes: {url}"


def figures(brand: Brand, week_start: date) -> str:
    """What the report says of the brand's week: the same for each of its users (a sweep
    computes it once per brand and week, `text` adds the reader's own lines)."""
    name = mailer.one_line(brand.name)
    parts = [
        f"Hello,\n\nThis is the week of {week_words(week_start)} (Monday to Sunday, days in "
        f"{brand.time_zone}) at {name}, with the week before in brackets."
    ]
    for journey_id, journey_name in journey_map.journey_choices(brand):
        parts.append("\n".join(journey_block(brand, journey_id, journey_name, week_start)))
    if len(parts) == 1:
        # none listed: journey_choices leaves archived journeys out, so any there are is one
        any_journey = db.session.scalar(select(func.count()).where(Journey.brand_id == brand.id))
        if any_journey:
            journeys_url = public_urls.absolute("/dashboard/journeys")
            parts.append(f"Every journey of {name} is archived; restore one at {journeys_url}")
        else:
            parts.append(f"{name} has no journey yet: {public_urls.absolute('/dashboard')}")
    parts.append(
        "\n".join(
            [
                *follow_up_lines(brand, week_start),
                review_line(brand, week_start),
                loyalty_line(brand, week_start),
            ]
        )
    )
    return "\n\n".join(parts)


def text(brand: Brand, user: User, week_start: date, brand_figures: str | None = None) -> str:
    """The whole report to `user`; `brand_figures`: `figures` of this brand and week, when the
    caller has them already."""
    if brand_figures is None:
        brand_figures = figures(brand, week_start)
    footer = (
        "-- \n"
        f"You get this email because you turned on the weekly report for "
        f"{mailer.one_line(brand.name)} on your Phasewise account ({user.email}). Turn it off: "
        # ?section: a fragment does not survive the login a signed-out reader goes through
        f"{public_urls.absolute('/dashboard/account?section=report')}#report"
    )
    return f"{brand_figures}\n\n{footer}\n"


def build(
    brand: Brand, user: User, week_start: date, message_id: str, brand_figures: str | None = None
) -> EmailMessage:
    return mailer.compose(
        user.email,
        subject(brand, week_start),
        text(brand, user, week_start, brand_figures),
        headers={"Message-ID": message_id, "Content-Language": LOCALE},
    )
