"""`flask invitation …`, `flask review sweep|recount`, `flask link …` and `flask widget
snippet`: the channels from a shell."""

import json
import sys
from collections import Counter
from contextlib import ExitStack

import click
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy import select

from app.cli import brand_named as _brand
from app.cli import fail
from app.errors import AppError
from app.schemas.customer import ORDER_REF

invitation_cli = AppGroup("invitation", help="Email invitations.")
link_cli = AppGroup("link", help="Reusable survey links and QR codes.")
widget_cli = AppGroup("widget", help="The embeddable widget.")
review_cli = AppGroup("review", help="Notices to reviewers; the public pages' review counts.")


def _journey_id(brand, phase: str) -> int:
    """The first journey of the brand that has this phase."""
    from app.extensions import db
    from app.models import Phase

    journey_id = db.session.scalar(
        select(Phase.journey_id)
        .where(Phase.brand_id == brand.id, Phase.key == phase)
        .order_by(Phase.journey_id)
        .limit(1)
    )
    if journey_id is None:
        raise click.ClickException(f"brand {brand.slug!r} has no phase {phase!r}")
    return journey_id


@invitation_cli.command("send")
@click.option("--brand", "brand_slug", required=True)
@click.option("--customer", required=True, help="The customer's external id.")
@click.option("--survey", "survey_id", required=True, type=int)
@click.option("--locale", type=click.Choice(["nl", "en"]))
@click.option("--no-reminder", is_flag=True, help="No reminder, even if the survey sends one.")
@click.option(
    "--link",
    is_flag=True,
    help="Send nothing: print the customer's personal link (and QR code) to deliver yourself.",
)
@click.option("--order", help="The shop's order it asks about: its answer earns for that order.")
def invitation_send(brand_slug, customer, survey_id, locale, no_reminder, link, order):
    """Queue an invitation email, or issue a personal link (skipped when the contact budget
    says not now)."""
    from app.services import invitations

    data = {"customer": customer, "survey_id": survey_id, "channel": "link" if link else "email"}
    if not link:  # a link has no reminder
        data["remind"] = not no_reminder
    if locale:
        data["locale"] = locale
    if order is not None:
        try:
            ORDER_REF(order)
        except ValidationError as error:
            raise click.BadParameter(" ".join(error.messages), param_hint="--order") from None
        data["order"] = order
    try:
        invitation = invitations.create(_brand(brand_slug), data)
    except AppError as error:
        fail(error)
    _echo_invitation(invitation)


def _echo_invitation(invitation) -> None:
    from app.services import personal_links

    shown = {
        "id": invitation.id,
        "status": invitation.status,
        "skip_reason": invitation.skip_reason,
    }
    if invitation.channel == "link":
        shown.update(personal_links.urls(invitation))
    click.echo(json.dumps(shown))


@invitation_cli.command("retry")
@click.option("--brand", "brand_slug", required=True)
@click.option(
    "--id",
    "invitation_id",
    type=int,
    help="One failed invitation (e.g. once its address is corrected); without it, all that "
    "failed for a temporary reason (an outage, a fault).",
)
def invitation_send_again(brand_slug, invitation_id):
    """Queue failed invitations again, within the contact budget."""
    from app.services import invitations

    brand = _brand(brand_slug)
    if invitation_id is not None:
        try:
            invitation = invitations.send_again(brand, invitation_id)
        except AppError as error:
            fail(error)
        _echo_invitation(invitation)
        return
    total = {"queued": 0, "skipped": {}, "remaining": 0, "not_active": 0}
    while True:
        result = invitations.send_failed_again(brand)
        total["queued"] += result["queued"]
        for reason, count in result["skipped"].items():
            total["skipped"][reason] = total["skipped"].get(reason, 0) + count
        total["remaining"], total["not_active"] = result["remaining"], result["not_active"]
        # on until none is left, or a round moved none (the rest is another sender's now)
        if not result["remaining"] or not result["queued"] + sum(result["skipped"].values()):
            break
    click.echo(json.dumps(total))


@invitation_cli.command("sweep")
def invitation_sweep():
    """Ask the budget for the scheduled invitations that are due, then send (or queue) those
    queued, also those left queued while SMTP or Redis was down, and the reminders that are
    due: a job per hundred, or, inline or with Redis down, sent from here over one SMTP
    conversation each. Each is tried once a sweep; once the server does not answer at all the
    rest wait for the next sweep, not a timeout each."""
    from app.services import invitations

    due = invitations.queue_due()
    if due["queued"] or due["skipped"]:
        click.echo(f"scheduled invitations due: {json.dumps(due)}")
    _send_waiting(invitations.waiting())
    _send_due_reminders()


