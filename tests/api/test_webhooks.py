"""/api/v1/webhooks: endpoints, signed deliveries to a real receiver, retries, bad input."""

import json

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.services import webhooks
from tests.conftest import Contenders, api_post
from tests.webhook_receiver import Receiver

EVENTS = ["response.processed", "review.published"]


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def fast_retries(app, monkeypatch):
    """Three attempts, no waiting between them, and a short timeout."""
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_INTERVALS", [0, 0])
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 0.5)


def _create(api, url, events=EVENTS, **extra):
    response = api.post("/api/v1/webhooks", json={"url": url, "events": events, **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_create_shows_the_secret_once_then_lists_without_it(api, receiver):
    created = _create(api, receiver.url, description="CRM sync")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == EVENTS
    assert created["active"] is True

    listed = api.get("/api/v1/webhooks")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json["items"]] == [created["id"]]
    assert "secret" not in listed.json["items"][0]
    one = api.get(f"/api/v1/webhooks/{created['id']}")
    assert one.json["description"] == "CRM sync"
    assert "secret" not in one.json


def test_delete_removes_the_endpoint(api, receiver, count_rows):
    created = _create(api, receiver.url)
    assert api.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert count_rows(WebhookEndpoint) == 0
    again = api.delete(f"/api/v1/webhooks/{created['id']}")
    assert again.status_code == 404
    assert again.json["error"]["code"] == "not_found"


def test_delete_by_url_removes_that_endpoint_only(api, receiver, client, count_rows):
    """DELETE /webhooks?url= (the contract's DELETE /webhooks), for a script that knows the
    URL it subscribed and not the id."""
    created = _create(api, receiver.url)
    other = _create(api, receiver.url + "/other")
    assert api.delete("/api/v1/webhooks").status_code == 422  # which one?
    gone = api.delete("/api/v1/webhooks", query_string={"url": receiver.url})
    assert gone.status_code == 204
    assert [item["id"] for item in api.get("/api/v1/webhooks").json["items"]] == [other["id"]]
    again = api.delete("/api/v1/webhooks", query_string={"url": receiver.url})
    assert again.status_code == 404 and again.json["error"]["code"] == "not_found"
    assert api.get(f"/api/v1/webhooks/{created['id']}").status_code == 404
    assert count_rows(WebhookEndpoint) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": EVENTS}, "url"),
        ({"url": "ftp://example.com/hook", "events": EVENTS}, "url"),
        ({"url": "javascript:alert(1)", "events": EVENTS}, "url"),
        ({"url": "http://", "events": EVENTS}, "url"),
        ({"url": "https://user:pw@example.com/hook", "events": EVENTS}, "url"),
        ({"url": "https://example.com:99999/hook", "events": EVENTS}, "url"),
        ({"url": "https://exa mple.com/hook", "events": EVENTS}, "url"),
        ({"url": "https://[::1/hook", "events": EVENTS}, "url"),  # urlsplit raises: was a 500
        ({"url": "https://example.com/" + "a" * 2048, "events": EVENTS}, "url"),
        ({"url": 42, "events": EVENTS}, "url"),
        ({"url": "https://example.com/hook"}, "events"),
        ({"url": "https://example.com/hook", "events": []}, "events"),
        ({"url": "https://example.com/hook", "events": "review.published"}, "events"),
        ({"url": "https://example.com/hook", "events": ["review.deleted"]}, "events.0"),
        ({"url": "https://example.com/hook", "events": ["webhook.test"]}, "events.0"),
        ({"url": "https://example.com/hook", "events": EVENTS, "description": "x" * 201}, None),
        ({"url": "https://example.com/hook", "events": EVENTS, "secret": "whsec_x"}, "secret"),
    ],
)
def test_bad_input_is_a_422_and_stores_nothing(api, body, field, count_rows):
    response = api.post("/api/v1/webhooks", json=body)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_error"
    if field:
        assert field in error["fields"], error
    assert count_rows(WebhookEndpoint) == 0


