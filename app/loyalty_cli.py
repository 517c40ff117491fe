"""`flask --app wsgi loyalty …`: expire old points (schedule it daily) and print page links."""

import click
from flask.cli import AppGroup

from app.cli import brand_named as _brand

loyalty_cli = AppGroup(
    "loyalty", help="Loyalty points: expiry, customer page links, the overview's members."
)


@loyalty_cli.command("expire")
@click.option("--brand", "brand_slug", help="Only this brand (default: every brand).")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Expire as if it were this moment (UTC); default now.",
)
def expire_command(brand_slug, as_of):
    """Write `expire` entries for points older than each brand's expiry_months. Idempotent."""
    from loyalty import expiry
    from loyalty.models import utcnow

    brand_id = _brand(brand_slug).id if brand_slug else None
    as_of = as_of or utcnow()
    work = expiry.plan(as_of, brand_id)
    if not work:
        click.echo("nothing to expire")
        return
    with click.progressbar(length=len(work), label="expiring points") as bar:
        result = expiry.expire_planned(work, as_of, on_step=bar.update)
    click.echo(f"expired {result['points']} points of {result['customers']} customers")


@loyalty_cli.command("link")
@click.option("--brand", "brand_slug", required=True)
@click.option("--external-id", required=True)
def link_command(brand_slug, external_id):
    """Print a customer's signed loyalty page URL (to send in an email, say)."""
    from app.errors import AppError
    from app.services import customers, loyalty_accounts

    brand = _brand(brand_slug)
    try:
        customer = customers.get(brand, external_id)
    except AppError as error:
        raise click.ClickException(error.description) from error
    click.echo(loyalty_accounts.page_url(brand, customer))


@loyalty_cli.command("recount")
@click.option("--brand", "brand_slug", help="Only this brand (default: every brand).")
def recount_command(brand_slug):
    """Set each customer's first points moment (the loyalty overview's "programme") from the
    ledger again: once after upgrading to 0030 while the old code still awarded points."""
    from loyalty import members

    changed = members.recount(_brand(brand_slug).id if brand_slug else None)
    click.echo(f"{changed} member(s) added or moved to an earlier first moment")
