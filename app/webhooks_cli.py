"""`flask --app wsgi webhooks …`: send what is due when Redis was down or a retry was lost."""

import click
from flask.cli import AppGroup

webhooks_cli = AppGroup("webhooks", help="Inspect and drive webhook deliveries.")


@webhooks_cli.command("sweep")
@click.option("--enqueue", is_flag=True, help="Queue the deliveries for the workers instead.")
def sweep(enqueue):
    """Send pending deliveries whose next attempt is due."""
    from app.services import webhooks

    due = webhooks.due_ids(limit=1_000_000)
    if not due:
        click.echo("nothing due")
        return
    outcomes: dict[str, int] = {}
    with click.progressbar(length=len(due), label="sending webhooks") as bar:
        for start in range(0, len(due), webhooks.BATCH):
            chunk = due[start : start + webhooks.BATCH]
            if enqueue:
                if not webhooks.enqueue(chunk):
                    raise click.ClickException(
                        "Redis cannot be reached; run the sweep without --enqueue"
                    )
                outcomes["queued"] = outcomes.get("queued", 0) + len(chunk)
            else:
                for outcome in webhooks.send(chunk).values():
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
            bar.update(len(chunk))
    click.echo(", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())))
