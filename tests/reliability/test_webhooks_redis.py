"""Webhooks through a real RQ worker: queued after the commit, retried with RQ, never sent twice."""

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from app.extensions import db as _db
from app.models import WebhookDelivery
from tests.conftest import _normalise, brand_with_survey
from tests.webhook_receiver import Receiver


def _brand_with_endpoint(app, url, events=("response.processed",)):
    from app.services import webhooks

    with app.app_context():
        brand, key, _journey, survey = brand_with_survey("Haak", "haak")
        endpoint = webhooks.create_endpoint(brand, {"url": url, "events": list(events)})
        return {"brand_id": brand.id, "key": key, "survey_id": survey.id, "secret": endpoint.secret}


def _dispose(app) -> None:
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _deliveries(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [
            (d.status, d.attempts)
            for d in _db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        ]


@pytest.mark.redis
def test_a_real_worker_processes_the_answer_then_delivers_its_webhook(redis_app):
    from app.services import worker

    with Receiver() as receiver:
        setup = _brand_with_endpoint(redis_app, receiver.url)
        client = redis_app.test_client()
        posted = client.post(
            "/api/v1/responses",
            json={"survey_id": setup["survey_id"], "answers": {"nps": 4, "why": "Te laat"}},
            headers={"Authorization": f"Bearer {setup['key']}"},
        )
        assert posted.status_code == 202
        assert _deliveries(redis_app) == []  # the web only enqueued the pipeline job
        with redis_app.app_context():
            worker.run(burst=True)  # pipeline job, which queues the webhook job, then that
        assert _deliveries(redis_app) == [("delivered", 1)]
        assert len(receiver.requests) == 1
        sent = receiver.requests[0]
        payload = Webhook(setup["secret"]).verify(sent["body"], sent["headers"])
        assert payload["data"]["id"] == posted.json["id"]
        assert payload["data"]["nps_category"] == "detractor"

        # The same job queued again is a no-op: a delivered delivery is never sent twice.
        from app.services import webhooks

        with redis_app.app_context():
            ids = list(_db.session.scalars(select(WebhookDelivery.id)))
            webhooks.enqueue(ids)
            worker.run(burst=True)
        assert len(receiver.requests) == 1


@pytest.mark.redis
def test_a_failing_receiver_is_retried_by_rq_then_failed(redis_app):
    from app.services import webhooks, worker

    redis_app.config["WEBHOOK_RETRY_INTERVALS"] = [0, 0]  # RQ requeues at once: burst sees all
    with Receiver(default=500) as failing:
        setup = _brand_with_endpoint(redis_app, failing.url, ["review.published"])
        with redis_app.app_context():
            webhooks.emit(setup["brand_id"], "review.published", {"id": 1})
            _db.session.commit()
        assert _deliveries(redis_app) == [("pending", 0)]
        with redis_app.app_context():
            worker.run(burst=True)
            failed = [job for job in worker.failed_jobs() if job["queue"] == "webhooks"]
    assert len(failing.requests) == 3
    assert _deliveries(redis_app) == [("failed", 3)]
    assert len(failed) == 1  # visible in RQ's failed-job registry after its retries


@pytest.mark.redis
def test_a_rolled_back_emit_queues_nothing(redis_app):
    from rq import Queue

    from app.services import webhooks

    with Receiver() as receiver:
        setup = _brand_with_endpoint(redis_app, receiver.url, ["loyalty.earned"])
        with redis_app.app_context():
            webhooks.emit(setup["brand_id"], "loyalty.earned", {"points": 5})
            _db.session.rollback()
            from app.extensions import queue

            assert Queue("webhooks", connection=queue.connection).count == 0
            for points in (5, 6, 7):
                webhooks.emit(setup["brand_id"], "loyalty.earned", {"points": points})
            _db.session.commit()
            # One job for the endpoint's three deliveries of this commit.
            assert Queue("webhooks", connection=queue.connection).count == 1


def test_redis_down_keeps_deliveries_pending_and_the_sweep_sends_them(database_uri, app):
    from app import create_app
    from app.services import webhooks
    from tests.conftest import wipe

    down = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": _normalise(database_uri), "REDIS_URL": "redis://127.0.0.1:1/0"},
    )  # nothing listens there
    try:
        with Receiver() as receiver:
            setup = _brand_with_endpoint(down, receiver.url, ["review.removed"])
            with down.app_context():
                webhooks.emit(setup["brand_id"], "review.removed", {"id": 3})
                _db.session.commit()  # must not fail although Redis is unreachable
            assert _deliveries(down) == [("pending", 0)]
            result = down.test_cli_runner().invoke(args=["webhooks", "sweep"])
            assert result.exit_code == 0, result.output
            assert "1 delivered" in result.output
            assert _deliveries(down) == [("delivered", 1)]
            assert len(receiver.requests) == 1
            queued = down.test_cli_runner().invoke(args=["webhooks", "sweep", "--enqueue"])
            assert "nothing due" in queued.output
    finally:
        _dispose(down)
        wipe(app)
