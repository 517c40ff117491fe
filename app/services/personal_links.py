"""Personal links the brand delivers itself: its own "your order was delivered" email, a
packing slip's QR code. An invitation with channel "link" is stored and asked of the contact
budget as an emailed one is, but Phasewise sends nothing: the brand gets the signed,
single-use URL of the customer's page, and a QR code of it, and the answer through it counts
as that invitation's (answered, points, a review verified as invitation_link)."""

from app.models import Invitation
from app.models.invitation import ISSUED, LINK
from app.services import invitations, public_urls


def token_for(invitation: Invitation) -> str:
    # Signed at its creation, not now: asked for again (a retry with its Idempotency-Key, a
    # GET) it is the same URL the brand may already have printed.
    return invitations.token_for(invitation, signed_at=invitation.created_at)


def urls(invitation: Invitation) -> dict[str, str | None]:
    """{"url", "qr_url"} of an issued link; None for an emailed invitation (its link is the
    customer's, in her mailbox) and for a link the budget or an unsubscribe skipped."""
    if invitation.channel != LINK or invitation.status != ISSUED:
        return {"url": None, "qr_url": None}
    token = token_for(invitation)
    return {"url": public_urls.survey_url(token), "qr_url": public_urls.qr_url(token)}
