"""What is waiting to go out for a brand, for the Jobs page: "why did my email not go?" gets an
answer without a shell. Per kind, how many are waiting (counted up to CAP) and since when the
oldest has waited; the sending itself is the workers' and the sweeps' (README).
"""

from datetime import datetime

from sqlalchemy import func, literal, select

from app.extensions import db
from app.models import Alert, Brand, Invitation, User, WebhookDelivery, WeeklyReport
from app.models.base import utcnow

CAP = 10_000  # counted no further: a large backlog reads "10,000+"


def waiting(brand: Brand, now: datetime | None = None) -> list[dict]:
    """[{"kind", "count", "capped", "since"}] for each kind with something waiting, in the
    order an email's life goes: invitations queued, scheduled ones due, reminders due,
    follow-up alerts, weekly reports, webhook deliveries."""
    now = now or utcnow()
    kinds = [
        (
            "invitations queued",
            func.coalesce(Invitation.queued_at, Invitation.created_at),
            (Invitation.brand_id == brand.id, Invitation.status == "queued"),
        ),
        (
            "scheduled invitations due",
            Invitation.queued_at,
            (
                Invitation.brand_id == brand.id,
                Invitation.status == "scheduled",
                Invitation.queued_at <= now,
            ),
        ),
        (
            "reminders due",
            Invitation.remind_at,
            (Invitation.brand_id == brand.id, Invitation.remind_at <= now),
        ),
        (
            "follow-up alerts",
            Alert.created_at,
            (Alert.brand_id == brand.id, Alert.status == "pending"),
        ),
        (
            "weekly reports",
            WeeklyReport.created_at,
            (
                WeeklyReport.user_id.in_(select(User.id).where(User.brand_id == brand.id)),
                WeeklyReport.status == "pending",
            ),
        ),
        (
            "webhook deliveries",
            WebhookDelivery.created_at,
            (WebhookDelivery.brand_id == brand.id, WebhookDelivery.status == "pending"),
        ),
    ]
    found = []
    for kind, moment, conditions in kinds:
        # counted up to CAP, unsorted: a backlog is not read whole to count it
        capped = select(literal(1)).where(*conditions).limit(CAP + 1).subquery()
        count = db.session.scalar(select(func.count()).select_from(capped))
        if count:
            since = db.session.scalar(select(func.min(moment)).where(*conditions))
            found.append(
                {"kind": kind, "count": min(count, CAP), "capped": count > CAP, "since": since}
            )
    return found