def _send_waiting(rounds: list[list[int]]) -> None:
    from app.extensions import queue
    from app.services import invitations

    total = sum(len(ids) for ids in rounds)
    if not total:
        click.echo("nothing waiting")
        return
    handled = 0
    with click.progressbar(length=total, label="invitations") as bar:
        for ids in rounds:
            bar.update(len(ids))
            if not queue.inline and invitations.enqueue(ids):
                handled += len(ids)
            else:
                delivery = invitations.deliver_many(ids)
                handled += sum(delivery.outcomes.values())
                if delivery.error is not None:
                    click.echo(f"\n{delivery.error}", err=True)
                if delivery.gave_up:
                    # all not handled: those not tried, and those tried that wait for a retry
                    left = total - handled
                    click.echo(
                        f"SMTP unreachable: {left} invitations left for the next sweep", err=True
                    )
                    break
    click.echo(f"handled {handled} of {total} invitations")


def _send_due_reminders() -> None:
    """The reminders that are due, a look of reminders.PER_LOOK at a time, until none is
    left or the server stopped answering."""
    from app.services import reminders

    total: Counter = Counter()
    while True:
        outcomes = reminders.queue_due()
        total.update(outcomes)
        if outcomes.get("left") or sum(outcomes.values()) < reminders.PER_LOOK:
            break
    if total:
        click.echo(f"reminders due: {json.dumps(dict(total))}")
        if total.get("left"):
            click.echo(
                f"SMTP unreachable: {total['left']} reminders left for the next sweep", err=True
            )


@review_cli.command("sweep")
def review_sweep():
    """Send reviewers' notices (moderation, the brand's reply) left unsent, e.g. while SMTP or
    Redis was down."""
    from app.services import review_notices

    _sweep(
        "notices", review_notices.waiting_ids(), review_notices.enqueue, review_notices.send_notice
    )


@review_cli.command("recount")
@click.option("--brand", "brand_slug", help="One brand's slug; every brand without it.")
def review_recount(brand_slug):
    """Count the reviews the public pages show again, into review_tally: if ever in doubt, and
    once after upgrading to 0029 while the old code still ran."""
    from app.extensions import db
    from app.models import Brand
    from app.services import review_tally

    if brand_slug:
        chosen = [_brand(brand_slug)]
    else:
        chosen = list(db.session.scalars(select(Brand).order_by(Brand.id)))
    wrong = {}
    with click.progressbar(chosen, label="recounting") as bar:
        for brand in bar:
            wrong[brand.slug] = review_tally.recount(brand.id)
    fixed = {slug: rows for slug, rows in wrong.items() if rows}
    for slug, rows in fixed.items():
        click.echo(f"{slug}: {rows} tally row(s) differed from the reviews, now recounted")
    click.echo(f"recounted {len(chosen)} brand(s); {len(fixed)} had a wrong tally")


def _sweep(label: str, waiting: list[int], enqueue, send) -> None:
    """Queue each of the ids left behind, one at a time, with a bar; inline (no Redis
    configured), or for one that cannot be queued (Redis is down, which is why a sweep runs),
    send it from here. Each is tried once a sweep: a second try at once would count a second
    attempt and, against a silent server, wait a second SMTP_TIMEOUT. Once the server does not
    answer at all the rest wait for the next sweep, not a timeout each."""
    from app.extensions import db, queue
    from app.services.mailer import MailError

    if not waiting:
        click.echo("nothing waiting")
        return
    handled = 0
    with click.progressbar(waiting, label=label) as bar:
        for row_id in bar:
            if not queue.inline and enqueue([row_id]):
                handled += 1
                continue
            try:
                send(row_id)
                handled += 1
            except Exception as error:  # noqa: BLE001 — still waiting: the next sweep tries it
                db.session.rollback()
                click.echo(f"\n{label[:-1]} {row_id}: {error}", err=True)
                if isinstance(error, MailError) and error.unreachable:
                    left = f"{len(waiting) - handled} {label}"  # this one too: it waits
                    click.echo(f"SMTP unreachable: {left} left for the next sweep", err=True)
                    break
    click.echo(f"handled {handled} of {len(waiting)} {label}")


@link_cli.command("create")
@click.option("--brand", "brand_slug", required=True)
@click.option("--phase", required=True, help="The phase key.")
@click.option("--journey", "journey_id", type=int, help="Defaults to the first with this phase.")
@click.option("--touchpoint", help="A touchpoint name of the phase (e.g. the shop).")
@click.option("--name")
@click.option("--locale", type=click.Choice(["nl", "en"]))
def link_create(brand_slug, phase, journey_id, touchpoint, name, locale):
    """Create a reusable survey link; prints its URL and QR code URL."""
    from app.services import survey_links

    brand = _brand(brand_slug)
    data = {"journey_id": journey_id or _journey_id(brand, phase), "phase": phase}
    for key, value in (("touchpoint", touchpoint), ("name", name), ("locale", locale)):
        if value:
            data[key] = value
    try:
        link = survey_links.create(brand, data)
    except AppError as error:
        fail(error)
    described = survey_links.describe(link)
    click.echo(json.dumps({key: described[key] for key in ("id", "name", "url", "qr_url")}))


