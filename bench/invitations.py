"""Invitation email: invitations a second that one RQ worker sends, against a raw smtplib loop.

A brand invites N customers to one survey (`invitations.create_many`, as the dashboard's
upload does), which queues them on Redis; one real RQ worker (`worker.run`, burst) sends them
to a local SMTP server (bench/smtp_sink.py, in its own process) from the bench_invitations
database (PostgreSQL): each invitation claimed with a row lock, its email built (the survey's
question as buttons, the signed links, the unsubscribe headers), sent, and marked sent. The
baseline is the SMTP part alone: the same number of the same emails, built beforehand, sent
over one connection in a loop, without database or queue.

The server stands for a provider: it answers EHLO after HANDSHAKE seconds, once a connection,
for the STARTTLS and login a real one costs over the network. A worker that opened a
connection per email (as Phasewise did before 2026-12-07) pays it for every email.
"""

import smtplib
import subprocess
import sys
import time
from pathlib import Path

from bench import databases
from bench.report import note, row
from bench.servers import free_port, stop

N, QUICK_N = 2_000, 400
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


def _invite(app, n: int) -> tuple[int, list]:
    """(brand id, the messages the raw loop sends): N customers invited, N jobs queued."""
    with app.app_context():
        from app.extensions import db
        from app.services import brands, invitation_mail, invitations, journeys, surveys

        brand, _key = brands.create_brand("Bench uitnodiging", "bench-invitations", "nl")
        journey = journeys.create_journey(brand, JOURNEY)
        survey = surveys.create_survey(
            brand,
            {"journey_id": journey.id, "phase": "levering", "locale": "nl", "questions": QUESTIONS},
        )
        rows = [
            {"line": number + 2, "external_id": f"klant-{number}", "email": f"k{number}@example.nl"}
            for number in range(n)
        ]
        result = invitations.create_many(brand, survey.id, rows)
        if result["queued"] != n:
            raise RuntimeError(f"{result['queued']} of {n} invitations were queued")
        # The same emails for the baseline, built now, outside its timing.
        first = result["invitations"][0]
        first = db.session.get(type(first), first.id)
        messages = [
            invitation_mail.build(brand, first, invitations.token_for(first)) for _ in range(n)
        ]
        brand_id = brand.id
        db.session.remove()
    return brand_id, messages


def _raw_loop(port: int, messages: list) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)
    return len(messages) / (time.perf_counter() - started)


def run(quick: bool = False) -> dict:
    n = QUICK_N if quick else N
    databases.require_idle_redis()
    databases.flush_redis()
    port = free_port()
    server = _smtp_server(port)
    try:
        database_url = databases.recreate("bench_invitations")
        databases.create_schema(database_url)
        app = _app(database_url, port)
        note(f"inviting {n:,} customers (queued on Redis)")
        _brand_id, messages = _invite(app, n)
        note(f"one RQ worker sends {n:,} invitations")
        with app.app_context():
            from sqlalchemy import func, select

            from app.extensions import db
            from app.models import Invitation
            from app.services import worker

            started = time.perf_counter()
            worker.run(burst=True)
            seconds = time.perf_counter() - started
            sent = db.session.scalar(
                select(func.count(Invitation.id)).where(Invitation.status == "sent")
            )
            db.session.remove()
            db.engine.dispose()
        note(f"{n:,} emails over one raw smtplib connection")
        raw_rate = max(_raw_loop(port, messages) for _ in range(2))
    finally:
        stop(server)
        databases.flush_redis()
    return {
        "name": "invitations",
        "rows": [
            row(
                "invitations sent by one RQ worker",
                n / seconds,
                raw_rate,
                unit="emails/s",
                goal="≥ 50 %",
            ),
            row("invitations not sent", n - sent, None, goal="= 0", digits=0),
        ],
        "notes": [
            f"{n:,} invitations queued by one upload, PostgreSQL and Redis, to a local SMTP "
            f"sink that takes {HANDSHAKE * 1000:.0f} ms to greet a connection (a provider's "
            f"STARTTLS and login); baseline: the same emails, built beforehand, in a raw smtplib "
            f"loop over one connection ({raw_rate:,.0f}/s)."
        ],
    }
