"""/api/v1 invitations: email a customer the phase's first question, within the contact budget."""

from flask import request
from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.channels import InvitationIn, InvitationOut, InvitationPage, InvitationQuery
from app.services import invitations

blp = Blueprint(
    "invitations",
    __name__,
    url_prefix="/api/v1",
    description="Email invitations with the first question inside",
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
        """Queue an invitation email; `status` is `skipped` (with `skip_reason`) when the
        customer unsubscribed or the contact budget says not now."""
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
