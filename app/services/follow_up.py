"""Close the loop: which answers need a follow-up, who wants an email about them, and the
pipeline step that writes those wishes into the alert outbox (services.alerts sends it).

An answer needs a follow-up when it is an NPS detractor (0-6), a CSAT of 1 or 2, an effort of
6 or 7 (CES 1-7, lower is easier), or a written answer whose sentiment is negative. A dashboard
user of any role opts in on their account page, for all of the brand's phases or some. An
editor (or the API) marks such an answer handled once someone has followed it up, so the team
sees what is still open; the alerts not yet mailed about it are then skipped.
"""

import functools

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import Alert, Brand, FollowUpHandled, Phase, Response, User
from app.models.alert import PENDING
from app.models.base import utcnow
from app.pipeline.nps import DETRACTOR
from app.services import upserts, users

LOW_CSAT = (1, 2)  # of 1-5
HIGH_EFFORT = (6, 7)  # of 1-7
# Why an answer is flagged, in the words of the email.
REASONS = {
    "detractor": "NPS detractor (0-6)",
    "low_csat": "low CSAT (1 or 2)",
    "high_effort": "high effort (CES 6 or 7)",
    "negative_text": "negative written answer",
}

_OUTBOX = "follow_up.outbox"


# ---- the rule --------------------------------------------------------------------------


def _whole(value) -> int | None:
    # True is an int to Python; as a score it is a bug upstream, not a 1.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def reasons(
    nps_category: str | None = None,
    csat: int | None = None,
    ces: int | None = None,
    sentiment_label: str | None = None,
    comment: str | None = None,
) -> list[str]:
    """Why this answer needs a follow-up (keys of REASONS); empty when it does not."""
    found = []
    if nps_category == DETRACTOR:
        found.append("detractor")
    if _whole(csat) in LOW_CSAT:
        found.append("low_csat")
    if _whole(ces) in HIGH_EFFORT:
        found.append("high_effort")
    if sentiment_label == "negative" and comment and comment.strip():
        found.append("negative_text")
    return found


def needs_follow_up(**answer) -> bool:
    return bool(reasons(**answer))


def condition():
    """reasons() as SQL, for the phase page's list of the answers that need a follow-up."""
    return or_(
        Response.nps_category == DETRACTOR,
        Response.csat.in_(LOW_CSAT),
        Response.ces.in_(HIGH_EFFORT),
        and_(Response.sentiment_label == "negative", func.trim(Response.comment) != ""),
    )


def response_reasons(response) -> list[str]:
    return reasons(
        response.nps_category,
        response.csat,
        response.ces,
        response.sentiment_label,
        response.comment,
    )


# ---- handled or still open ------------------------------------------------------------

HANDLED_STATES = ("open", "handled", "all")


def handled_condition(state: str):
    """The phase page's list: answers still open (the default), handled ones, or all."""
    handled = exists().where(FollowUpHandled.response_id == Response.id)
    return {"open": ~handled, "handled": handled, "all": None}[state]


def state(response: Response) -> dict:
    """What the API says about an answer's follow-up (response.handled loaded)."""
    handled, reasons = response.handled, response_reasons(response)
    return {
        "response_id": response.id,
        "needed": bool(reasons),
        "reasons": reasons,
        "handled_at": handled.handled_at if handled else None,
        "handled_by": handled.handled_by if handled else None,
    }


def _flagged(brand: Brand, response_id: int, phase_id: int | None) -> Response:
    """The brand's answer (in this phase, when given), which must need a follow-up. Another
    brand's answer, or another phase's, is a 404."""
    where = [Response.id == response_id, Response.brand_id == brand.id]
    if phase_id is not None:
        where.append(Response.phase_id == phase_id)
    response = db.session.scalar(select(Response).where(*where))
    if response is None:
        raise AppError(404, "response not found")
    if not response_reasons(response):
        raise AppError(
            422,
            "this answer does not need a follow-up"
            + (" (it is not processed yet)" if response.nps_category is None else ""),
            code="no_follow_up_needed",
        )
    return response


def mark_handled(
    brand: Brand, response_id: int, by: str, phase_id: int | None = None
) -> FollowUpHandled:
    """Mark an answer handled by `by` (a login's email, or "API"). Marking it again, or two
    people at once, keeps the first mark: who handled it first is the answer to "who"."""
    _flagged(brand, response_id, phase_id)
    upserts.insert_ignore(
        FollowUpHandled,
        ("response_id",),
        {
            "response_id": response_id,
            "brand_id": brand.id,
            "handled_at": utcnow(),
            "handled_by": by,
        },
    )
    db.session.commit()
    return db.session.get(FollowUpHandled, response_id, populate_existing=True)


