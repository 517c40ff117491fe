"""/api/v1 invitations: email a customer the phase's first question, or hand the brand her
personal link to deliver itself, within the contact budget."""

from flask import request
from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.channels import (
    FailedAgainOut,
    InvitationIn,
    InvitationOut,
    InvitationPage,
    InvitationQuery,
)
from app.services import invitations

blp = Blueprint(
    "invitations",
    __name__,
    url_prefix="/api/v1",
    description="Email invitations with the first question inside, and personal links the "
    "brand delivers itself",
)
protect(blp)


@blp.route("/invitations")
class Invitations(MethodView):
    @blp.arguments(InvitationIn)
    @blp.response(202, InvitationOut)
    @blp.doc(
        **idempotency_header("The same key again returns the same invitation and sends nothing")
    )
    def post(self, data):
        """Queue an invitation email, or with `"channel": "link"` send nothing and answer with
        the customer's personal `url` and `qr_url` (`status` `issued`); `status` is `skipped`
        (with `skip_reason`, and no url) when the customer unsubscribed or the contact budget
        says not now."""
        return invitations.create(
            current_brand(), data, idempotency_key=request.headers.get("Idempotency-Key")
        )

    @blp.arguments(InvitationQuery, location="query")
    @blp.response(200, InvitationPage)
    def get(self, query):
        """Invitations, newest first, with counts per status and per skip reason."""
        return invitations.page(current_brand(), query)


@blp.route("/invitations/<int:invitation_id>")
class InvitationById(MethodView):
    @blp.response(200, InvitationOut)
    def get(self, invitation_id):
        """One invitation: sent? answered?"""
        return invitations.get(current_brand(), invitation_id)


@blp.route("/invitations/<int:invitation_id>/retry", methods=["POST"])
@blp.response(202, InvitationOut)
@blp.alt_response(409, description="The invitation was sent or skipped, not failed")
@blp.alt_response(422, description="Its survey is not active, or the customer has no address")
def send_again(invitation_id):
    """Queue a failed invitation again (after an outage, or once its address is corrected):
    within the contact budget, so it may come back `skipped`. One already queued is returned
    as it is; one sent or skipped is a 409."""
    return invitations.send_again(current_brand(), invitation_id)


@blp.route("/invitations/failed/retry", methods=["POST"])
@blp.response(202, FailedAgainOut)
def send_failed_again():
    """Queue again the invitations that failed for a temporary reason (`failure`: temporary
    or fault), at most 2,000 a call, oldest first: call again while `remaining` is above 0.
    Refused addresses are left: send one again by its id once its address is corrected."""
    return invitations.send_failed_again(current_brand())
