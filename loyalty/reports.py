"""Figures for the marketer's dashboard: points per phase, programme vs. others, top rewards,
a summary, and the ledger as CSV. Read-only; every query is scoped by brand."""

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, case, exists, func, literal, select, true, union_all

from app.extensions import db
from loyalty.models import LedgerEntry, LoyaltyMember
from loyalty.policy import get_policy, reward, reward_name
from loyalty.tables import table


def _bounds(column, since: datetime | None, until: datetime | None):
    """`column` in [since, until); either end may be open."""
    bounds = []
    if since is not None:
        bounds.append(column >= since)
    if until is not None:
        bounds.append(column < until)
    return and_(*bounds) if bounds else true()


def _window(query, column, since: datetime | None, until: datetime | None):
    return query.where(_bounds(column, since, until))


def points_per_phase(
    brand_id: int, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Per phase (journey order): points earned, clawed back, entries and distinct customers."""
    phase = table("phase")
    earned = case((LedgerEntry.kind == "earn", LedgerEntry.points), else_=0)
    clawed = case((LedgerEntry.kind == "clawback", -LedgerEntry.points), else_=0)
    query = (
        select(
            phase.c.id,
            phase.c.key,
            func.coalesce(func.sum(earned), 0),
            func.coalesce(func.sum(clawed), 0),
            func.count(LedgerEntry.id),
            func.count(func.distinct(LedgerEntry.customer_id)),
        )
        .join(phase, phase.c.id == LedgerEntry.phase_id)
        .where(LedgerEntry.brand_id == brand_id, LedgerEntry.kind.in_(("earn", "clawback")))
        .group_by(phase.c.id, phase.c.key, phase.c.journey_id, phase.c.position)
        .order_by(phase.c.journey_id, phase.c.position)
    )
    query = _window(query, LedgerEntry.effective_at, since, until)
    return [
        {
            "phase_id": phase_id,
            "phase": key,
            "points": int(points),
            "clawed_back": int(clawed_back),
            "entries": int(entries),
            "customers": int(customers),
        }
        for phase_id, key, points, clawed_back, entries, customers in db.session.execute(query)
    ]


def response_rates(
    brand_id: int, since: datetime | None = None, until: datetime | None = None
) -> dict:
    """How often customers answer when they reach a phase: programme members vs. the others.

    A reach (customer × phase, first time, in the window) counts as "programme" when the
    customer already had points before reaching the phase — so a first answer does not make
    its own reach look like a member's.

    "Already had points" compares the reach with the customer's stored first ledger moment
    (loyalty.members). "Answered" is a semi-join of the reaches with the answers, in a second
    count: PostgreSQL then hashes or merges the two sides, or probes the answers' index for a
    short window, where an EXISTS per reach in the select list was always a probe per reach.
    """
    reach, response = table("customer_phase"), table("response")
    joined = reach.outerjoin(
        LoyaltyMember,
        and_(LoyaltyMember.brand_id == brand_id, LoyaltyMember.customer_id == reach.c.customer_id),
    )
    member = case((LoyaltyMember.first_points_at < reach.c.first_reached_at, 1), else_=0)
    answered = exists().where(
        response.c.customer_id == reach.c.customer_id, response.c.phase_id == reach.c.phase_id
    )

    def count(answers_only: bool):
        query = select(member, literal(answers_only), func.count()).select_from(joined)
        query = query.where(reach.c.brand_id == brand_id, answered if answers_only else true())
        return _window(query, reach.c.first_reached_at, since, until).group_by(member)

    # One statement, so both counts read one snapshot: never more answered than reached.
    totals: dict[int, list[int]] = {}
    for flag, answers_only, found in db.session.execute(union_all(count(False), count(True))):
        totals.setdefault(int(flag), [0, 0])[1 if answers_only else 0] = int(found)

    def group(flag: int) -> dict:
        reached, answers = totals.get(flag, (0, 0))
        return {
            "reached": reached,
            "answered": answers,
            "rate": round(answers / reached, 4) if reached else None,
        }

    programme, others = group(1), group(0)
    lift = (
        round(programme["rate"] - others["rate"], 4)
        if programme["rate"] is not None and others["rate"] is not None
        else None
    )
    return {"programme": programme, "others": others, "lift": lift}


def top_rewards(
    brand_id: int,
    limit: int = 5,
    since: datetime | None = None,
    until: datetime | None = None,
    locale: str = "en",
) -> list[dict]:
    """The most redeemed rewards: key, name (from the catalogue; for a reward removed from it,
    as its latest redemption kept it), redemptions, points spent."""
    query = (
        select(LedgerEntry.reward, func.count(), func.coalesce(func.sum(-LedgerEntry.points), 0))
        .where(LedgerEntry.brand_id == brand_id, LedgerEntry.kind == "redeem")
        .group_by(LedgerEntry.reward)
        .order_by(func.count().desc(), LedgerEntry.reward)
        .limit(limit)
    )
    query = _window(query, LedgerEntry.effective_at, since, until)
    policy = get_policy(brand_id)
    result = []
    for key, count, points in db.session.execute(query):
        item = reward(policy, key)
        result.append(
            {
                "reward": key,
                "name": reward_name(item, locale) if item else _last_name(brand_id, key, locale),
                "redemptions": int(count),
                "points": int(points),
            }
        )
    return result


def _last_name(brand_id: int, key: str, locale: str) -> str:
    """A reward no longer in the catalogue: the name its latest redemption kept, else the key."""
    name = db.session.scalar(
        select(LedgerEntry.reward_name)
        .where(
            LedgerEntry.brand_id == brand_id,
            LedgerEntry.kind == "redeem",
            LedgerEntry.reward == key,
            LedgerEntry.reward_name.is_not(None),
        )
        .order_by(LedgerEntry.id.desc())
        .limit(1)
    )
    return reward_name({"key": key, "name": name}, locale)


def summary(brand_id: int, since: datetime | None = None, until: datetime | None = None) -> dict:
    """The ledger's movements in [since, until) (issued, redeemed, expired, clawed back,
    adjusted), the members who had one, and the points outstanding at its end; without a
    window, the totals over the whole ledger. One sum per kind (in the window, and up to its
    end), one count of customers."""
    in_window = _bounds(LedgerEntry.effective_at, since, until)
    by_end = _bounds(LedgerEntry.effective_at, None, until)
    rows = db.session.execute(
        select(
            LedgerEntry.kind,
            func.coalesce(func.sum(case((in_window, LedgerEntry.points), else_=0)), 0),
            func.coalesce(func.sum(case((by_end, LedgerEntry.points), else_=0)), 0),
        )
        .where(LedgerEntry.brand_id == brand_id)
        .group_by(LedgerEntry.kind)
    ).all()
    moved = {kind: int(points) for kind, points, _ in rows}
    members = db.session.scalar(
        select(func.count(func.distinct(LedgerEntry.customer_id))).where(
            LedgerEntry.brand_id == brand_id, in_window
        )
    )
    return {
        "issued": moved.get("earn", 0),
        "redeemed": -moved.get("redeem", 0),
        "expired": -moved.get("expire", 0),
        "clawed_back": -moved.get("clawback", 0),
        "adjusted": moved.get("adjust", 0),
        "outstanding": sum(int(points) for _, _, points in rows),
        "members": int(members or 0),
    }


CSV_COLUMNS = (
    "entry_id",
    "created_at",
    "effective_at",
    "customer",
    "kind",
    "points",
    "reason",
    "note",
    "reward",
    "phase",
    "response_id",
    "review_id",
    "source_type",
    "source_id",
    "code",  # last: a column added later must not move the ones a spreadsheet refers to
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"  # stored as naive UTC
    text = str(value)
    # A spreadsheet would run a cell that starts like a formula (CSV injection).
    if not isinstance(value, int) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def ledger_csv(
    brand_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = 1000,
) -> Iterator[str]:
    """The ledger as CSV lines (header first), oldest first, read in chunks for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for rows in ledger_rows(brand_id, since, until, chunk):
        writer.writerows([_cell(value) for value in row] for row in rows)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield text


