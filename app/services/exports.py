"""CSV exports, produced as tables of typed rows read in batches, so a large export streams.

Responses are read in keyset batches through the phase-recency index, never all at once.
A table is written in one of two forms: the plain CSV (the default, for programs) or the
form Excel opens right under Dutch settings. Text cells that a spreadsheet would run as a
formula are prefixed with a quote in both.
"""

import csv
import io
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Brand,
    Customer,
    Invitation,
    Persona,
    Phase,
    Question,
    Response,
    Survey,
    Touchpoint,
)
from app.models.invitation import CHANNELS
from app.services import verbatims
from app.timestamps import naive_utc

BATCH = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

PLAIN = "csv"
EXCEL_NL = "excel-nl"

RESPONSE_COLUMNS = (
    "id",
    "created_at",
    "phase",
    "survey_id",
    "survey_version",
    "channel",
    "locale",
    "persona",
    "touchpoint",
    "customer",
    "nps",
    "nps_category",
    "csat",
    "ces",
    "emotion",
    "comment",
    "sentiment_label",
    "sentiment_polarity",
    "language",
    "incentivized",
    "status",
)


def safe_text(value):
    """Text a spreadsheet would evaluate (=, +, -, @ …) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def plain_cell(value):
    """A value as the plain CSV writes it: booleans True/False, moments RFC 3339 with a Z."""
    if isinstance(value, datetime):
        return naive_utc(value).isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value  # numbers as Python writes them; None as an empty cell


def excel_nl_cell(value):
    """A value as Excel under Dutch settings reads it back as the same number, flag or moment."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: a bool is an int
        # 1/0, not WAAR/ONWAAR or ja/nee: Excel sums and averages them (the share of True)
        # and filters them, whatever the language of the Excel that opens the file.
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        value = Decimal(repr(value))  # repr: the shortest digits that read back as this float
    if isinstance(value, Decimal):
        # a decimal comma, and never an exponent (1e-05) or a thousands separator
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime):
        # Excel knows no time zones: the moment is UTC without its Z (docs/dashboard.md says so)
        return naive_utc(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


# form → (separator, cell writer). Dutch Excel splits a double-clicked CSV on its list
# separator, ";", and reads "9.9" as 99: the Excel form writes what it expects.
FORMS: dict[str, tuple[str, Callable]] = {
    PLAIN: (",", plain_cell),
    EXCEL_NL: (";", excel_nl_cell),
}


def _rows_to_csv(rows: list[list], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


class Table:
    """An export's rows as read (numbers, flags, moments, text), in batches, header first.

    Iterating it gives the plain CSV's text chunks; text(form) gives any form's. The rows are
    read while it is written, once.
    """

    def __init__(self, batches: Iterable[list[list]]):
        self.batches = batches

    def __iter__(self) -> Iterator[str]:
        return self.text(PLAIN)

    def text(self, form: str) -> Iterator[str]:
        delimiter, cell = FORMS[form]
        for batch in self.batches:
            yield _rows_to_csv([[cell(value) for value in row] for row in batch], delimiter)


def responses_csv(brand: Brand, phase: Phase, filters: dict, persona_id: int | None) -> Table:
    """The phase's responses under the map's filters, newest first."""
    return Table(_response_batches(brand, phase, filters, persona_id))


def _response_batches(
    brand: Brand, phase: Phase, filters: dict, persona_id: int | None
) -> Iterator[list[list]]:
    personas = dict(
        db.session.execute(
            select(Persona.id, Persona.key).where(Persona.brand_id == brand.id)
        ).all()
    )
    touchpoints = dict(
        db.session.execute(
            select(Touchpoint.id, Touchpoint.name).where(Touchpoint.phase_id == phase.id)
        ).all()
    )
    versions = dict(
        db.session.execute(
            select(Survey.id, Survey.version).where(Survey.phase_id == phase.id)
        ).all()
    )
    # Choice answers have no column of their own on a response: one CSV column per choice
    # question any version of the phase's survey asked, holding the chosen option's key.
    choices = list(
        dict.fromkeys(
            db.session.scalars(
                select(Question.key)
                .join(Survey, Survey.id == Question.survey_id)
                .where(Survey.phase_id == phase.id, Question.type == "choice")
                .order_by(Survey.id, Question.position)
            )
        )
    )
    where = verbatims.conditions(brand, phase, filters, persona_id)
    phase_key = phase.key  # read once: each batch's commit expires the loaded phase
    # "order" after the choices: a column added later moves none a spreadsheet already reads
    yield [[*RESPONSE_COLUMNS, *(f"choice_{key}" for key in choices), "order"]]
    columns = [
        Response.id,
        Response.created_at,
        Response.survey_id,
        Response.channel,
        Response.locale,
        Response.persona_id,
        Response.touchpoint_id,
        Customer.external_id,
        Response.nps,
        Response.nps_category,
        Response.csat,
        Response.ces,
        Response.emotion,
        Response.comment,
        Response.sentiment_label,
        Response.sentiment_polarity,
        Response.language,
        Response.incentivized,
        Response.status,
        Response.answers,
        Response.order_ref,
    ]
    # plain column tuples, not ORM objects: nothing piles up in the session while streaming
    statement = (
        select(*columns)
        .outerjoin(Customer, Customer.id == Response.customer_id)
        .where(*where)
        .order_by(Response.created_at.desc(), Response.id.desc())
    )
    for batch in _keyset_batches(
        statement, lambda after: verbatims.older_than(*after), lambda r: (r.created_at, r.id)
    ):
        yield [
            [
                r.id,
                r.created_at,
                phase_key,
                r.survey_id,
                versions.get(r.survey_id),
                r.channel,
                r.locale,
                personas.get(r.persona_id, ""),
                touchpoints.get(r.touchpoint_id, ""),
                r.external_id or "",
                r.nps,
                r.nps_category,
                r.csat,
                r.ces,
                r.emotion,
                r.comment or "",
                r.sentiment_label,
                r.sentiment_polarity,
                r.language,
                r.incentivized,
                r.status,
                *((r.answers or {}).get(key, "") for key in choices),
                r.order_ref or "",
            ]
            for r in batch
        ]


def _keyset_batches(statement, older_than, cursor_of) -> Iterator[list]:
    """`statement`'s rows (in its order), BATCH at a time: each batch after the last row of
    the one before (`older_than(cursor_of(row))`, a keyset, not an OFFSET that rereads what it
    skips). Each batch is a read of its own (the cursor is the last row, not a snapshot): it
    is ended before the rows go out, so an export a client downloads for minutes holds no
    transaction open (idle in transaction: a pinned snapshot, a pooled connection)."""
    after = None
    while True:
        page = statement if after is None else statement.where(older_than(after))
        batch = db.session.execute(page.limit(BATCH)).all()
        db.session.commit()
        if not batch:
            return
        yield batch
        if len(batch) < BATCH:
            return
        after = cursor_of(batch[-1])


INVITATION_COLUMNS = (
    "id",
    "created_at",
    "customer",
    "email",
    "phase",
    "survey_id",
    "survey_version",
    "locale",
    "status",
    "skip_reason",
    "failure",
    "sent_at",
    "reminded_at",
    "reminder_skip_reason",
    "answered",
    "answered_at",
    "response_id",
    "channel",  # a column added later comes last: it moves none a spreadsheet already reads
    "order",
)


def invitations_csv(brand: Brand, status: str | None = None) -> Table:
    """The brand's invitations, emailed or links it delivered itself (of one status, when
    given), newest first: who was asked,
    what became of it, and whether she answered (to follow up with those who did not)."""
    return Table(_invitation_batches(brand, status))


def _invitation_batches(brand: Brand, status: str | None) -> Iterator[list[list]]:
    phases = dict(
        db.session.execute(select(Phase.id, Phase.key).where(Phase.brand_id == brand.id)).all()
    )
    versions = dict(
        db.session.execute(
            select(Survey.id, Survey.version).where(Survey.brand_id == brand.id)
        ).all()
    )
    where = [Invitation.brand_id == brand.id, Invitation.channel.in_(CHANNELS)]
    if status:
        where.append(Invitation.status == status)
    yield [list(INVITATION_COLUMNS)]
    statement = (
        select(
            Invitation.id,
            Invitation.created_at,
            Customer.external_id,
            Customer.email,
            Invitation.phase_id,
            Invitation.survey_id,
            Invitation.locale,
            Invitation.status,
            Invitation.skip_reason,
            Invitation.failure,
            Invitation.sent_at,
            Invitation.reminded_at,
            Invitation.reminder_skip_reason,
            Invitation.used_at,
            Invitation.response_id,
            Invitation.channel,
            Invitation.order_ref,
        )
        .join(Customer, Customer.id == Invitation.customer_id)
        .where(*where)
        .order_by(Invitation.id.desc())
    )
    for batch in _keyset_batches(statement, lambda before: Invitation.id < before, lambda r: r.id):
        yield [
            [
                r.id,
                r.created_at,
                r.external_id,
                r.email or "",
                phases.get(r.phase_id, ""),
                r.survey_id,
                versions.get(r.survey_id),
                r.locale,
                r.status,
                r.skip_reason or "",
                r.failure or "",
                r.sent_at,
                r.reminded_at,
                r.reminder_skip_reason or "",
                r.used_at is not None,
                r.used_at,
                r.response_id,
                r.channel,
                r.order_ref or "",
            ]
            for r in batch
        ]


# What a shop merges into its own mailing tool (Klaviyo) or prints on a packing slip: the
# customer as the list named her, and her link; a skipped line says why and has no link.
PERSONAL_LINK_COLUMNS = (
    "line",
    "external_id",
    "email",
    "first_name",
    "locale",
    "status",
    "skip_reason",
    "url",
    "qr_url",
    "expires",
    "invitation_id",
)


def personal_links_csv(lines: list[dict]) -> Table:
    """An invitation list's personal links (personal_links.listed), in the list's order."""
    header = [list(PERSONAL_LINK_COLUMNS)]
    rows = [[line[column] for column in PERSONAL_LINK_COLUMNS] for line in lines]
    return Table([header, rows])


FIGURE_COLUMNS = (
    "position",
    "phase",
    "name",
    "n",
    "nps",
    "nps_ci95_low",
    "nps_ci95_high",
    "promoters",
    "passives",
    "detractors",
    "csat_mean",
    "csat_n",
    "ces_mean",
    "ces_n",
    "sentiment_mean",
    "sentiment_n",
    "reached",
    "converted",
    "to_next",
    "value_weighted",
    "reached_value",
    "median_days_in_phase",
    "median_days_at_least",
    "hypothesis_nps",
    "hypothesis_csat",
    "hypothesis_conversion",
    "priority_rank",
    "value_at_stake",
    "priority_reason",
    "in_funnel",  # last: a column added in the middle would move those scripts read by place
)


def figures_csv(journey_map: dict) -> Table:
    """The journey map's per-phase figures (journey_map.build) as CSV."""
    rows = [list(FIGURE_COLUMNS)]
    for p in journey_map["phases"]:
        ci = p["nps"]["ci95"] or [None, None]
        hypothesis = p["hypothesis"]
        rows.append(
            [
                p["position"],
                p["phase"],
                p["name"],
                p["n"],
                p["nps"]["score"],
                ci[0],
                ci[1],
                p["nps"]["promoters"],
                p["nps"]["passives"],
                p["nps"]["detractors"],
                p["csat"]["mean"],
                p["csat"]["n"],
                p["ces"]["mean"],
                p["ces"]["n"],
                p["sentiment"]["mean"],
                p["sentiment"]["n"],
                p["conversion"]["reached"],
                p["conversion"]["converted"],
                p["conversion"]["to_next"],
                p["conversion"]["value_weighted"],
                p["conversion"]["reached_value"],
                p["time_in_phase"]["median_days"],
                # the open last bucket: 730 means "730 days or more"
                p["time_in_phase"].get("at_least", False),
                hypothesis.get("nps"),
                hypothesis.get("csat"),
                hypothesis.get("conversion"),
                p["priority"]["rank"],
                p["priority"]["value_at_stake"],
                p["priority"]["reason"],
                p["in_funnel"],
            ]
        )
    return Table([rows])


TREND_COLUMNS = (
    "period",
    "start",
    "end",
    "n",
    "nps",
    "nps_ci95_low",
    "nps_ci95_high",
    "nps_change",
    "nps_change_p",
    "nps_change_significant",
    "csat_mean",
    "csat_ci95_low",
    "csat_ci95_high",
    "sentiment_mean",
    "sentiment_ci95_low",
    "sentiment_ci95_high",
    # last, so that readers of the columns before it by position read on
    "partial",
)


def trend_csv(series: dict) -> Table:
    rows = [list(TREND_COLUMNS)]
    for period in series["periods"]:
        nps_ci = period["nps"]["ci95"] or [None, None]
        csat_ci = period["csat"]["ci95"] or [None, None]
        sent_ci = period["sentiment"]["ci95"] or [None, None]
        change = (period["changes"] or {}).get("nps") or {}
        rows.append(
            [
                period["label"],
                period["start"],
                period["end"],
                period["n"],
                period["nps"]["score"],
                *nps_ci,
                change.get("delta"),
                round(change["p_value"], 4) if "p_value" in change else None,
                change.get("significant"),
                period["csat"]["mean"],
                *csat_ci,
                period["sentiment"]["mean"],
                *sent_ci,
                period["partial"],
            ]
        )
    return Table([rows])