def reopen(brand: Brand, response_id: int, phase_id: int | None = None) -> None:
    """Mark a handled answer open again; an open one stays open."""
    _flagged(brand, response_id, phase_id)
    db.session.execute(
        delete(FollowUpHandled).where(
            FollowUpHandled.response_id == response_id, FollowUpHandled.brand_id == brand.id
        )
    )
    db.session.commit()


# ---- the user's choice -----------------------------------------------------------------


def phase_choices(brand: Brand) -> list[tuple[str, str]]:
    """(key, name) of the brand's phases, each key once: keys are shared across journeys. Named
    in the brand's language, as the map and the filters name them."""
    choices: dict[str, str] = {}
    phases = db.session.scalars(
        select(Phase).where(Phase.brand_id == brand.id).order_by(Phase.journey_id, Phase.position)
    )
    for phase in phases:
        choices.setdefault(phase.key, phase.display_name(brand.default_locale))
    return list(choices.items())


def set_alerts(brand: Brand, user_id: int, data: dict) -> User:
    """Store a user's follow-up alert choice: on or off, and for which phases (none: all)."""
    known = {key for key, _ in phase_choices(brand)}
    phases = list(dict.fromkeys(data["phases"])) if data["scope"] == "selected" else []
    unknown = [key for key in phases if key not in known]
    if unknown:
        raise AppError(
            422,
            "some phases are not phases of this brand",
            fields={"phases": [f"not a phase of this brand: {', '.join(unknown)}"]},
        )
    user = users.member(brand, user_id, lock=True)
    user.alerts_on = data["alerts_on"]
    user.alert_phases = phases
    db.session.commit()
    return user


# ---- the pipeline step -----------------------------------------------------------------


@functools.cache
def _insert(dialect: str):
    table = Alert.__table__
    module = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["user_id", "response_id"])
        .returning(table.c.id, table.c.user_id)
    )


def _subscribers(brand_ids: set[int]) -> list:
    """(id, brand_id, alert_phases) of the users of these brands with alerts on.

    FOR KEY SHARE until the commit, as webhooks' endpoints: a user's removal waits for this
    batch (and its alerts go with the user), one committed meanwhile leaves the row out
    rather than failing the alerts' foreign key, and with it the batch."""
    return db.session.execute(
        locks.referenced(
            select(User.id, User.brand_id, User.alert_phases)
            .where(User.brand_id.in_(sorted(brand_ids)), User.alerts_on.is_(True))
            .order_by(User.id)
        )
    ).all()


def make_alerts(scored: list[tuple]) -> None:
    """Pipeline step: an alert for every opted-in user of the brand and every answer of the
    batch that needs a follow-up. One query when nobody opted in; else at most one more for
    the phase keys and one multi-row INSERT that ignores rows already there (idempotent)."""
    session = db.session()
    session.info[_OUTBOX] = []  # this batch's, whatever an attempt rolled back had left
    subscribers = _subscribers({response.brand_id for response, _ in scored})
    if not subscribers:
        return
    by_brand: dict[int, list[tuple[int, list]]] = {}
    for user_id, brand_id, phases in subscribers:
        by_brand.setdefault(brand_id, []).append((user_id, phases or []))
    flagged = [
        response
        for response, _ in scored
        if response.brand_id in by_brand and response_reasons(response)
    ]
    if not flagged:
        return
    keys: dict[int, str] = {}
    if any(phases for users_of in by_brand.values() for _, phases in users_of):
        keys = dict(
            session.execute(
                select(Phase.id, Phase.key).where(
                    Phase.id.in_(sorted({response.phase_id for response in flagged}))
                )
            ).all()
        )
    now = utcnow()
    rows = [
        {
            "brand_id": response.brand_id,
            "user_id": user_id,
            "response_id": response.id,
            "created_at": now,
            "status": PENDING,
            "attempts": 0,
        }
        for response in flagged
        for user_id, phases in by_brand[response.brand_id]
        if not phases or keys.get(response.phase_id) in phases
    ]
    if not rows:
        return
    result = session.execute(_insert(session.get_bind().dialect.name), rows)
    session.info[_OUTBOX] = [(alert_id, user_id) for alert_id, user_id in result.all()]


def send_after_commit(response_ids: list[int]) -> None:
    """processing.after_commit: queue the alerts the committed batch made (ids only)."""
    from app.services import alerts  # here: alerts' email names the reasons defined above

    made = db.session.info.pop(_OUTBOX, None)
    if made:
        alerts.enqueue(made)
