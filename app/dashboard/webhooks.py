"""The webhooks page: endpoints (their secret shown once), test events and recent deliveries."""

from flask import flash, redirect, render_template, request, url_for

from app.dashboard import bp, forms
from app.dashboard.access import current_brand, requires
from app.errors import AppError
from app.schemas.webhook import WebhookIn
from app.services import webhooks as service

DELIVERIES_SHOWN = 50


def _page(status=200, **context):
    brand = current_brand()
    context.setdefault("errors", {})
    context.setdefault("values", {})
    endpoints = service.list_endpoints(brand)
    return (
        render_template(
            "dashboard/webhooks.html",
            endpoints=endpoints,
            urls={endpoint.id: endpoint.url for endpoint in endpoints},
            deliveries=service.recent_deliveries(brand, limit=DELIVERIES_SHOWN),
            events=service.EVENTS,
            **context,
        ),
        status,
    )


@bp.route("/dashboard/webhooks")
@requires("manage")
def webhooks():
    return _page()


@bp.route("/dashboard/webhooks", methods=["POST"])
@requires("manage")
def webhook_create():
    form = forms.FormData(request.form, skip=("csrf_token", "events"))
    form.data["events"] = request.form.getlist("events")
    values = {**form.data}
    data, errors = forms.validate(WebhookIn(), form)
    if not errors:
        try:
            endpoint = service.create_endpoint(current_brand(), data)
        except AppError as error:
            errors = forms.service_errors(error, form)
        else:
            # Shown in this response only; the API and this page never show it again.
            return _page(201, new_endpoint=endpoint)
    return _page(422, errors=errors, values=values)


@bp.route("/dashboard/webhooks/<int:endpoint_id>/test", methods=["POST"])
@requires("manage")
def webhook_test(endpoint_id):
    delivery = service.send_test(current_brand(), endpoint_id)
    if delivery.status == "delivered":
        flash(f"Test event delivered (HTTP {delivery.last_status_code}).", "info")
    elif delivery.attempts:
        flash(f"The test event could not be delivered: {delivery.last_error}", "warning")
    else:
        flash("The test event is queued for the workers.", "info")
    return redirect(url_for("dashboard.webhooks") + "#deliveries")


@bp.route("/dashboard/webhooks/<int:endpoint_id>/delete", methods=["POST"])
@requires("manage")
def webhook_delete(endpoint_id):
    service.delete_endpoint(current_brand(), endpoint_id)
    flash("The webhook is removed; it receives nothing from now on.", "info")
    return redirect(url_for("dashboard.webhooks"))


@bp.route("/dashboard/webhooks/deliveries/<int:delivery_id>/retry", methods=["POST"])
@requires("manage")
def webhook_retry(delivery_id):
    delivery = service.redeliver(current_brand(), delivery_id)
    flash(f"Delivery {delivery.id} sent again: {delivery.status}.", "info")
    return redirect(url_for("dashboard.webhooks") + "#deliveries")
