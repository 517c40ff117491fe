"""CSV exports, produced as generators of text chunks so a large export streams.

Responses are read in keyset batches through the phase-recency index, never all at once.
Cells that a spreadsheet would run as a formula are prefixed with a quote.
"""

import csv
import io
from collections.abc import Iterator

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import Brand, Customer, Persona, Phase, Question, Response, Survey, Touchpoint
from app.services import verbatims

BATCH = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

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


def _rows_to_csv(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def responses_csv(
    brand: Brand, phase: Phase, filters: dict, persona_id: int | None
) -> Iterator[str]:
    """The phase's responses under the map's filters, newest first, as CSV text chunks."""
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
    yield _rows_to_csv([[*RESPONSE_COLUMNS, *(f"choice_{key}" for key in choices)]])
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
    ]
    after = None
    while True:
        # plain column tuples, not ORM objects: nothing piles up in the session while streaming
        statement = (
            select(*columns)
            .outerjoin(Customer, Customer.id == Response.customer_id)
            .where(*where)
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(BATCH)
        )
        if after is not None:
            statement = statement.where(
                or_(
                    Response.created_at < after[0],
                    and_(Response.created_at == after[0], Response.id < after[1]),
                )
            )
        batch = db.session.execute(statement).all()
        if not batch:
            return
        rows = [
            [
                r.id,
                r.created_at.isoformat(timespec="seconds") + "Z",  # stored as UTC
                phase.key,
                r.survey_id,
                versions.get(r.survey_id),
                r.channel,
                r.locale,
                personas.get(r.persona_id, ""),
                safe_text(touchpoints.get(r.touchpoint_id, "")),
                safe_text(r.external_id or ""),
                r.nps,
                r.nps_category,
                r.csat,
                r.ces,
                r.emotion,
                safe_text(r.comment or ""),
                r.sentiment_label,
                r.sentiment_polarity,
                r.language,
                r.incentivized,
                r.status,
                *(safe_text((r.answers or {}).get(key, "")) for key in choices),
            ]
            for r in batch
        ]
        after = (batch[-1].created_at, batch[-1].id)
        yield _rows_to_csv(rows)
        if len(batch) < BATCH:
            return


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
)


def figures_csv(journey_map: dict) -> Iterator[str]:
    """The journey map's per-phase figures (journey_map.build) as CSV."""
    rows = [list(FIGURE_COLUMNS)]
    for p in journey_map["phases"]:
        ci = p["nps"]["ci95"] or [None, None]
        hypothesis = p["hypothesis"]
        rows.append(
            [
                p["position"],
                p["phase"],
                safe_text(p["name"]),
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
                safe_text(p["priority"]["reason"]),
            ]
        )
    yield _rows_to_csv(rows)


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
)


def trend_csv(series: dict) -> Iterator[str]:
    rows = [list(TREND_COLUMNS)]
    for period in series["periods"]:
        nps_ci = period["nps"]["ci95"] or [None, None]
        csat_ci = period["csat"]["ci95"] or [None, None]
        sent_ci = period["sentiment"]["ci95"] or [None, None]
        change = (period["changes"] or {}).get("nps") or {}
        rows.append(
            [
                period["label"],
                period["start"].isoformat(),
                period["end"].isoformat(),
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
            ]
        )
    yield _rows_to_csv(rows)
