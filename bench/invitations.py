"""Invitation email: invitations a second that one RQ worker sends, PER_JOB a job over one
SMTP conversation, against one a job and a connection each (as before 2026-12-07).

A brand invites N customers to one survey (`invitations.create_many`, as the dashboard's
upload does), queued on Redis as the upload queues them; one real RQ worker (`worker.run`,
burst) sends them to a local SMTP server (bench/smtp_sink.py, in its own process) from the
bench_invitations database (PostgreSQL): each invitation claimed with a row lock, its email
built (the survey's question as buttons, the signed links, the unsubscribe headers), sent, and
marked sent. The baseline is ONE_EACH invitations of another brand queued a job each
(`email_jobs.send_invitation`, which still runs the jobs queued before). A second row sets the
rate beside the SMTP part alone: the same emails, built beforehand, sent over one connection
in a raw smtplib loop, without database or queue.

The server stands for a provider: it answers EHLO after HANDSHAKE seconds, once a connection,
for the STARTTLS and login a real one costs over the network. A worker that opened a
connection per email (as Phasewise did before 2026-12-07) pays it for every email.
"""

import smtplib
import subprocess
import sys
import time
from pathlib import Path

from app.services.invitations import PER_JOB
from bench import databases
from bench.report import note, row
from bench.servers import free_port, stop

N, QUICK_N = 2_000, 400
ONE_EACH, QUICK_ONE_EACH = 400, 100  # a job and a connection each: slow, and as slow at any n
# What a provider's STARTTLS and login cost before the first message (bench/smtp_sink.py).
HANDSHAKE = 0.1
ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    {
        "key": "nps",
        "type": "nps",
        "text": {"nl": "Zou u ons aanbevelen?", "en": "Would you recommend us?"},
        "required": True,
    },
    {"key": "why", "type": "text", "text": {"nl": "Waarom?", "en": "Why?"}},
]
JOURNEY = {"name": "Badkamer", "phases": [{"key": "levering", "name": "Levering"}]}


def _smtp_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "bench.smtp_sink", str(port), str(HANDSHAKE)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop(process)
                raise RuntimeError("the bench's SMTP server did not start") from None
            time.sleep(0.1)


def _app(database_url: str, port: int):
    from app import create_app
    from config import normalise_database_url

    return create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "REDIS_URL": databases.REDIS_URL,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "SMTP_TLS": False,
            "PUBLIC_URL": "https://feedback.example.nl",
        },
    )


def _invite(app, n: int, slug: str) -> tuple[list[int], list]:
    """(ids, the emails the raw loop sends): n customers of a new brand invited, not queued."""
    with app.app_context():
        from app.extensions import db
        from app.services import brands, invitation_mail, invitations, journeys, surveys

        brand, _key = brands.create_brand("Bench uitnodiging", slug, "nl")
        journey = journeys.create_journey(brand, JOURNEY)
        survey = surveys.create_survey(
            brand,
            {"journey_id": journey.id, "phase": "levering", "locale": "nl", "questions": QUESTIONS},
        )
        rows = [
            {"line": number + 2, "external_id": f"klant-{number}", "email": f"k{number}@example.nl"}
            for number in range(n)
        ]
        held, enqueue = [], invitations.enqueue
        invitations.enqueue = held.extend  # queued below, as each round queues them
        try:
            result = invitations.create_many(brand, survey.id, rows)
        finally:
            invitations.enqueue = enqueue
        if result["queued"] != n or len(held) != n:
            raise RuntimeError(f"{result['queued']} of {n} invitations were queued")
        # The same emails for the baseline, built now, outside its timing.
        first = db.session.get(type(result["invitations"][0]), held[0])
        messages = [
            invitation_mail.build(brand, first, invitations.token_for(first)) for _ in range(n)
        ]
        db.session.remove()
    return held, messages


def _worker_round(app, ids: list[int], per_job: bool) -> tuple[float, int]:
    """(emails/s, how many of ids are not sent): queued as the upload queues them (PER_JOB a
    job), or a job each as before 2026-12-07 (`send_invitation`, kept for jobs queued then),
    then sent by one burst worker."""
    with app.app_context():
        from sqlalchemy import func, select

        from app.extensions import db, queue
        from app.models import Invitation
        from app.pipeline import email_jobs
        from app.services import invitations, worker

        if per_job:
            invitations.enqueue(ids)
        else:
            for invitation_id in ids:
                queue.enqueue("email", email_jobs.send_invitation, invitation_id)
        started = time.perf_counter()
        worker.run(burst=True)
        seconds = time.perf_counter() - started
        sent = db.session.scalar(
            select(func.count(Invitation.id)).where(
                Invitation.id.in_(ids), Invitation.status == "sent"
            )
        )
        db.session.remove()
        db.engine.dispose()
    return len(ids) / seconds, len(ids) - sent


def _raw_loop(port: int, messages: list) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)
    return len(messages) / (time.perf_counter() - started)


def run(quick: bool = False) -> dict:
    n, one_each = (QUICK_N, QUICK_ONE_EACH) if quick else (N, ONE_EACH)
    databases.require_idle_redis()
    databases.flush_redis()
    port = free_port()
    server = _smtp_server(port)
    try:
        database_url = databases.recreate("bench_invitations")
        databases.create_schema(database_url)
        app = _app(database_url, port)
        note(f"inviting {n:,} + {one_each:,} customers")
        ids, messages = _invite(app, n, "bench-invitations")
        single_ids, _ = _invite(app, one_each, "bench-invitations-single")
        note(f"one RQ worker sends {n:,} invitations, {PER_JOB} a job")
        rate, unsent = _worker_round(app, ids, per_job=True)
        note(f"one RQ worker sends {one_each:,} invitations, one a job")
        single_rate, single_unsent = _worker_round(app, single_ids, per_job=False)
        note(f"{n:,} emails over one raw smtplib connection")
        raw_rate = max(_raw_loop(port, messages) for _ in range(2))
    finally:
        stop(server)
        databases.flush_redis()
    return {
        "name": "invitations",
        "rows": [
            row(
                f"invitations by one RQ worker, {PER_JOB} a job",
                rate,
                single_rate,
                unit="emails/s",
                goal="≥ 3×",
            ),
            row("the same against a raw smtplib loop", rate, raw_rate, unit="emails/s"),
            row("invitations not sent", unsent + single_unsent, None, goal="= 0", digits=0),
        ],
        "notes": [
            f"PostgreSQL and Redis; {n:,} invitations queued by one upload and sent over one "
            f"SMTP conversation a job, to a local SMTP sink that takes "
            f"{HANDSHAKE * 1000:.0f} ms to greet a connection (a provider's STARTTLS and login); "
            f"baseline: {one_each:,} invitations a job each, as before 2026-12-07 "
            f"({single_rate:,.1f}/s). Second row: the same emails, built beforehand, in a raw "
            f"smtplib loop over one connection ({raw_rate:,.0f}/s)."
        ],
    }