@link_cli.command("list")
@click.option("--brand", "brand_slug", required=True)
def link_list(brand_slug):
    """The brand's survey links, one JSON object a line."""
    from app.services import survey_links

    for link in survey_links.list_links(_brand(brand_slug)):
        described = survey_links.describe(link)
        click.echo(
            json.dumps(
                {key: described[key] for key in ("id", "name", "phase", "active", "url", "qr_url")}
            )
        )


@widget_cli.command("snippet")
@click.option("--brand", "brand_slug", required=True)
@click.option("--phase", help="A phase key of the brand; without it the tag says PHASE.")
@click.option("--locale", type=click.Choice(["nl", "en"]))
@click.option(
    "--sample",
    type=click.FloatRange(0, 1),
    help="The share of visitors asked, 0 to 1 (0.2: one in five), drawn once per visitor.",
)
@click.option("--delay", type=click.FloatRange(0, 3600), help="Seconds on the page before it asks.")
@click.option(
    "--exit",
    "exit_intent",
    is_flag=True,
    help="Ask when the visitor is about to leave (on touch screens: after the delay, or 15 s).",
)
def widget_snippet(brand_slug, phase, locale, sample, delay, exit_intent):
    """The <script> tag to paste into the brand's pages."""
    from app.services import follow_up, public_urls

    brand = _brand(brand_slug)
    keys = [key for key, _name in follow_up.phase_choices(brand)]
    if phase is not None and phase not in keys:
        # a tag for a phase the brand lacks would answer 404 on every page it is pasted in
        fail(AppError(422, f"{phase!r} is not a phase of this brand: {', '.join(keys) or '-'}"))
    click.echo(public_urls.snippet(brand, phase or "PHASE", locale, sample, delay, exit_intent))
    if phase is None:
        click.echo(f"Replace PHASE by one of the brand's phases: {', '.join(keys)}", err=True)


COMMANDS = (invitation_cli, review_cli, link_cli, widget_cli)


@review_cli.command("import")
@click.option("--brand", "brand_slug", required=True)
@click.option(
    "--source",
    help="Where the reviews come from (Kiyoh, Trustpilot, Google …), "
    "unless the file has a column source.",
)
@click.option(
    "--phase",
    help="Phase key for lines without one (default: the last phase of the first active journey).",
)
@click.option(
    "--publish",
    type=click.Choice(["policy", "immediate"]),
    default="policy",
    show_default=True,
    help="policy: the brand's review policy per phase; immediate: published at once.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and say what would happen.")
@click.argument("file", type=click.File("rb"))
def review_import_command(brand_slug, source, phase, publish, dry_run, file):
    """Import reviews written elsewhere from a CSV FILE, with their original dates (docs/
    reviews.md, "Bring your reviews with you"). Prints the summary as JSON; refused lines
    are listed with why, and nothing of them is stored. The same file again adds nothing."""
    from app.services import review_import

    brand = _brand(brand_slug)
    options = {"source": source, "phase": phase, "publish": publish, "dry_run": dry_run}
    with ExitStack() as stack:
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:  # the file's length is known once it is read
                bar = stack.enter_context(
                    click.progressbar(length=total, label="checking", file=sys.stderr)
                )
            bar.update(done - bar.pos)

        try:
            result = review_import.import_file(
                brand, file.read(review_import.MAX_BYTES + 1), options, "cli", progress
            )
        except AppError as error:
            fail(error)
    for refused in result["refused"]:
        reasons = "; ".join(
            f"{field}: {message}"
            for field, messages in refused["errors"].items()
            for message in messages
        )
        click.echo(f"line {refused['line']} refused: {reasons}", err=True)
    click.echo(json.dumps({key: value for key, value in result.items() if key != "refused"}))


@review_cli.command("erase")
@click.option("--brand", "brand_slug", required=True)
@click.option("--id", "review_id", required=True, type=int, help="The imported review's id.")
def review_erase(brand_slug, review_id):
    """Erase an imported review at its writer's request: removed (personal_data), blanked,
    a tombstone in the feeds. A review made from an answer goes with `flask customer erase`."""
    from app.services import privacy

    try:
        result = privacy.erase_imported_review(_brand(brand_slug), review_id, actor="cli")
    except AppError as error:
        fail(error)
    click.echo(json.dumps(result, default=str))
