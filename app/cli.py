"""The `flask --app wsgi …` commands of CONTRACT.md."""

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.errors import AppError

brand_cli = AppGroup("brand", help="Create brands.")
key_cli = AppGroup("key", help="List, create and revoke a brand's secret API keys.")
user_cli = AppGroup("user", help="Create dashboard logins, or reset one's password.")
pipeline_cli = AppGroup("pipeline", help="Inspect and drive the pipeline.")


def fail(error: AppError):
    """A service's refusal as one line for the operator: its sentence, then which field said
    what ("(slug: taken)"), without the API's JSON."""
    fields = (error.fields or {}).items()
    said = [f"{field}: {'; '.join(map(str, words))}" for field, words in fields]
    raise click.ClickException(error.description + (f" ({', '.join(said)})" if said else ""))


def brand_named(slug: str):
    from app.services import brands

    try:
        return brands.by_slug(slug)
    except AppError:  # the operator typed it: named (the public 404 does not echo it)
        raise click.ClickException(f"no brand with the slug {slug!r}") from None


@brand_cli.command("create")
@click.option("--name", required=True)
@click.option("--slug")
@click.option("--locale", default="nl", show_default=True, type=click.Choice(["nl", "en"]))
@click.option("--origin", "origins", multiple=True, help="An allowed widget origin (repeatable).")
def brand_create(name, slug, locale, origins):
    """Create a brand; prints its id, slug, secret API key (shown once) and site key."""
    from app.services import brands, public_urls

    try:
        brand, secret = brands.create_brand(name, slug, locale, list(origins))
    except AppError as error:
        fail(error)
    click.echo(
        json.dumps(
            {
                "id": brand.id,
                "slug": brand.slug,
                "api_key": secret,
                "site_key": brand.site_key,
                "widget_snippet": public_urls.snippet(brand),
                "identity_secret": brand.identity_secret,
            }
        )
    )


@key_cli.command("list")
@click.option("--brand", "brand_slug", required=True)
def key_list(brand_slug):
    """The brand's keys, one JSON line each: id, name, prefix, when made, last used, revoked."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApiKey
    from app.timestamps import iso_utc

    brand = brand_named(brand_slug)
    for key in db.session.scalars(
        select(ApiKey).where(ApiKey.brand_id == brand.id).order_by(ApiKey.id)
    ):
        shown = {"id": key.id, "name": key.name, "prefix": key.prefix}
        for moment in ("created_at", "last_used_at", "revoked_at"):
            shown[moment] = iso_utc(getattr(key, moment))
        click.echo(json.dumps(shown))


@key_cli.command("create")
@click.option("--brand", "brand_slug", required=True)
@click.option("--name", default="default", show_default=True)
def key_create(brand_slug, name):
    """A new secret key, printed once (stored hashed): for an operator without a login."""
    from app.services import brands

    key, secret = brands.create_api_key(brand_named(brand_slug), name.strip()[:80] or "default")
    click.echo(json.dumps({"id": key.id, "name": key.name, "api_key": secret}))


@key_cli.command("revoke")
@click.option("--brand", "brand_slug", required=True)
@click.option("--id", "key_id", required=True, type=int, help="From `key list`.")
def key_revoke(brand_slug, key_id):
    """Revoke a key (a leaked one): requests with it get 401 from now on."""
    from app.services import brands

    try:
        brands.revoke_api_key(brand_named(brand_slug), key_id)
    except AppError:
        raise click.ClickException(f"brand {brand_slug!r} has no key with id {key_id}") from None
    click.echo(json.dumps({"id": key_id, "revoked": True}))


@user_cli.command("create")
@click.option("--brand", "brand_slug", required=True)
@click.option("--email", required=True)
@click.option(
    "--role", default="owner", show_default=True, type=click.Choice(["owner", "editor", "viewer"])
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(brand_slug, email, role, password_stdin):
    """Create a dashboard login for a brand."""
    from app.services import users

    brand_named(brand_slug)  # a mistyped slug is said before a password is asked for
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create_user(brand_slug, email, password, role)
    except AppError as error:
        fail(error)
    click.echo(json.dumps({"id": user.id, "email": user.email, "role": user.role}))


@user_cli.command("reset")
@click.option("--email", required=True)
@click.option("--brand", "brand_slug", help="The brand, when the email has logins at several.")
def user_reset(email, brand_slug):
    """Reset a login's password; prints a one-time welcome link to choose a new one (7 days)."""
    from flask import url_for

    from app.services import public_urls, users

    try:
        user, token = users.reset_link(email, brand_slug)
    except AppError as error:
        fail(error)
    with current_app.test_request_context():  # url_for outside a request
        path = url_for("dashboard.welcome", token=token)
    click.echo(json.dumps({"id": user.id, "email": user.email, "url": public_urls.absolute(path)}))


@pipeline_cli.command("sweep")
@click.option("--enqueue", is_flag=True, help="Queue the work for the workers instead.")
def pipeline_sweep(enqueue):
    """Process responses left `received`, then send follow-up alerts left pending (e.g. while
    Redis or SMTP was down), then the weekly reports that are due."""
    from app.services import alerts, processing, weekly_report

    waiting = processing.waiting_ids(limit=1_000_000)
    if waiting:
        _sweep_responses(waiting, enqueue)
    # After the responses: alerts their processing made but could not queue are among these.
    pending = alerts.by_user(alerts.waiting(limit=1_000_000))
    if pending:
        _sweep_alerts(pending, enqueue)
    weekly_report.make_due()
    reports = weekly_report.waiting()
    if reports:
        _sweep_reports(reports, enqueue)
    if not waiting and not pending and not reports:
        click.echo("nothing waiting")


