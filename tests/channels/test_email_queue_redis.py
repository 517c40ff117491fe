"""With Redis, an invitation is a job on the RQ `email` queue that a worker sends exactly once."""

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Invitation
from tests.channels.helpers import Peers, free_port
from tests.conftest import brand_with_survey

pytestmark = [pytest.mark.redis, pytest.mark.smtp]


@pytest.fixture
def inbox(redis_app):
    from aiosmtpd.controller import Controller

    inbox = Peers()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=False)
    yield inbox
    controller.stop()
    with redis_app.app_context():
        _db.session.remove()
        _db.engine.dispose()  # close this app's pool now, not whenever the collector runs


def _setup(app) -> tuple[str, int]:
    from app.services import customers

    with app.app_context():
        brand, key, _journey, survey = brand_with_survey("Wachtrij", "wachtrij")
        customers.upsert(brand, {"external_id": "k1", "email": "k1@example.nl"})
        return key, survey.id


def _statuses(app) -> list[str]:
    with app.app_context():
        return list(_db.session.scalars(select(Invitation.status).order_by(Invitation.id)))


def test_the_worker_sends_the_queued_invitation_once(redis_app, inbox):
    from rq import Queue

    from app.extensions import queue
    from app.services import invitations, worker

    key, survey_id = _setup(redis_app)
    response = redis_app.test_client().post(
        "/api/v1/invitations",
        json={"customer": "k1", "survey_id": survey_id},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 202
    assert response.json["status"] == "queued"
    with redis_app.app_context():
        assert Queue("email", connection=queue.connection).count == 1
    assert inbox.envelopes == []  # the web process only enqueued it

    with redis_app.app_context():
        worker.run(burst=True)
    assert _statuses(redis_app) == ["sent"]
    assert len(inbox.envelopes) == 1

    with redis_app.app_context():  # the same job again is a no-op
        invitations.enqueue([response.json["id"]])
        worker.run(burst=True)
    assert len(inbox.envelopes) == 1


def test_a_list_is_one_job_that_sends_over_one_conversation(redis_app, inbox):
    """A job per invitation was a connection (a TLS handshake and a login, at a provider) and
    a job's overhead per email: a list of up to PER_JOB is one job and one conversation."""
    from rq import Queue

    from app.extensions import queue
    from app.services import invitations, worker

    with redis_app.app_context():
        brand, _key, _journey, survey = brand_with_survey("Lijst", "lijst")
        rows = [{"line": n, "external_id": f"k{n}", "email": f"k{n}@example.nl"} for n in range(5)]
        assert invitations.create_many(brand, survey.id, rows)["queued"] == 5
        assert Queue("email", connection=queue.connection).count == 1
        worker.run(burst=True)
    assert _statuses(redis_app) == ["sent"] * 5
    assert len(inbox.envelopes) == 5 and len(set(inbox.peers)) == 1


class HoldsTheThird(Peers):
    """Takes two messages; holds the third recipient's RCPT until released (nothing of the
    third message is taken while it waits)."""

    def __init__(self):
        import threading

        super().__init__()
        self.holding = threading.Event()
        self.release = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        import asyncio

        if address == "k2@example.nl" and self.release is None:
            self.release = asyncio.Event()
            self.holding.set()
            await self.release.wait()
            return "421 4.3.2 shutting down"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.postgres
def test_a_worker_killed_in_the_middle_of_a_list_sends_the_rest_once(redis_app):
    """kill -9 while the job waits on the third of five: the two sent stay sent, and the
    sweep sends the other three, each once."""
    import os
    import signal

    from aiosmtpd.controller import Controller

    from app.services import invitations
    from app.services import worker as worker_module
    from tests.conftest import burst_worker

    server = HoldsTheThird()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    redis_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=False)
    worker = None
    try:
        with redis_app.app_context():
            brand, _key, _journey, survey = brand_with_survey("Lijst", "lijst")
            rows = [
                {"line": n, "external_id": f"k{n}", "email": f"k{n}@example.nl"} for n in range(5)
            ]
            assert invitations.create_many(brand, survey.id, rows)["queued"] == 5
        worker = burst_worker(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
        assert server.holding.wait(60), "the worker never reached the third invitation"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        assert _statuses(redis_app) == ["sent", "sent", "queued", "queued", "queued"]

        controller.loop.call_soon_threadsafe(server.release.set)  # its connection is gone
        result = redis_app.test_cli_runner().invoke(args=["invitation", "sweep"])
        assert result.exit_code == 0, result.output
        with redis_app.app_context():
            worker_module.run(burst=True)
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        if server.release is not None and not server.release.is_set():
            controller.loop.call_soon_threadsafe(server.release.set)
        controller.stop()
    assert _statuses(redis_app) == ["sent"] * 5
    assert sorted(e.rcpt_tos[0] for e in server.envelopes) == [f"k{n}@example.nl" for n in range(5)]
