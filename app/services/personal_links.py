"""Personal links the brand delivers itself: its own "your order was delivered" email, a
packing slip's QR code. An invitation with channel "link" is stored and asked of the contact
budget as an emailed one is, but Phasewise sends nothing: the brand gets the signed,
single-use URL of the customer's page, and a QR code of it, and the answer through it counts
as that invitation's (answered, points, a review verified as invitation_link)."""

from app import timestamps
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


def listed(brand, rows: list[dict], customers: list, invitations: list[Invitation]) -> list[dict]:
    """What an invitation list's download says of each customer it was issued a link for (or
    skipped), in the list's order: read from the flushed rows before their commit, which
    would expire them (2,000 rows, 2,000 queries). The URL is the one the API gives later."""
    lines = []
    for row, customer, invitation in zip(rows, customers, invitations, strict=True):
        issued = invitation.status == ISSUED
        lines.append(
            {
                "line": row["line"],
                "external_id": customer.external_id,
                "email": customer.email,
                "first_name": customer.first_name,
                "locale": invitation.locale,
                "status": invitation.status,
                "skip_reason": invitation.skip_reason,
                **urls(invitation),
                # the last day it opens, in the brand's time zone, as the hosted page counts it
                "expires": (
                    timestamps.local_day(invitation.expires_at, brand.time_zone) if issued else None
                ),
                "invitation_id": invitation.id,
            }
        )
    return lines
