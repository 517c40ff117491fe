"""`flask --app wsgi customer export|erase` (GDPR) and `flask --app wsgi retention apply`."""

import json

import click
from flask.cli import AppGroup

from app.errors import AppError

customer_cli = AppGroup("customer", help="GDPR: export or erase one customer's data.")
retention_cli = AppGroup("retention", help="Apply each brand's retention period.")


def _brand(slug: str):
    from app.services import retention

    try:
        return retention.brands(slug)[0]
    except AppError as error:
        raise click.ClickException(error.description) from error


@customer_cli.command("export")
@click.option("--brand", "brand_slug", required=True, help="The brand's slug.")
@click.option("--external-id", required=True, help="The customer's id in the brand's systems.")
@click.option("--output", type=click.File("w"), default="-", help="A file; default stdout.")
def customer_export(brand_slug, external_id, output):
    """Print everything held about one customer as JSON."""
    from app.services import privacy

    try:
        data = privacy.export(_brand(brand_slug), external_id, actor="cli")
    except AppError as error:
        raise click.ClickException(error.description) from error
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@customer_cli.command("erase")
@click.option("--brand", "brand_slug", required=True, help="The brand's slug.")
@click.option("--external-id", required=True, help="The customer's id in the brand's systems.")
def customer_erase(brand_slug, external_id):
    """Erase one customer's personal data (figures and point totals stay); logged."""
    from app.services import privacy

    brand = _brand(brand_slug)
    try:
        result = privacy.erase(brand, external_id, actor="cli")
    except AppError as error:
        raise click.ClickException(error.description) from error
    click.echo(json.dumps(result))


@retention_cli.command("apply")
@click.option("--brand", "brand_slug", help="Only this brand (default: every brand).")
def retention_apply(brand_slug):
    """Anonymise answers older than each brand's retention_days (safe to run again)."""
    from app.services import retention

    try:
        brands = retention.brands(brand_slug)
    except AppError as error:
        raise click.ClickException(error.description) from error
    for brand in brands:
        due = retention.due(brand)
        with click.progressbar(
            length=max(due, 1), label=f"{brand.slug} ({brand.retention_days} days)"
        ) as bar:
            counts = retention.apply(brand, progress=bar.update)
            if not due:
                bar.update(1)
        click.echo(f"{brand.slug}: {json.dumps(counts)}")
