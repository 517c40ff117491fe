"""/api/v1 GDPR: a customer's export and erasure, the retention period, the privacy log."""

from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.schemas.privacy import (
    ErasureOut,
    ExportOut,
    PrivacyRequestList,
    RetentionIn,
    RetentionOut,
)
from app.services import privacy, retention

blp = Blueprint(
    "privacy",
    __name__,
    url_prefix="/api/v1",
    description="GDPR: export and erasure per customer, retention, and the log of both",
)
protect(blp)


@blp.route("/customers/<path:external_id>/export", methods=["GET"])
@blp.response(200, ExportOut)
def export_customer(external_id):
    """Everything held about this customer: row, events, responses, reviews, points, mail."""
    return privacy.export(current_brand(), external_id, actor="api")


@blp.route("/customers/<path:external_id>", methods=["DELETE"])
@blp.response(200, ErasureOut)
def erase_customer(external_id):
    """Erase this customer's personal data; figures stay. Again: status already_erased."""
    return privacy.erase(current_brand(), external_id, actor="api")


@blp.route("/privacy/retention")
class Retention(MethodView):
    @blp.response(200, RetentionOut)
    def get(self):
        """The retention period, and how many answers are past it with personal data."""
        return retention.settings(current_brand())

    @blp.arguments(RetentionIn)
    @blp.response(200, RetentionOut)
    def put(self, data):
        """Set the retention period in days (30-3650); `flask retention apply` enforces it."""
        return retention.set_days(current_brand(), data["retention_days"])


@blp.route("/privacy/requests", methods=["GET"])
@blp.response(200, PrivacyRequestList)
def privacy_log():
    """Exports, erasures and retention runs, newest first (without the erased identifiers)."""
    return {"items": privacy.requests_log(current_brand())}