def test_not_json_no_key_and_malformed_json(api, client, count_rows):
    assert api.post("/api/v1/webhooks", data="url=x", content_type="text/plain").status_code == 415
    assert client.get("/api/v1/webhooks").status_code == 401
    malformed = api.post("/api/v1/webhooks", data="{", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json["error"]["code"] == "malformed_json"
    assert count_rows(WebhookEndpoint) == 0


def test_more_than_twenty_endpoints_is_a_conflict(api, count_rows):
    for number in range(webhooks.MAX_ENDPOINTS):
        _create(api, f"https://example.com/hook/{number}")
    response = api.post(
        "/api/v1/webhooks", json={"url": "https://example.com/one-more", "events": EVENTS}
    )
    assert response.status_code == 409
    assert count_rows(WebhookEndpoint) == webhooks.MAX_ENDPOINTS


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        # IPv6 forms of private IPv4 addresses, which a NAT64 gateway or a tunnel reaches
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://[64:ff9b:1::a00:1]/hook",
        "http://[64:ff9b:1:7f00:0:100:808:808]/hook",  # local-use NAT64, /48: 127.0.0.1
        "http://[::ffff:0:7f00:1]/hook",  # IPv4-translated 127.0.0.1
        "http://[2002:7f00:1::]/hook",
        "http://[::127.0.0.1]/hook",
    ],
)
def test_production_refuses_private_and_loopback_targets(app, api, monkeypatch, url, count_rows):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    response = api.post("/api/v1/webhooks", json={"url": url, "events": EVENTS})
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"url": ["must be a public address"]}
    assert count_rows(WebhookEndpoint) == 0


