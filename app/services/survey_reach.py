"""Who was asked about a phase and what came of it, from the channels' own records.

Email invitations (per survey: sent, answered, skipped by the contact budget, failed) give a
true response rate, as do personal links the brand delivered itself (issued, answered); widget
asks are counted for known customers only (anonymous visitors are never recorded), so the
widget gets counts, not a rate. Skips come from all of them: every email and link one, and for
the widget one per customer, phase and day (contact_budget). Read with grouped, brand-scoped
queries over the period.
"""

from datetime import date

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Brand, Contact, Invitation, Phase
from app.models.invitation import EMAIL, FAILED, ISSUED, LINK, QUEUED, SENT, SKIPPED
from app.services import brand_days


def _bounds(brand: Brand, column, since: date | None, until: date | None) -> list:
    start, end = brand_days.moments(brand, since, until)
    where = []
    if start:
        where.append(column >= start)
    if end:
        where.append(column < end)
    return where


def for_phase(brand: Brand, phase: Phase, since: date | None, until: date | None) -> dict:
    """{"invitations": {survey_id: {...}} (email), "links": {survey_id: {...}} (personal links
    the brand delivered), "skips": {reason: n},
    "skip_channels": {reason: {channel: n}}, "asked": {channel: n}}."""
    rows = db.session.execute(
        select(
            Invitation.survey_id,
            Invitation.channel,
            Invitation.status,
            Invitation.skip_reason,
            func.count(),
            func.count(Invitation.used_at),
            func.count(Invitation.reminded_at),
            func.count(case((Invitation.used_at > Invitation.reminded_at, 1))),
        )
        .where(
            Invitation.brand_id == brand.id,
            Invitation.phase_id == phase.id,
            *_bounds(brand, Invitation.created_at, since, until),
        )
        .group_by(
            Invitation.survey_id, Invitation.channel, Invitation.status, Invitation.skip_reason
        )
    )
    invitations: dict[int, dict] = {}
    links: dict[int, dict] = {}
    skips: dict[str, int] = {}
    skip_channels: dict[str, dict[str, int]] = {}
    for survey_id, channel, status, reason, count, used, reminded, after in rows:
        if status == SKIPPED:
            reason = reason or "other"
            skips[reason] = skips.get(reason, 0) + count
            by_channel = skip_channels.setdefault(reason, {})
            by_channel[channel] = by_channel.get(channel, 0) + count
        if channel == LINK:
            link = links.setdefault(survey_id, {ISSUED: 0, SKIPPED: 0, "answered": 0})
            link[status] = link.get(status, 0) + count
            link["answered"] += used
            continue
        if channel != EMAIL:
            continue  # a widget skip is no invitation: it stays out of the response rate
        item = invitations.setdefault(
            survey_id,
            {SENT: 0, QUEUED: 0, SKIPPED: 0, FAILED: 0, "answered": 0, "reminded": 0},
        )
        item[status] = item.get(status, 0) + count
        item["answered"] += used
        # the reminders sent, and the answers that came after one: what reminding adds
        item["reminded"] += reminded
        item["after_reminder"] = item.get("after_reminder", 0) + after
    for item in invitations.values():
        item["rate"] = round(item["answered"] / item[SENT], 4) if item[SENT] else None
    for link in links.values():
        link["rate"] = round(link["answered"] / link[ISSUED], 4) if link[ISSUED] else None
    asked = dict(
        db.session.execute(
            select(Contact.channel, func.count())
            .where(
                Contact.brand_id == brand.id,
                Contact.phase_id == phase.id,
                *_bounds(brand, Contact.created_at, since, until),
            )
            .group_by(Contact.channel)
        ).all()
    )
    return {
        "invitations": invitations,
        "links": links,
        "skips": skips,
        "skip_channels": skip_channels,
        "asked": asked,
    }
