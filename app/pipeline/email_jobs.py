"""Thin RQ jobs on the `email` queue: ids in, idempotent (a sent invitation is never resent)."""

from app.services import invitations


def send_invitation(invitation_id: int) -> str | None:
    """Send this invitation if it is still queued; raises on SMTP failure so RQ retries."""
    return invitations.deliver(invitation_id)
