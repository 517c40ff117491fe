"""Without workers (no REDIS_URL, as with `make run`), a thread of the web process looks for
the mail that is due every DUE_LOOK_SECONDS (scheduled invitations, reminders, weekly reports,
follow-up alerts left pending), as a worker's maintenance does (worker.kick_due_mail): inline,
the look sends it itself.

Off unless DUE_LOOK_SECONDS is set (`make run` sets 300), and never with REDIS_URL, where the
workers look. The thread starts with the process's first request: a `flask` command that
serves none (a migration, the demo's seeding, a sweep) starts none, whatever its environment,
and each process a server forks after loading the app starts its own. Several web processes
may each look: two looks at once take each due one once.
"""

import threading

from flask import Flask

# The first look, a little after the first request: not in the way of the first pages.
FIRST_LOOK_SECONDS = 5.0


def init_app(app: Flask) -> None:
    """Start the looks with the first request, if configured."""
    seconds = float(app.config.get("DUE_LOOK_SECONDS") or 0)
    if seconds <= 0 or app.config.get("REDIS_URL"):
        return
    started = threading.Lock()

    @app.before_request
    def start_looking() -> None:
        if "due_looks" not in app.extensions and started.acquire(blocking=False):
            start(app, seconds)


def start(app: Flask, seconds: float) -> threading.Event:
    """The looking thread, started now; returns the event that stops it."""
    stop = threading.Event()
    app.extensions["due_looks"] = stop
    first = min(seconds, FIRST_LOOK_SECONDS)
    threading.Thread(
        target=_look_until_stopped, args=(app, first, seconds, stop), name="due-looks", daemon=True
    ).start()
    return stop


def _look_until_stopped(app: Flask, first: float, seconds: float, stop: threading.Event) -> None:
    from app.services import worker

    wait = first
    while not stop.wait(wait):
        wait = seconds
        with app.app_context():
            try:
                worker.kick_due_mail()
            except Exception:  # noqa: BLE001 — a failed look must not end the next ones
                app.logger.exception("the look for due mail failed")