def _sweep_responses(waiting: list[int], enqueue: bool) -> None:
    from flask import current_app

    from app.pipeline import jobs
    from app.services import processing

    size = current_app.config["PIPELINE_BATCH_SIZE"]
    done = 0
    with click.progressbar(length=len(waiting), label="sweeping") as bar:
        for start in range(0, len(waiting), size):
            chunk = waiting[start : start + size]
            if enqueue:
                if not jobs.enqueue(chunk):  # a job per chunk, so that every worker can help
                    raise click.ClickException(
                        "Redis cannot be reached; run the sweep without --enqueue"
                    )
                done += len(chunk)
            else:
                done += len(processing.process_batch(chunk, batch_size=len(chunk)))
            bar.update(len(chunk))
    click.echo(f"{'queued' if enqueue else 'processed'} {done} responses")


def _sweep_alerts(groups: list[list[int]], enqueue: bool) -> None:
    """One email (or, with --enqueue, one job) per user with pending follow-up alerts."""
    from app.extensions import queue
    from app.pipeline import email_jobs
    from app.services import alerts

    outcomes: dict[str, int] = {}
    with click.progressbar(groups, label="follow-up alerts") as bar:
        for alert_ids in bar:
            if enqueue and not queue.inline:
                if not queue.enqueue("email", email_jobs.send_follow_up_alerts, alert_ids):
                    raise click.ClickException(
                        "Redis cannot be reached; run the sweep without --enqueue"
                    )
                outcomes["queued"] = outcomes.get("queued", 0) + len(alert_ids)
            else:
                for outcome, count in alerts.send_waiting(alert_ids).items():
                    outcomes[outcome] = outcomes.get(outcome, 0) + count
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    click.echo(f"follow-up alerts: {summary or 'none left pending'}")


def _sweep_reports(report_ids: list[int], enqueue: bool) -> None:
    """Mail the weekly reports that are due (or, with --enqueue, queue a job for each)."""
    from app.extensions import queue
    from app.pipeline import email_jobs
    from app.services import weekly_report

    if enqueue and not queue.inline:
        for report_id in report_ids:
            if not queue.enqueue("email", email_jobs.send_weekly_report, report_id):
                raise click.ClickException(
                    "Redis cannot be reached; run the sweep without --enqueue"
                )
        click.echo(f"weekly reports: {len(report_ids)} queued")
        return
    outcomes = weekly_report.send_waiting(report_ids)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    click.echo(f"weekly reports: {summary or 'none left pending'}")


@pipeline_cli.command("failed")
def pipeline_failed():
    """List failed jobs (after their retries) and responses that failed the pipeline alone."""
    from app.services import processing, worker

    jobs, responses = worker.failed_jobs(), processing.failed_ids()
    for row in jobs:
        click.echo(json.dumps(row))
    for response_id in responses:
        click.echo(json.dumps({"response": response_id, "status": "failed"}))
    if not jobs and not responses:
        click.echo("nothing failed", err=True)  # stderr: the JSON lines stay the output


@pipeline_cli.command("retry")
@click.argument("response_ids", nargs=-1, type=int)
def pipeline_retry(response_ids):
    """Put failed responses (all, or these ids) back to received; then run `pipeline sweep`."""
    from app.services import processing

    count = processing.retry_failed(list(response_ids) or processing.failed_ids(1_000_000))
    click.echo(f"{count} responses are received again; `flask pipeline sweep` processes them")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(burst):
    """An RQ worker on the pipeline, email and webhooks queues."""
    from app.services import worker

    try:
        worker.run(burst=burst)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


@click.command("demo")
@click.option("--responses", default=3000, show_default=True, type=click.IntRange(0, 200_000))
@click.option("--seed", default=7, show_default=True, help="Random seed, for repeatable data.")
@click.option("--in-production", is_flag=True, help="Seed it although APP_ENV is production.")
def demo_command(responses, seed, in_production):
    """Seed the Dutch demo brand (once) and print its login, API key and URLs."""
    from app.demo import seed as demo_seed

    if current_app.config["APP_ENV"] == "production" and not in_production:
        # Its owner's password goes to the terminal and its widget answers on localhost.
        raise click.ClickException(
            "the demo brand is for trying Phasewise out: it prints its login's password and "
            "allows widgets on localhost; add --in-production to seed it here anyway"
        )

    demo_seed.run(responses=responses, seed=seed, echo=click.echo)


def register(app: Flask) -> None:
    from app.webhooks_cli import webhooks_cli

    commands = (brand_cli, key_cli, user_cli, pipeline_cli, worker_command, demo_command)
    for command in (*commands, webhooks_cli):
        app.cli.add_command(command)

    from app.privacy_cli import customer_cli, retention_cli

    app.cli.add_command(customer_cli)
    app.cli.add_command(retention_cli)

    from app.loyalty_cli import loyalty_cli

    app.cli.add_command(loyalty_cli)

    from app.channels_cli import COMMANDS as channel_commands

    for command in channel_commands:
        app.cli.add_command(command)
