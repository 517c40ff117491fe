"""Thin RQ jobs on the `email` queue: ids in, idempotent (a sent invitation is never resent)."""

from app.services import alerts, invitations, reminders, weekly_report


def send_invitations(invitation_ids: list[int]) -> dict[str, int]:
    """Send those of these invitations still queued, over one SMTP conversation; raises on a
    temporary SMTP failure, after trying the rest, so RQ retries."""
    return invitations.send_job(invitation_ids)


def send_reminders(invitation_ids: list[int], taken_at) -> dict[str, int]:
    """The reminders of these invitations that a look took at `taken_at`, those still this
    job's, over one SMTP conversation; a reminder sent or skipped is never sent again. One the
    server would not take yet is left to a later look, not raised."""
    return reminders.send_job(invitation_ids, taken_at)


def send_invitation(invitation_id: int) -> str | None:
    """One invitation (jobs queued before invitations went by the hundred)."""
    return invitations.deliver(invitation_id)


def send_follow_up_alerts(alert_ids: list[int]) -> dict[str, int]:
    """Mail the pending follow-up alerts of these alerts' users, one email each; an alert
    already sent or skipped is not sent again. Raises on a temporary SMTP failure: RQ retries."""
    return alerts.deliver(alert_ids)


def send_weekly_report(report_id: int) -> str | None:
    """Mail this weekly report if it is still pending; raises on a temporary SMTP failure so
    RQ retries."""
    return weekly_report.deliver(report_id)


def send_weekly_reports_due() -> dict[str, int]:
    """Make the weekly reports of the week that ended and mail those waiting (kicked by the
    looks while one is due: no cron needed for them)."""
    return weekly_report.send_due_job()


def send_alerts_left() -> dict[str, int]:
    """Mail the follow-up alerts left pending past their jobs (kicked by the looks)."""
    return alerts.send_left_job()


def ask_due_invitations() -> dict:
    """The scheduled invitations that are due, asked of the contact budget and sent in jobs of
    their own, and the reminders that are due, in jobs of theirs (kicked by the workers while
    some are due: no cron needed for them)."""
    return invitations.ask_due_job()
