"""Start and stop the processes a bench measures: gunicorn on 127.0.0.1, and the env they get.

Every server runs under the SAME gunicorn settings (GUNICORN), so a ratio compares the apps,
not the configurations. The numbers follow the usual advice for a 2-core box: one worker per
core, a few threads each (gthread keeps wrk's connections alive, as a load balancer would).
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

GUNICORN = {
    "workers": max(2, os.cpu_count() or 2),
    "threads": 4,
    "worker_class": "gthread",
    "backlog": 2048,
}


def gunicorn_args() -> list[str]:
    return [
        "--workers",
        str(GUNICORN["workers"]),
        "--threads",
        str(GUNICORN["threads"]),
        "--worker-class",
        GUNICORN["worker_class"],
        "--backlog",
        str(GUNICORN["backlog"]),
        "--log-level",
        "warning",
    ]


def describe() -> str:
    return (
        f"gunicorn --worker-class {GUNICORN['worker_class']} --workers {GUNICORN['workers']} "
        f"--threads {GUNICORN['threads']}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url: str, redis_url: str | None = None, **extra: str) -> dict:
    """What a production process gets: APP_ENV=production, a throwaway secret, real services."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "PUBLIC_URL": "http://127.0.0.1",  # production requires one; no link is followed here
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),  # this checkout's app and bench, whatever else is installed
        **extra,
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2):  # any HTTP answer means it's listening
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {timeout:.0f} s")


@contextmanager
def gunicorn(app_path: str, env: dict, probe: str = "/"):
    """Serve `app_path` (e.g. "wsgi:app") on a free loopback port; yields the base URL."""
    port = free_port()
    # A file, not a pipe: a chatty log must never block the server we are timing.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 — closed in finally
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), *gunicorn_args(), "--bind", f"127.0.0.1:{port}", app_path],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_until_up(base + probe, process)
        except RuntimeError as error:
            stop(process)
            raise RuntimeError(f"{error}: {tail(log)}") from error
        yield base
    finally:
        stop(process)
        log.close()


def tail(log, size: int = 2000) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-size:]


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it will not go."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
