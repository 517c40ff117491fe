"""/api/v1 webhooks: endpoints, their signed deliveries, and test events."""

from flask.views import MethodView

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint
from app.schemas.webhook import (
    DeliveryDetail,
    DeliveryList,
    DeliveryOut,
    DeliveryQuery,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookUrlQuery,
)
from app.services import webhooks

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1",
    description="Webhooks, signed per Standard Webhooks (webhook-id, -timestamp, -signature)",
)
protect(blp)


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.response(200, WebhookList)
    def get(self):
        """The brand's webhook endpoints (their secrets are never shown again)."""
        return {"items": webhooks.list_endpoints(current_brand())}

    @blp.arguments(WebhookIn)
    @blp.response(201, WebhookCreated)
    def post(self, data):
        """Subscribe a URL to events; the answer holds the signing secret, once."""
        return webhooks.create_endpoint(current_brand(), data)

    @blp.arguments(WebhookUrlQuery, location="query")
    @blp.response(204)
    def delete(self, query):
        """Remove the endpoint of this URL (a brand has one per URL), as DELETE by its id does:
        for a script that knows the URL it subscribed, not the id."""
        webhooks.delete_endpoint_of(current_brand(), query["url"])


@blp.route("/webhooks/<int:endpoint_id>")
class WebhookById(MethodView):
    @blp.response(200, WebhookOut)
    def get(self, endpoint_id):
        """One webhook endpoint."""
        return webhooks.get_endpoint(current_brand(), endpoint_id)

    @blp.response(204)
    def delete(self, endpoint_id):
        """Remove an endpoint; its pending deliveries are dropped."""
        webhooks.delete_endpoint(current_brand(), endpoint_id)


@blp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
@blp.response(202, DeliveryOut)
def send_test(endpoint_id):
    """Send a signed `webhook.test` event to this endpoint now."""
    return webhooks.send_test(current_brand(), endpoint_id)


@blp.route("/webhooks/deliveries", methods=["GET"])
@blp.arguments(DeliveryQuery, location="query")
@blp.response(200, DeliveryList)
def list_deliveries(query):
    """Recent deliveries, newest first, with status, attempts and the last answer."""
    return {"items": webhooks.recent_deliveries(current_brand(), **query)}


@blp.route("/webhooks/deliveries/<int:delivery_id>", methods=["GET"])
@blp.response(200, DeliveryDetail)
def get_delivery(delivery_id):
    """One delivery with its payload and every attempt."""
    return webhooks.delivery_with_attempts(current_brand(), delivery_id)


@blp.route("/webhooks/deliveries/<int:delivery_id>/retry", methods=["POST"])
@blp.response(202, DeliveryOut)
def retry_delivery(delivery_id):
    """Send a failed or pending delivery again now, with the same webhook-id."""
    return webhooks.redeliver(current_brand(), delivery_id)