def test_production_accepts_a_public_address(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    created = _create(api, "https://93.184.215.14/hook")
    assert created["url"] == "https://93.184.215.14/hook"


def test_production_refuses_at_send_time_when_a_host_turned_private(
    app, api, brand, receiver, monkeypatch
):
    created = _create(api, receiver.url)  # accepted in test mode
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
    assert receiver.requests == []
    assert delivery["status"] == "pending"
    assert "private" in delivery["last_error"]


def test_production_accepts_a_public_address_in_nat64_form(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    assert _create(api, "https://[64:ff9b::5db8:d70e]/hook")["url"].startswith("https://[64:")


@pytest.mark.parametrize("name", ["rebind.example", "Rebind.Example", "rebind.example."])
def test_production_connects_only_to_the_address_it_checked(
    app, api, receiver, monkeypatch, fast_retries, name
):
    """DNS rebinding: the name is public when checked and loopback a moment later. The
    delivery goes to the checked address (here 127.0.0.2, taken for a public one; nothing
    listens there), never to the receiver on 127.0.0.1 that a second lookup would give."""
    import socket

    port = int(receiver.url.split(":")[2].split("/")[0])
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if str(host).lower().rstrip(".") != "rebind.example":
            return real(host, *args, **kwargs)
        lookups.append(str(host).lower().rstrip("."))
        address = "127.0.0.2" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    created = _create(api, f"http://{name}:{port}/hooks")
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(
        webhooks, "is_public", lambda address: str(address) not in ("127.0.0.1", "::1")
    )
    delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
    assert receiver.requests == []
    assert delivery["status"] == "pending"
    assert "Connection refused" in delivery["last_error"]
    assert lookups == ["rebind.example"]  # looked up once, at send time, and not again


def test_another_brands_webhooks_are_404(api, other_brand, receiver):
    theirs = webhooks.create_endpoint(
        other_brand["brand"], {"url": receiver.url, "events": ["review.published"]}
    )
    test = webhooks.send_test(other_brand["brand"], theirs.id)
    for response in (
        api.get(f"/api/v1/webhooks/{theirs.id}"),
        api.delete(f"/api/v1/webhooks/{theirs.id}"),
        api.delete("/api/v1/webhooks", query_string={"url": receiver.url}),
        api.post(f"/api/v1/webhooks/{theirs.id}/test"),
        api.get(f"/api/v1/webhooks/deliveries?endpoint_id={theirs.id}"),
        api.get(f"/api/v1/webhooks/deliveries/{test.id}"),
        api.post(f"/api/v1/webhooks/deliveries/{test.id}/retry"),
    ):
        assert response.status_code == 404, response.json
        assert response.json["error"]["code"] == "not_found"
    assert api.get("/api/v1/webhooks").json["items"] == []
    assert api.get("/api/v1/webhooks/deliveries").json["items"] == []
    assert webhooks.list_endpoints(other_brand["brand"]) == [theirs]  # nothing of theirs went


def test_send_test_delivers_a_signed_event(api, receiver):
    created = _create(api, receiver.url)
    response = api.post(f"/api/v1/webhooks/{created['id']}/test")
    assert response.status_code == 202
    assert response.json["status"] == "delivered"
    assert response.json["event"] == "webhook.test"
    # no attempt is coming: its next_attempt_at is when it ended, not its sender's lease
    assert response.json["next_attempt_at"] == response.json["delivered_at"]

    sent = receiver.requests[0]
    payload = Webhook(created["secret"]).verify(sent["body"], sent["headers"])
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == created["id"]
    # A different secret, or a changed body, does not verify.
    other_secret = webhooks.WebhookEndpoint.new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(sent["body"], sent["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(created["secret"]).verify(sent["body"] + b" ", sent["headers"])


def test_signature_matches_the_standard_by_hand(api, receiver):
    """The Standard Webhooks recipe, written out, as a receiver in another language would."""
    import base64
    import hashlib
    import hmac

    created = _create(api, receiver.url)
    api.post(f"/api/v1/webhooks/{created['id']}/test")
    sent = receiver.requests[0]
    key = base64.b64decode(created["secret"].removeprefix("whsec_"))
    signed = f"{sent['headers']['webhook-id']}.{sent['headers']['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + sent["body"], hashlib.sha256).digest())
    assert sent["headers"]["webhook-signature"] == "v1," + expected.decode()


def test_processed_responses_are_announced_without_personal_data(api, survey, receiver):
    created = _create(api, receiver.url, events=["response.processed"])
    posted = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": 9, "why": "Snelle levering, Jan de monteur was top"},
            "customer": "klant-42",
        },
    )
    assert posted.status_code == 202, posted.json
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    payload = Webhook(created["secret"]).verify(sent["body"], sent["headers"])
    assert payload["type"] == "response.processed"
    data = payload["data"]
    assert data["id"] == posted.json["id"]
    assert data["phase"] == "levering"
    assert data["nps_category"] == "promoter"
    assert data["sentiment"] in ("positive", "neutral", "negative")
    text = sent["body"].decode()
    assert "klant-42" not in text and "Jan" not in text and "levering," not in text


def test_a_failing_receiver_is_retried_then_marked_failed(api, app, fast_retries, count_rows):
    with Receiver(default=500) as failing:
        created = _create(api, failing.url)
        first = api.post(f"/api/v1/webhooks/{created['id']}/test").json
        assert (first["status"], first["attempts"], first["last_status_code"]) == (
            "pending",
            1,
            500,
        )
        # Inline, later attempts come from the sweep (with Redis, from RQ's retries).
        runner = app.test_cli_runner()
        result = runner.invoke(args=["webhooks", "sweep"])
        assert result.exit_code == 0, result.output
        assert "1 retry" in result.output
        result = runner.invoke(args=["webhooks", "sweep"])
        assert "1 failed" in result.output
        result = runner.invoke(args=["webhooks", "sweep"])
        assert "nothing due" in result.output

    assert len(failing.requests) == 3
    ids = {request["headers"]["webhook-id"] for request in failing.requests}
    assert ids == {first["message_id"]}  # the same webhook-id on every retry
    detail = api.get(f"/api/v1/webhooks/deliveries/{first['id']}").json
    assert detail["status"] == "failed"
    assert detail["attempts"] == 3
    assert detail["next_attempt_at"] <= detail["attempt_log"][-1]["attempted_at"]
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 500, 500]
    assert detail["payload"]["type"] == "webhook.test"
    assert count_rows(WebhookAttempt) == 3


def test_a_failed_delivery_can_be_sent_again(api, fast_retries, count_rows):
    with Receiver(statuses=[500, 500, 500], default=200) as flaky:
        created = _create(api, flaky.url)
        first = api.post(f"/api/v1/webhooks/{created['id']}/test").json
        for _ in range(2):
            webhooks.attempt(first["id"])
        assert api.get(f"/api/v1/webhooks/deliveries/{first['id']}").json["status"] == "failed"
        again = api.post(f"/api/v1/webhooks/deliveries/{first['id']}/retry")
        assert again.status_code == 202
        assert again.json["status"] == "delivered"
        twice = api.post(f"/api/v1/webhooks/deliveries/{first['id']}/retry")
        assert twice.status_code == 409
    assert len(flaky.requests) == 4


def test_redirects_and_timeouts_count_as_failures(api, app, fast_retries):
    with Receiver(default=302) as redirecting:
        created = _create(api, redirecting.url)
        delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
        assert delivery["last_status_code"] == 302
        assert delivery["status"] == "pending"
    with Receiver(delay=1.5) as slow:
        created = _create(api, slow.url)
        delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
        assert delivery["status"] == "pending"
        assert delivery["last_status_code"] is None
        assert "timed out" in delivery["last_error"]


def test_an_unreachable_receiver_is_recorded(api, fast_retries):
    with Receiver() as gone:
        url = gone.url
    created = _create(api, url)  # the server is closed now: connection refused
    delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
    assert delivery["status"] == "pending"
    assert "refused" in delivery["last_error"].lower()


def test_a_delivered_delivery_is_never_sent_again(api, receiver):
    created = _create(api, receiver.url)
    delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
    assert webhooks.attempt(delivery["id"]) == "already_delivered"
    assert webhooks.deliver([delivery["id"]]) == {delivery["id"]: "already_delivered"}
    assert len(receiver.requests) == 1
    assert webhooks.attempt(10**9) == "missing"


def test_a_retry_that_is_not_due_yet_waits(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_INTERVALS", [3600])
    with Receiver(default=503) as failing:
        created = _create(api, failing.url)
        delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
        assert webhooks.attempt(delivery["id"]) == "not_due"
        assert webhooks.due_ids() == []
        assert len(failing.requests) == 1


def test_recent_deliveries_newest_first(api, receiver):
    created = _create(api, receiver.url)
    ids = [api.post(f"/api/v1/webhooks/{created['id']}/test").json["id"] for _ in range(3)]
    listed = api.get(f"/api/v1/webhooks/deliveries?endpoint_id={created['id']}&limit=2").json
    assert [item["id"] for item in listed["items"]] == ids[::-1][:2]
    assert api.get("/api/v1/webhooks/deliveries?limit=0").status_code == 422
    assert api.get("/api/v1/webhooks/deliveries?limit=abc").status_code == 422


def test_deleting_an_endpoint_drops_its_pending_deliveries(api, fast_retries, count_rows):
    with Receiver(default=500) as failing:
        created = _create(api, failing.url)
        delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
    api.delete(f"/api/v1/webhooks/{created['id']}")
    assert count_rows(WebhookDelivery) == 0
    assert webhooks.attempt(delivery["id"]) == "missing"


def test_webhooks_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/webhooks" in spec["paths"]
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/webhooks"])
    assert "delete" in spec["paths"]["/api/v1/webhooks/{endpoint_id}"]
    assert "/api/v1/webhooks/deliveries/{delivery_id}/retry" in spec["paths"]


def test_payload_body_is_exactly_what_was_signed(api, receiver):
    created = _create(api, receiver.url)
    api.post(f"/api/v1/webhooks/{created['id']}/test")
    body = receiver.requests[0]["body"]
    assert json.loads(body)["data"]["brand"] == "testbad"
    assert b" " not in body.split(b'"message"')[0]  # compact JSON, the bytes that were signed


def test_an_endpoint_that_times_out_costs_one_timeout_per_round(api, brand, db, fast_retries):
    with Receiver(delay=1.5) as slow:
        _create(api, slow.url, events=["review.published"])
        for number in range(3):
            webhooks.emit(brand.id, "review.published", {"id": number})
        db.session.commit()
        assert len(slow.requests) == 1  # the other two were not tried after the timeout
    deliveries = webhooks.recent_deliveries(brand)
    assert [(d.status, d.attempts) for d in deliveries] == [("pending", 1)] * 3
    errors = sorted(d.last_error for d in deliveries)
    assert "timed out" in errors[0] and errors[1].startswith("not sent: ")


def test_one_commit_sends_each_endpoint_its_own_batch(api, brand, db):
    with Receiver() as first, Receiver(statuses=[500]) as second:
        _create(api, first.url, events=["loyalty.earned"])
        _create(api, second.url, events=["loyalty.earned"])
        for number in range(3):
            webhooks.emit(brand.id, "loyalty.earned", {"points": number})
        db.session.commit()
        assert len(first.requests) == 3 and len(second.requests) == 3
    statuses = sorted(d.status for d in webhooks.recent_deliveries(brand))
    assert statuses == ["delivered"] * 5 + ["pending"]


@pytest.mark.postgres
def test_send_again_while_a_sender_delivers_it_is_a_conflict(app, api, db, fast_retries):
    """The click read `pending` while a worker was POSTing it; without the lock its UPDATE
    then set the delivered delivery pending again, and it was POSTed a second time."""
    from sqlalchemy import text

    with Receiver(statuses=[500], default=200) as receiver:
        created = _create(api, receiver.url)
        delivery = api.post(f"/api/v1/webhooks/{created['id']}/test").json
        assert delivery["status"] == "pending"
        db.session.commit()
        url = f"/api/v1/webhooks/deliveries/{delivery['id']}/retry"
        held = ("SELECT id FROM webhook_delivery WHERE id = :id FOR UPDATE", {"id": delivery["id"]})
        with Contenders([api_post(app, api, url)], *held) as race:
            race.holding.execute(  # the worker POSTing it: it succeeds and records that
                text(
                    "UPDATE webhook_delivery SET status = 'delivered', attempts = 2 WHERE id = :id"
                ),
                {"id": delivery["id"]},
            )
        [reply] = race.replies
        assert reply.status_code == 409, reply.json
        db.session.expire_all()
        stored = db.session.get(WebhookDelivery, delivery["id"])
        assert (stored.status, stored.attempts) == ("delivered", 2)
        assert len(receiver.requests) == 1


@pytest.mark.postgres
def test_two_creates_at_the_limit_make_one_endpoint(app, api, brand, count_rows):
    for number in range(webhooks.MAX_ENDPOINTS - 1):
        _create(api, f"https://example.com/hook/{number}")
    body = {"url": "https://example.com/last", "events": EVENTS}
    held = ("SELECT id FROM brand WHERE id = :id FOR NO KEY UPDATE", {"id": brand.id})
    with Contenders([api_post(app, api, "/api/v1/webhooks", body)] * 2, *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 409]
    assert count_rows(WebhookEndpoint) == webhooks.MAX_ENDPOINTS


def test_a_second_endpoint_for_one_url_is_a_conflict(app, api, count_rows):
    """A double click on Add, or a retried POST, made two endpoints for one URL: every
    event then went out twice, under two webhook-ids the receiver could not match up."""
    body = {"url": "https://example.com/hook", "events": EVENTS}
    assert api.post("/api/v1/webhooks", json=body).status_code == 201
    again = api.post("/api/v1/webhooks", json={**body, "events": EVENTS[:1]})
    assert again.status_code == 409, again.json
    assert again.json["error"]["fields"] == {"url": ["has a webhook already"]}
    assert count_rows(WebhookEndpoint) == 1


@pytest.mark.postgres
def test_two_creates_of_one_url_at_once_make_one_endpoint(app, api, brand, count_rows):
    body = {"url": "https://example.com/twice", "events": EVENTS}
    held = ("SELECT id FROM brand WHERE id = :id FOR NO KEY UPDATE", {"id": brand.id})
    with Contenders([api_post(app, api, "/api/v1/webhooks", body)] * 2, *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 409]
    assert count_rows(WebhookEndpoint) == 1


# A deleter that has deleted the endpoint and not yet committed: what an emitter meets.
_DELETING = "DELETE FROM webhook_endpoint WHERE id = :id"


@pytest.mark.postgres
def test_publishing_while_the_endpoint_is_deleted_publishes_and_sends_nothing(
    app, api, brand, survey, db, receiver, count_rows
):
    """The emitter read the endpoint unlocked; its delivery's INSERT then failed the foreign
    key of the endpoint deleted meanwhile: the publish was a 500 and was rolled back."""
    from tests.reviews.helpers import answer, review_of, set_policy

    set_policy(brand, publish="moderate")
    review_id = review_of(answer(api, survey)).id
    endpoint_id = _create(api, receiver.url, events=["review.published"])["id"]
    db.session.commit()
    url = f"/api/v1/reviews/{review_id}/moderation"
    body = {"action": "publish"}
    with Contenders([api_post(app, api, url, body)], _DELETING, {"id": endpoint_id}) as race:
        pass
    [reply] = race.replies
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.json["status"] == "published"
    assert count_rows(WebhookEndpoint) == 0 and count_rows(WebhookDelivery) == 0
    assert receiver.requests == []


@pytest.mark.postgres
def test_a_pipeline_batch_while_the_endpoint_is_deleted_is_processed(
    app, api, survey, db, receiver, count_rows
):
    """The batch's response.processed met the endpoint deleted meanwhile: the batch failed
    (its responses marked failed) on the delivery's foreign key."""
    from app.models import Response

    endpoint_id = _create(api, receiver.url, events=["response.processed"])["id"]
    db.session.commit()
    body = {"survey_id": survey["id"], "answers": {"nps": 9}}
    post = api_post(app, api, "/api/v1/responses", body)
    with Contenders([post], _DELETING, {"id": endpoint_id}) as race:
        pass
    [reply] = race.replies
    assert reply.status_code == 202, reply.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert db.session.get(Response, reply.json["id"]).status == "processed"
    assert count_rows(WebhookDelivery) == 0 and receiver.requests == []


@pytest.mark.postgres
def test_a_test_event_to_an_endpoint_deleted_meanwhile_is_a_404(app, api, db, receiver):
    endpoint_id = _create(api, receiver.url)["id"]
    db.session.commit()
    url = f"/api/v1/webhooks/{endpoint_id}/test"
    with Contenders([api_post(app, api, url)], _DELETING, {"id": endpoint_id}) as race:
        pass
    [reply] = race.replies
    assert reply.status_code == 404, reply.get_data(as_text=True)[:300]
    assert reply.json["error"]["code"] == "not_found"
    assert receiver.requests == []
