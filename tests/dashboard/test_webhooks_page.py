"""The dashboard's webhooks page: add (secret shown once), test, delete, retry; owners only."""

import re

import pytest

from app.models import WebhookEndpoint
from app.services import webhooks
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


def _add(dash, url, events=("review.published",), description=""):
    return dash.post(
        "/dashboard/webhooks",
        {"url": url, "events": list(events), "description": description},
    )


def test_add_shows_the_secret_once_and_lists_the_endpoint(dash, receiver, count_rows):
    response = _add(dash, receiver.url, ["review.published", "loyalty.earned"], "CRM")
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    secret = re.search(r'id="new-secret">(whsec_[^<]+)<', page).group(1)
    assert count_rows(WebhookEndpoint) == 1
    again = dash.html("/dashboard/webhooks")
    assert secret not in again
    assert receiver.url in again and "review.published, loyalty.earned" in again


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "", "events": ["review.published"]}, "Missing data"),
        ({"url": "ftp://example.com", "events": ["review.published"]}, "http://"),
        ({"url": "https://example.com/hook", "events": []}, "one or more of the events"),
        ({"url": "https://example.com/hook", "events": ["review.deleted"]}, "Must be one of"),
        ({"url": "https://example.com/" + "a" * 2048, "events": ["review.published"]}, "2048"),
    ],
)
def test_bad_input_is_shown_next_to_the_form_and_stores_nothing(dash, data, message, count_rows):
    response = dash.post("/dashboard/webhooks", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please correct the marked fields" in page
    assert message in page
    assert count_rows(WebhookEndpoint) == 0


def test_send_test_then_delete(dash, brand, receiver, count_rows):
    _add(dash, receiver.url)
    endpoint = webhooks.list_endpoints(brand)[0]
    sent = dash.post(f"/dashboard/webhooks/{endpoint.id}/test")
    assert sent.status_code == 302
    assert len(receiver.requests) == 1
    page = dash.html("/dashboard/webhooks")
    assert "Test event delivered (HTTP 204)" in page
    assert "webhook.test" in page and "1 delivered" in page
    assert dash.post(f"/dashboard/webhooks/{endpoint.id}/delete").status_code == 302
    assert count_rows(WebhookEndpoint) == 0
    assert "No webhooks yet" in dash.html("/dashboard/webhooks")


def test_a_failed_delivery_can_be_sent_again(app, dash, brand, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_INTERVALS", [])
    with Receiver(statuses=[500], default=200) as flaky:
        _add(dash, flaky.url)
        endpoint = webhooks.list_endpoints(brand)[0]
        dash.post(f"/dashboard/webhooks/{endpoint.id}/test")
        page = dash.html("/dashboard/webhooks")
        assert "could not be delivered" in page and "1 failed" in page
        delivery = webhooks.recent_deliveries(brand)[0]
        assert dash.post(f"/dashboard/webhooks/deliveries/{delivery.id}/retry").status_code == 302
        assert "sent again: delivered" in dash.html("/dashboard/webhooks")
    assert len(flaky.requests) == 2


def test_user_text_is_escaped(dash, receiver):
    _add(dash, receiver.url, description="<script>alert(1)</script>")
    page = dash.html("/dashboard/webhooks")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_owners_manage_webhooks(as_role, count_rows):
    for role in ("editor", "viewer"):
        dashboard = as_role(role)
        assert dashboard.get("/dashboard/webhooks").status_code == 403
        assert 'href="/dashboard/webhooks"' not in dashboard.html("/dashboard")
        response = dashboard.post(
            "/dashboard/webhooks", {"url": "https://example.com/h", "events": ["review.published"]}
        )
        assert response.status_code == 403
    assert count_rows(WebhookEndpoint) == 0
    owner = as_role("owner")
    assert 'href="/dashboard/webhooks"' in owner.html("/dashboard")


def test_another_brands_endpoints_are_404(dash, other_brand, count_rows):
    theirs = webhooks.create_endpoint(
        other_brand["brand"], {"url": "https://example.com/h", "events": ["review.published"]}
    )
    assert dash.post(f"/dashboard/webhooks/{theirs.id}/test").status_code == 404
    assert dash.post(f"/dashboard/webhooks/{theirs.id}/delete").status_code == 404
    assert count_rows(WebhookEndpoint) == 1
    assert "example.com/h" not in dash.html("/dashboard/webhooks")


def test_forms_need_the_csrf_token(dash, count_rows):
    response = dash.post(
        "/dashboard/webhooks",
        {"url": "https://example.com/h", "events": ["review.published"]},
        csrf=False,
    )
    assert response.status_code == 400
    assert count_rows(WebhookEndpoint) == 0