def ledger_rows(
    brand_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = 1000,
) -> Iterator[list[list]]:
    """The ledger's rows as values (header first, then a list per chunk), oldest first: what
    ledger_csv writes, and what the dashboard writes in the form a spreadsheet asks for."""
    customer, phase = table("customer"), table("phase")
    yield [list(CSV_COLUMNS)]
    last_id = 0
    while True:
        query = (
            select(LedgerEntry, customer.c.external_id, phase.c.key)
            .join(customer, customer.c.id == LedgerEntry.customer_id)
            .outerjoin(phase, phase.c.id == LedgerEntry.phase_id)
            .where(and_(LedgerEntry.brand_id == brand_id, LedgerEntry.id > last_id))
            .order_by(LedgerEntry.id)
            .limit(chunk)
        )
        rows = db.session.execute(_window(query, LedgerEntry.effective_at, since, until)).all()
        if not rows:
            return
        values = [
            [
                entry.id,
                entry.created_at,
                entry.effective_at,
                external_id,
                entry.kind,
                entry.points,
                entry.reason,
                entry.note,
                entry.reward,
                phase_key,
                entry.response_id,
                entry.review_id,
                entry.source_type,
                entry.source_id,
                entry.code,
            ]
            for entry, external_id, phase_key in rows
        ]
        last_id = rows[-1][0].id
        # Each chunk is a read of its own (the cursor is the last id): end it before the rows
        # go out, so a slow download holds no transaction open (idle in transaction).
        db.session.commit()
        yield values
