"""Invitations: create (or skip, by the contact budget), send once, list with counts.

An email invitation is queued and sent; a personal link (channel "link") is issued: stored and
asked of the budget the same way, but the brand delivers its URL itself (personal_links)."""

import base64
import contextlib
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import case, event, func, insert, select
from sqlalchemy.orm import selectinload

from app import ids, locks, timestamps
from app.errors import AppError
from app.extensions import db, queue
from app.models import Brand, Customer, CustomerPhase, Invitation, Persona, Response, Survey
from app.models.base import utcnow
from app.models.invitation import (
    CHANNELS,
    EMAIL,
    FAILED,
    FAULT,
    ISSUED,
    LINK,
    QUEUED,
    REFUSED,
    SCHEDULED,
    SENT,
    SKIPPED,
    TEMPORARY,
    WORTH_RETRYING,
)
from app.services import (
    contact_budget,
    customers,
    idempotency,
    journeys,
    mailer,
    send_hours,
    survey_tokens,
    surveys,
    unsubscribes,
    upserts,
)
from app.services.channel_texts import best_locale

log = logging.getLogger(__name__)

# One job sends this many over one SMTP conversation; a list of 2,000 is 20 jobs that the
# workers share.
PER_JOB = 100

# One first try plus RQ's retries (app.queue.RETRY_INTERVALS): then the invitation has failed.


def _invitations():
    # The table also keeps the widget's contact-budget skips (contact_budget.record_widget_skip)
    # for the dashboard; the invitations API is about emails and personal links only.
    return Invitation.channel.in_(CHANNELS)


def create(brand: Brand, data: dict, idempotency_key: str | None = None) -> Invitation:
    """Queue an invitation, or record it as skipped (unsubscribed, contact budget); with
    channel "link", issue it instead: nothing is sent, the brand delivers its URL. With an
    Idempotency-Key a retry of the same request is answered with the first invitation (and
    sends nothing); the same key for another request is a 409."""
    # "remind": true is what a body without it means: the same request, the same fingerprint
    # (as before the field existed)
    asked = {k: v for k, v in data.items() if not (k == "remind" and v is True)}
    fingerprint, found = idempotency.first_try(Invitation, brand.id, idempotency_key, asked)
    if found is not None:
        return found
    customer = customers.find(brand, data["customer"])
    if customer is None:
        raise AppError(422, "no customer with this external id", fields={"customer": ["unknown"]})
    channel = data.get("channel", EMAIL)
    if channel == EMAIL and not customer.email:  # a link is delivered by the brand: none needed
        raise AppError(
            422,
            "this customer has no email address; set one with POST /api/v1/customers",
            fields={"customer": ["no email address"]},
        )
    survey = _active_survey(brand, data["survey_id"])
    touchpoint = journeys.find_touchpoint(survey.phase.touchpoints, data.get("touchpoint"))
    # Lock the customer so two concurrent invitations cannot both pass the budget.
    locked = customers.ensure(brand, customer.external_id, lock=True)
    if locked.id != customer.id:  # erased while this waited: the id names a new, bare customer
        db.session.rollback()
        raise AppError(422, "no customer with this external id", fields={"customer": ["unknown"]})
    [invitation] = _invite(
        brand,
        survey,
        [locked],
        data.get("locale"),
        touchpoint and touchpoint.id,
        remind=data.get("remind", True),
        channel=channel,
        order=data.get("order"),
    )
    stored = idempotency.commit_once(invitation, idempotency_key, fingerprint)
    if stored is not invitation:
        return stored  # the same request, sent twice at once: the other one stored it
    if invitation.status == QUEUED:
        enqueue([invitation.id])
    return invitation


def create_many(
    brand: Brand, survey_id: int, rows: list[dict], remind: bool = True, channel: str = EMAIL
) -> dict:
    """A list of customers (the dashboard's upload) invited to one survey: each customer is
    created or updated as `customers.upsert` would, and queued or skipped as `create` decides,
    all in one transaction: a list with one line that cannot be invited stores nothing. With
    channel "link" each is issued a personal link instead, as `create` issues one: nothing is
    sent, so a customer needs no address, and `lines` holds what the list's download says.

    A row is CustomerIn's data plus `line` (where it was in the list, for errors); without an
    `external_id` it means the customer another line gives that address with an id, else the
    brand's customer with it (the oldest, if several), else a new one named by the address.
    One email per customer and per address: a repeat of either is left out (an orders export
    lists a repeat buyer once per order). Returns {"invitations", "queued": how many,
    "issued": how many links (with those "listed_again": still open from an earlier upload),
    "skipped": {reason: how many}, "repeated": [line numbers],
    "new": customers created, "readdressed": known customers whose address the list changed,
    "lines": personal_links.listed's rows of the links (empty for emails)}.
    """
    from app.services import personal_links  # it builds on this module

    survey = _active_survey(brand, survey_id)
    _check_personas(brand, rows)
    rows, repeated = _one_row_per_customer(brand, rows)
    before = _addresses(brand, [row["external_id"] for row in rows])
    found = customers.apply_many(brand, [_customer_data(row) for row in rows])
    for row, customer in zip(rows, found, strict=True):
        if channel == EMAIL and not customer.email:
            db.session.rollback()
            raise AppError(
                422,
                "a customer in the list has no email address",
                fields={f"lines.{row['line']}.email": ["missing, and none is known"]},
            )
    still_open = _open_links(brand, survey, found) if channel == LINK else {}
    fresh = iter(
        _invite(
            brand,
            survey,
            [customer for customer in found if customer.id not in still_open],
            None,
            None,
            remind=remind,
            channel=channel,
        )
    )
    invitations = [still_open.get(customer.id) or next(fresh) for customer in found]
    new = sum(row["external_id"] not in before for row in rows)
    readdressed = sum(
        before.get(customer.external_id) not in (None, customer.email) for customer in found
    )
    # Read before the commit, which expires the rows: after it, each was a query of its own
    # (2,000 of an upload's 2,600).
    db.session.flush()
    queued = [invitation.id for invitation in invitations if invitation.status == QUEUED]
    issued = sum(invitation.status == ISSUED for invitation in invitations)
    skipped = Counter(i.skip_reason for i in invitations if i.status == SKIPPED)
    lines = personal_links.listed(brand, rows, found, invitations) if channel == LINK else []
    db.session.commit()
    enqueue(queued)
    return {
        "invitations": invitations,
        "queued": len(queued),
        "issued": issued,
        "listed_again": len(still_open),
        "lines": lines,
        "skipped": dict(skipped),
        "repeated": repeated,
        "new": new,
        "readdressed": readdressed,
    }


def _open_links(brand: Brand, survey: Survey, found: list[Customer]) -> dict[int, Invitation]:
    """The links of this survey issued to these customers before and still open (not answered,
    not expired), by customer: a list uploaded again lists them again, the same URLs, asking
    nothing anew. The contact budget skipped them, and the first file, perhaps lost, was the
    only place their links were."""
    ids = [customer.id for customer in found]
    held: dict[int, Invitation] = {}
    for chunk in upserts.chunks(ids):
        for invitation in db.session.scalars(
            select(Invitation)
            .where(
                Invitation.brand_id == brand.id,
                Invitation.survey_id == survey.id,
                Invitation.channel == LINK,
                Invitation.status == ISSUED,
                Invitation.used_at.is_(None),
                Invitation.expires_at > utcnow(),
                Invitation.customer_id.in_(chunk),
            )
            .order_by(Invitation.id)
        ):
            held[invitation.customer_id] = invitation  # the newest, should there be two
    return held


def send_again(brand: Brand, invitation_id: int) -> Invitation:
    """Queue a failed invitation again: after an outage (failure "temporary"), a fault since
    fixed, or a refused address since corrected. Its ask was given back when it failed, so it
    asks the contact budget anew: `skipped` with the rule when the customer was asked since.
    One already queued is answered as it is (a retry of this request); one sent or skipped is
    a 409. The same invitation and link: an email already sent for it stays valid."""
    found = get(brand, invitation_id)
    locks.write_first(Invitation, Invitation.id == found.id)  # two clicks at once, on SQLite
    customer = db.session.scalar(
        locks.locked(select(Customer).where(Customer.id == found.customer_id))
    )
    # Locked only while failed: a sender's claim skips a locked invitation, and would leave
    # one just queued (by another request) for the sweep.
    invitation = db.session.scalar(
        locks.locked(
            select(Invitation).where(Invitation.id == found.id, Invitation.status == FAILED)
        )
    ) or db.session.get(Invitation, found.id, populate_existing=True)
    if invitation is None:  # erased with its customer while this waited for her
        db.session.rollback()
        raise AppError(404, "invitation not found")
    if invitation.status == QUEUED:
        db.session.rollback()
        return invitation
    if invitation.status != FAILED or invitation.used_at is not None:
        # An answered one reached her (a copy the server took before the connection was
        # lost): its link is used, and mailing it again would only say so.
        state = "answered" if invitation.used_at is not None else invitation.status
        db.session.rollback()
        raise AppError(
            409,
            f"this invitation was {state}; only a failed one can be sent again",
            fields={"status": [state]},
        )
    survey = _active_survey(brand, invitation.survey_id)
    if not customer.email:
        raise AppError(
            422,
            "this customer has no email address; set one with POST /api/v1/customers",
            fields={"customer": ["no email address"]},
        )
    _queue_again(brand, survey.phase, [(invitation, customer)])
    db.session.commit()
    if invitation.status == QUEUED:
        enqueue([invitation.id])
    return invitation


# At most this many failed invitations are queued again per call (as an uploaded list holds at
# most 2,000): a request stays short, and `remaining` says whether to call again.
AGAIN_PER_CALL = 2_000
_AGAIN_CHUNK = 500


def send_failed_again(brand: Brand, limit: int = AGAIN_PER_CALL) -> dict:
    """send_again for the brand's invitations that failed for a reason that passes (an outage,
    a fault: WORTH_RETRYING), of surveys still active, oldest first, at most `limit`. Refused
    addresses are left alone: sent again as they are, they would be refused again.

    {"queued": n, "skipped": {reason: n}, "remaining": how many such are left (over the limit;
    a customer's second in one round), "not_active": failed ones whose survey is not active}.
    """
    queued: list[int] = []  # of this one brand, sent once all are asked

    def ask(pairs: dict) -> None:
        for survey, chunk in pairs.items():
            _queue_again(brand, survey.phase, chunk)

    def keep(by_brand: dict[int, list[int]]) -> None:
        queued.extend(invitation_id for ids in by_brand.values() for invitation_id in ids)

    counts = _ask_in_rounds(lambda size: _failed_to_retry(brand, size), ask, limit, keep)
    enqueue(queued)
    left = dict(
        db.session.execute(
            _retryable(brand).with_only_columns(Survey.active, func.count()).group_by(Survey.active)
        ).all()
    )
    return {**counts, "remaining": left.get(True, 0), "not_active": left.get(False, 0)}


def _retryable(brand: Brand):
    """The brand's invitations that failed for a passing reason and were not answered (one
    that was reached her after all), joined to their survey."""
    return (
        select(Invitation)
        .join(Survey, Survey.id == Invitation.survey_id)
        .where(
            Invitation.brand_id == brand.id,
            _invitations(),
            Invitation.status == FAILED,
            Invitation.failure.in_(WORTH_RETRYING),
            Invitation.used_at.is_(None),
        )
    )


def retryable_count(brand: Brand) -> int:
    """How many send_failed_again would queue or skip now, limits aside: the dashboard's
    button says it."""
    return db.session.scalar(
        _retryable(brand).where(Survey.active.is_(True)).with_only_columns(func.count())
    )


def _failed_to_retry(brand: Brand, limit: int) -> dict:
    """Up to `limit` failed invitations worth retrying, one a customer, with their customers,
    locked: {survey: [(invitation, customer)]} (_locked_pairs)."""
    locks.write_first(Invitation, Invitation.brand_id == brand.id, Invitation.status == FAILED)
    candidates = db.session.execute(
        _retryable(brand)
        .where(Survey.active.is_(True))
        .with_only_columns(Invitation.id, Invitation.customer_id)
        .order_by(Invitation.id)
        .limit(limit)
    ).all()
    return _locked_pairs(candidates, Invitation.status == FAILED, Invitation.used_at.is_(None))


def _locked_pairs(candidates, *still) -> dict:
    """The candidates' (id, customer id) invitations, one a customer (her oldest: the budget
    decides one ask at a time), each with its customer: the customers locked first, by id, as
    send_again and the invitation lists lock them, then the invitations that are `still` as
    they were read. {survey: [(invitation, customer)]}."""
    first: dict[int, int] = {}
    for invitation_id, customer_id in candidates:
        first.setdefault(customer_id, invitation_id)
    if not first:
        return {}
    customers = {
        customer.id: customer
        for customer in db.session.scalars(
            locks.locked(
                select(Customer).where(Customer.id.in_(first.keys())).order_by(Customer.id)
            )
        )
    }
    rows = db.session.scalars(
        locks.locked(
            select(Invitation)
            .where(Invitation.id.in_(first.values()), *still)
            .order_by(Invitation.id)
        ).options(selectinload(Invitation.survey).selectinload(Survey.phase))
    )
    pairs: dict = {}
    for invitation in rows:
        pairs.setdefault(invitation.survey, []).append(
            (invitation, customers[invitation.customer_id])
        )
    return pairs


def _queue_again(brand: Brand, phase, pairs: list[tuple[Invitation, Customer]]) -> None:
    """The failed invitations asked anew, as new ones are: queued, or skipped by the budget."""
    now = utcnow()
    _ask(brand, phase, pairs)
    for invitation, _ in pairs:
        invitation.failure = invitation.last_error = None
        if invitation.status == QUEUED:
            invitation.queued_at = now


# An event this much older than its invitation's due moment is history (an import of past
# events): it schedules nothing, or every customer imported would be mailed at once.
HISTORY = timedelta(days=1)


class Reach(NamedTuple):
    """A customer's first arrival in a phase, by a journey event (customers.record_event*)."""

    customer: Customer
    phase: object
    occurred_at: datetime
    order: str | None = None  # a first arrival for this order (services.orders)


def schedule_on_reach(brand: Brand, reaches: list[Reach]) -> int:
    """Schedule the invitation of each phase's survey that invites on reach: due
    `invite_after_hours` after the event, asked of the contact budget then (queue_due). In the
    events' transaction; the caller commits. Returns how many were scheduled."""
    if not reaches:
        return 0
    inviting = _inviting_surveys(brand.id, {reach.phase.id for reach in reaches})
    now = utcnow()
    scheduled = []
    for customer, phase, occurred_at, order in reaches:
        survey = inviting.get(phase.id)
        if survey is None:
            continue
        due = occurred_at + timedelta(hours=survey.invite_after_hours)
        if due < now - HISTORY:
            continue
        due = send_hours.fit(brand, max(due, now))
        scheduled.append(
            _email_row(
                brand,
                survey,
                customer,
                now,
                due,
                status=SCHEDULED,
                queued_at=due,
                order_ref=order,
            )
        )
    # Rows, not ORM objects: an import of a thousand recent arrivals writes a thousand.
    for chunk in upserts.chunks(scheduled):
        db.session.execute(insert(Invitation), chunk)
    return len(scheduled)


def overdue(brand: Brand, grace: timedelta = timedelta(hours=1)) -> int:
    """The brand's scheduled invitations due more than `grace` ago: the sweep, which asks for
    them, is not running (no cron), and the dashboard says so. None while the brand is
    outside its sending hours: they wait for those."""
    if brand.id in send_hours.closed(utcnow()):
        return 0
    return db.session.scalar(
        select(func.count()).where(
            Invitation.brand_id == brand.id,
            Invitation.status == SCHEDULED,
            Invitation.queued_at < utcnow() - grace,
        )
    )


def _inviting_surveys(brand_id: int, phase_ids) -> dict[int, Survey]:
    """{phase id: the survey that invites on reach there}: active, with invite_after_hours,
    the newest when several families do."""
    inviting: dict[int, Survey] = {}
    for survey in db.session.scalars(
        select(Survey)
        .where(
            Survey.brand_id == brand_id,
            Survey.phase_id.in_(phase_ids),
            Survey.active.is_(True),
            Survey.invite_after_hours.is_not(None),
        )
        .order_by(Survey.id)
        .options(selectinload(Survey.phase))
    ):
        inviting[survey.phase_id] = survey
    return inviting


def any_due(now: datetime | None = None) -> bool:
    """Whether a scheduled invitation or a reminder is due (indexed looks)."""
    from app.services import reminders  # it builds on this module

    now = now or utcnow()
    found = db.session.scalar(select(Invitation.id).where(*_due(now)).limit(1))
    return found is not None or reminders.any_due(now)


def ask_due_job() -> dict:
    """The email queue's job that the workers kick every few minutes while some are due
    (worker.AppWorker): queue_due, each chunk's queued sent by jobs of their own (a hundred of
    one brand each, as the sweep queues them) as soon as the chunk is committed, so that a
    failure later in the round leaves none queued without a job; then the reminders that are
    due, handed to jobs of theirs (reminders.queue_due). A round that took its limit kicks the
    next one at once: a large import drains without waiting for the workers' next look.
    Invitations on reach and reminders go out without cron where workers run; the sweep
    remains the net for a job lost between a commit and its enqueue, as everywhere."""
    from app.pipeline import email_jobs
    from app.services import reminders  # it builds on this module

    queue.take_kick("email")

    def send(queued: dict[int, list[int]]) -> None:
        for invitation_ids in queued.values():
            enqueue(invitation_ids)

    counts = queue_due(limit=AGAIN_PER_CALL, committed=send)
    counts["reminders"] = reminders.queue_due()
    # what this round dealt with (reminders given back to a server that is down do not count:
    # the next round would take them again at once)
    reminded = sum(n for outcome, n in counts["reminders"].items() if outcome != "left")
    counts["more"] = (
        counts["queued"] + sum(counts["skipped"].values()) >= AGAIN_PER_CALL
        or reminded >= reminders.PER_LOOK
    )
    # Inline (the web process's looks) the next round is the next look: a kick would run it
    # here, within this one.
    if counts["more"] and not queue.inline:
        queue.kick("email", email_jobs.ask_due_invitations)
    return counts


def queue_due(now: datetime | None = None, limit: int = AGAIN_PER_CALL, committed=None) -> dict:
    """The scheduled invitations that are due, of every brand, asked of the contact budget
    now as a new invitation is: `queued` or `skipped`, also when the customer has answered
    the phase since she arrived (`answered`) or no survey of the phase invites on reach now
    (`survey_not_active`, `invite_turned_off`). Oldest first, at most `limit`, in chunks;
    `committed`, when given, is called with each chunk's queued ids per brand once the chunk
    is committed. {"queued": n, "skipped": {reason: n}}."""
    due = _due(now or utcnow())

    def take(size: int) -> dict:
        locks.write_first(Invitation, *due)
        candidates = db.session.execute(
            select(Invitation.id, Invitation.customer_id)
            .where(*due)
            .order_by(Invitation.id)
            .limit(size)
        ).all()
        return _locked_pairs(candidates, *due)

    def ask(pairs: dict) -> None:
        for (brand_id, phase_id), chunk in _by_phase(pairs).items():
            survey, asked = _still_asked(brand_id, phase_id, chunk)
            if asked:
                _queue_again(db.session.get(Brand, brand_id), survey.phase, asked)

    return _ask_in_rounds(take, ask, limit, committed)


def _due(now: datetime) -> tuple:
    """The conditions of a scheduled invitation due at `now`, of a brand within its sending
    hours."""
    return Invitation.status == SCHEDULED, Invitation.queued_at <= now, *send_hours.open_brands(now)


def _ask_in_rounds(take, ask, limit: int, committed=None) -> dict:
    """Rounds of invitations that `take(size)` locks ({survey: [(invitation, customer)]}, at
    most _AGAIN_CHUNK a round) and `ask(pairs)` queues or skips, each round committed and its
    queued ids per brand then handed to `committed`; at most `limit` in all. (Sending failed
    invitations again, and the scheduled ones that are due.) {"queued": n, "skipped":
    {reason: n}}."""
    queued, skipped = 0, Counter()
    while queued + skipped.total() < limit:
        pairs = take(min(_AGAIN_CHUNK, limit - queued - skipped.total()))
        if not pairs:
            break
        ask(pairs)
        by_brand: dict[int, list[int]] = {}
        for chunk in pairs.values():  # read before the commit expires them
            for invitation, _ in chunk:
                if invitation.status == QUEUED:
                    by_brand.setdefault(invitation.brand_id, []).append(invitation.id)
                    queued += 1
                else:
                    skipped[invitation.skip_reason] += 1
        db.session.commit()
        if committed is not None and by_brand:
            committed(by_brand)
    return {"queued": queued, "skipped": dict(skipped)}


def _by_phase(pairs: dict) -> dict:
    """_locked_pairs' {survey: pairs} as {(brand id, phase id): pairs}."""
    grouped: dict = {}
    for survey, chunk in pairs.items():
        grouped.setdefault((survey.brand_id, survey.phase_id), []).extend(chunk)
    return grouped


def _still_asked(brand_id: int, phase_id: int, pairs: list) -> tuple[Survey | None, list]:
    """Of one phase's due invitations, those the budget is to decide on, each now of the
    survey that invites on reach there (a new version of the one it was scheduled for, after
    an edit) in the customer's language as she has it now; the others are skipped here: no
    survey invites there now, or she answered the phase since she reached it."""
    survey = _inviting_surveys(brand_id, [phase_id]).get(phase_id)
    if survey is None:
        for invitation, _ in pairs:
            gone = not invitation.survey.active
            invitation.status = SKIPPED
            invitation.skip_reason = "survey_not_active" if gone else "invite_turned_off"
        return None, []
    answered = _answered(phase_id, pairs)
    asked = []
    for invitation, customer in pairs:
        if (customer.id, invitation.order_ref) in answered:
            invitation.status, invitation.skip_reason = SKIPPED, "answered"
            continue
        invitation.survey_id = survey.id
        invitation.locale = _locale(survey, customer)
        asked.append((invitation, customer))
    return survey, asked


def _answered(phase_id: int, pairs: list) -> set[tuple[int, str | None]]:
    """(customer id, order) of these due invitations whose customer has answered the phase as
    they ask: one scheduled for an order, for that order (a repeat buyer's answer about her
    first delivery does not answer her second); one for no order, since she first arrived."""
    customer_ids = [customer.id for _, customer in pairs]
    answered = {
        (customer_id, None)
        for customer_id in db.session.scalars(
            select(Response.customer_id)
            .join(
                CustomerPhase,
                (CustomerPhase.customer_id == Response.customer_id)
                & (CustomerPhase.phase_id == Response.phase_id),
            )
            .where(
                Response.customer_id.in_(customer_ids),
                Response.phase_id == phase_id,
                Response.created_at >= CustomerPhase.first_reached_at,
            )
        )
    }
    orders = sorted({invitation.order_ref for invitation, _ in pairs} - {None})
    if orders:
        answered.update(
            db.session.execute(
                select(Response.customer_id, Response.order_ref).where(
                    Response.customer_id.in_(customer_ids),
                    Response.phase_id == phase_id,
                    Response.order_ref.in_(orders),
                )
            ).tuples()
        )
    return answered


def _addresses(brand: Brand, external_ids: list[str]) -> dict[str, str | None]:
    """{external id: stored email} of the brand's customers among these (the new are absent)."""
    found: dict[str, str | None] = {}
    for chunk in upserts.chunks(sorted(set(external_ids))):
        query = select(Customer.external_id, Customer.email).where(
            Customer.brand_id == brand.id, Customer.external_id.in_(chunk)
        )
        found.update(db.session.execute(query).tuples().all())
    return found


def _check_personas(brand: Brand, rows: list[dict]) -> None:
    """Each line's persona is one of the brand's (customers._apply would stop at the first
    unknown one, without saying on which line)."""
    named = {row["persona"] for row in rows if row.get("persona")}
    known = set(
        db.session.scalars(
            select(Persona.key).where(Persona.brand_id == brand.id, Persona.key.in_(named))
        )
    )
    unknown = {
        f"lines.{row['line']}.persona": ["unknown persona"]
        for row in rows
        if row.get("persona") and row["persona"] not in known
    }
    if unknown:
        raise AppError(422, "some lines name a persona the brand does not have", fields=unknown)


def _one_row_per_customer(brand: Brand, rows: list[dict]) -> tuple[list[dict], list[int]]:
    """The rows with an external id each, the first row of each customer and of each address
    only; and the line numbers of the repeats."""
    listed: dict[str, str] = {}  # address → the id a line of the list gives it
    for row in rows:
        if row.get("external_id") and row.get("email"):
            listed.setdefault(customers.normalise_email(row["email"]), row["external_id"])
    emails = {
        customers.normalise_email(row["email"])
        for row in rows
        if not row.get("external_id") and row.get("email")
    } - set(listed)
    known: dict[str, str] = {}
    for chunk in upserts.chunks(sorted(emails)):
        query = (
            select(Customer.email, Customer.external_id)
            .where(Customer.brand_id == brand.id, Customer.email.in_(chunk))
            .order_by(Customer.id.desc())  # the oldest is written last, so it wins
        )
        known.update(db.session.execute(query).tuples().all())
    kept, repeated, seen = [], [], set()
    for row in rows:
        email = customers.normalise_email(row.get("email"))
        if not row.get("external_id"):
            if email in listed:
                row = {**row, "external_id": listed[email]}
            elif email in known:
                # The customer who has this address: nothing to write. Read before her lock,
                # it could be stale, and writing it back would undo an address another list
                # or request gave her meanwhile.
                row = {**row, "external_id": known[email]}
                row.pop("email")
            else:
                row = {**row, "external_id": email}  # a new customer, named by the address
        if row["external_id"] in seen or (email and email in seen):
            repeated.append(row["line"])
            continue
        seen.update({row["external_id"], email} - {None})
        kept.append(row)
    return kept, repeated


def _customer_data(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "line"}


def _active_survey(brand: Brand, survey_id: int):
    survey = surveys.get_survey(brand, survey_id)
    if not survey.active:
        raise AppError(422, "this survey is not active", fields={"survey_id": ["not active"]})
    return survey


def _invite(
    brand,
    survey,
    customers: list[Customer],
    locale,
    touchpoint_id,
    remind: bool = True,
    channel: str = EMAIL,
    order: str | None = None,
) -> list[Invitation]:
    """An invitation for each customer, queued (a link: issued) or skipped (unsubscribed,
    contact budget), added to the session; without `remind`, made without the survey's
    reminder; with `order`, asking about that order. The customers are locked: two concurrent
    invitations cannot both pass the budget. A few grouped queries whatever the number of
    customers."""
    from app.services.reminders import LEFT_OUT  # it builds on this module

    now = utcnow()
    invitations = [
        _email(
            brand,
            survey,
            customer,
            now,
            now,
            locale,
            touchpoint_id=touchpoint_id,
            channel=channel,
            # a link has no reminder to leave out: Phasewise has no email to remind of
            reminder_skip_reason=None if remind or channel == LINK else LEFT_OUT,
            order_ref=order,
        )
        for customer in customers
    ]
    _ask(brand, survey.phase, list(zip(invitations, customers, strict=True)), channel)
    db.session.add_all(invitations)
    return invitations


def _email(brand, survey, customer, now, sent, locale=None, **columns) -> Invitation:
    """An invitation of this survey for this customer (_email_row)."""
    return Invitation(**_email_row(brand, survey, customer, now, sent, locale, **columns))


def _email_row(brand, survey, customer, now, sent, locale=None, **columns) -> dict:
    """The columns of an email invitation of this survey for this customer (or another
    channel's, in `columns`), made `now`, whose link runs from `sent` (link_expiry; set again
    when an email is sent), in `locale` or hers."""
    return {
        "brand_id": brand.id,
        "customer_id": customer.id,
        "survey_id": survey.id,
        "phase_id": survey.phase_id,
        "channel": EMAIL,
        "locale": _locale(survey, customer, locale),
        "created_at": now,
        "expires_at": link_expiry(brand, sent),
        "attempts": 0,
        **columns,
    }


def _locale(survey: Survey, customer: Customer, asked: str | None = None) -> str:
    """The language asked for, else the customer's, if the survey speaks it; else its own."""
    return best_locale([asked, customer.locale], survey.locales, survey.default_locale)


def _ask(
    brand: Brand, phase, pairs: list[tuple[Invitation, Customer]], channel: str = EMAIL
) -> None:
    """Queue each invitation (a link: issue it), spending the contact budget's ask for it, or
    skip it (no address, unsubscribed, the budget's rule): one customer each, locked by the
    caller. A link is an ask too: the brand puts it before the customer, in its own email."""
    customers = [customer for _, customer in pairs]
    # the customer, or the address, did not unsubscribe; a link needs no address, but one who
    # asked for no more invitations is not handed to the brand's email instead
    allowed = (unsubscribes.may_email_many if channel == EMAIL else unsubscribes.may_invite_many)(
        customers
    )
    decisions = contact_budget.spend_many(
        brand, [c for c in customers if c.id in allowed], phase, channel
    )
    for invitation, customer in pairs:
        invitation.skip_reason = None
        if channel == EMAIL and not customer.email:
            invitation.status, invitation.skip_reason = SKIPPED, "no_email"
        elif customer.id not in allowed:
            invitation.status, invitation.skip_reason = SKIPPED, "unsubscribed"
        elif not decisions[customer.id]:
            invitation.status, invitation.skip_reason = SKIPPED, decisions[customer.id].rule
        else:
            invitation.status = QUEUED if channel == EMAIL else ISSUED
            invitation.contact = decisions[customer.id].contact


def enqueue(invitation_ids: list[int]) -> int:
    """A job per PER_JOB invitations; returns how many were queued (inline: tried)."""
    from app.pipeline import email_jobs

    if queue.inline:
        return len(invitation_ids) if queue.enqueue("email", _send_inline, invitation_ids) else 0
    queued = 0
    for start in range(0, len(invitation_ids), PER_JOB):
        chunk = invitation_ids[start : start + PER_JOB]
        if queue.enqueue("email", email_jobs.send_invitations, chunk):
            queued += len(chunk)
    return queued


def _send_inline(invitation_ids: list[int]) -> None:
    """Without workers the request that made the invitations sends them. Once the server does
    not answer at all (refused, lost, out of SMTP_TIMEOUT), the rest stay queued for `flask
    invitation sweep`: a list of 2,000 does not hold the request for 2,000 timeouts."""
    delivery = deliver_many(invitation_ids)
    if delivery.error is not None:
        log.warning("%s; what is still queued is left for the sweep", delivery.error)


def deliver_many(
    invitation_ids: list[int], seconds: float | None = None, one=None, fault=None
) -> mailer.Round:
    """Send those of these invitations still queued, over one SMTP conversation
    (mailer.send_each). Each is claimed, sent and committed on its own, so a job killed
    half-way resends none it had recorded. `one(id, session)` and `fault(id, exception)` send
    and note another email of an invitation's (its reminder) instead."""
    with _keeping_loaded():
        return mailer.send_each(invitation_ids, one or _deliver, fault or _note_fault, seconds)


def _note_fault(invitation_id: int, fault: Exception) -> str | None:
    """mailer.note_fault for an invitation whose email could not be made: it stays queued for
    the retries until MAIL_RETRY_HOURS. "failed", "gone", or None: still queued."""
    invitation = _claim(invitation_id)
    if invitation is None:
        db.session.rollback()
        return "gone"
    outcome = mailer.note_fault(
        invitation, fault, column="last_error", since=invitation.waiting_since
    )
    if outcome == FAILED:
        _failed(invitation, FAULT)
    db.session.commit()
    return None if outcome == "retry" else outcome


def _failed(invitation: Invitation, failure: str) -> None:
    """Failed for good (for now): the customer was never asked, so the ask is given back."""
    invitation.status, invitation.failure = FAILED, failure
    _ask_given_back(invitation)


def _ask_given_back(invitation: Invitation) -> None:
    """No email went out: the customer was never asked, and the contact budget forgets it."""
    contact_budget.give_back([invitation.contact_id])
    invitation.contact_id = None


@contextlib.contextmanager
def _keeping_loaded():
    """The brand, survey, questions, phase and loyalty policy read once a round, not once per
    invitation: each invitation's commit would expire them. What must be current is read
    again for each: the invitation (its claim) and its customer."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    held: list = []  # the session itself holds what it loaded by weak reference only

    def hold(_session, instance) -> None:
        held.append(instance)

    event.listen(session, "loaded_as_persistent", hold)
    try:
        yield
    finally:
        event.remove(session, "loaded_as_persistent", hold)
        session.expire_on_commit = expire


def send_job(invitation_ids: list[int]) -> dict[str, int]:
    """The email job's work: what it had no time for goes to a new job; a temporary failure
    raises, after the rest were tried, so that RQ retries the job (which finds the sent ones
    no longer queued)."""
    delivery = deliver_many(invitation_ids, mailer.JOB_SECONDS)
    if delivery.left:
        enqueue(delivery.left)
    if delivery.error is not None:
        raise delivery.error
    return dict(delivery.outcomes)


def link_expiry(brand: Brand, sent: datetime) -> datetime:
    """The end of the day, in the brand's time zone, INVITATION_TOKEN_DAYS after sending: the
    email says the link works "until 4 February", and a reader takes that to mean all of it,
    not until the hour it was sent at. The hosted page checks it (hosted._open_invitation)."""
    last_day = timestamps.local_day(
        sent + timedelta(days=survey_tokens.invitation_days()), brand.time_zone
    )
    return timestamps.end_of_local_day(last_day, brand.time_zone)


def token_for(invitation: Invitation, signed_at: datetime | None = None) -> str:
    return survey_tokens.invitation_token(
        survey_tokens.InvitationClaims(
            invitation.id,
            invitation.brand_id,
            invitation.customer_id,
            invitation.survey_id,
            invitation.phase_id,
        ),
        signed_at,
    )


def _claim(invitation_id: int) -> Invitation | None:
    # PostgreSQL's SKIP LOCKED hands it to one sender. SQLite (development only) has no row
    # locks, and its one write lock is not taken here: held while the mail server answers, it
    # would make every other request's write wait, or fail. Two senders at once there (a sweep
    # by hand while the web process looks) may both send one invitation.
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.status == QUEUED)
        .with_for_update(skip_locked=True)
        # as it is now, not as an earlier commit of the round left it (_keeping_loaded)
        .execution_options(populate_existing=True)
    )


def deliver(invitation_id: int) -> str | None:
    """Send one queued invitation; idempotent. Raises MailError so the queue retries a
    temporary failure (4xx, connection); a permanent one (5xx) fails the invitation at once."""
    with mailer.Session() as session:
        return _deliver(invitation_id, session)


def _deliver(invitation_id: int, session: mailer.Session) -> str | None:
    """deliver() within a conversation that others share."""
    from app.services import invitation_mail, reminders  # they build on this module

    invitation = _claim(invitation_id)
    if invitation is None:
        db.session.rollback()
        return None
    # Read now, not when the round began: the address may have changed or been unsubscribed.
    if invitation.used_at is not None:
        # Answered before this retry: a copy the server took before the connection was lost
        # reached her. Its link is used; another copy would only say so.
        invitation.status, invitation.last_error = SENT, None
        db.session.commit()
        return SENT
    customer = db.session.get(Customer, invitation.customer_id, populate_existing=True)
    if not unsubscribes.may_email(customer):
        unsubscribed = customer.unsubscribed_at is not None or customer.email
        return _skipped_before_its_email(invitation, "unsubscribed" if unsubscribed else "no_email")
    if surveys.live_version(invitation.survey) is None:
        # Switched off, or its journey archived, since it was queued: its link opens "closed".
        return _skipped_before_its_email(invitation, "survey_not_active")
    brand = db.session.get(Brand, invitation.brand_id)
    now = utcnow()
    invitation.attempts += 1
    invitation.expires_at = link_expiry(brand, now)
    with db.session.no_autoflush:  # written once, with the outcome
        message = invitation_mail.build(brand, invitation, token_for(invitation))
    try:
        session.send(message)
    except mailer.MailError as error:
        invitation.last_error = str(error)[:300]
        # A 5xx for the recipient (no such mailbox): failed now, with the server's reason; a
        # server that is down or busy: queued still, for the job's retries and then the sweep.
        if mailer.given_up(error, invitation.waiting_since):
            _failed(invitation, REFUSED if error.permanent else TEMPORARY)
            db.session.commit()
            log.warning("invitation %s failed for good: %s", invitation_id, error)
            return FAILED
        db.session.commit()
        raise
    invitation.status, invitation.sent_at, invitation.last_error = SENT, now, None
    reminders.plan(brand, invitation, now)
    db.session.commit()
    return SENT


def _skipped_before_its_email(invitation: Invitation, reason: str) -> str:
    invitation.status, invitation.skip_reason = SKIPPED, reason
    _ask_given_back(invitation)
    db.session.commit()
    return SKIPPED


def waiting(limit: int = 10_000) -> list[list[int]]:
    """Invitations still queued (e.g. Redis was down, or SMTP failed inline), for the sweep:
    in rounds of at most PER_JOB of one brand each, oldest first within a brand. One brand a
    job: a failed job shows on that brand's dashboard (worker.failed_jobs)."""
    rows = db.session.execute(
        select(Invitation.brand_id, Invitation.id)
        .where(Invitation.status == QUEUED)
        .order_by(Invitation.brand_id, Invitation.id)
        .limit(limit)
    ).all()
    return by_brand_rounds(rows)


def by_brand_rounds(rows) -> list[list[int]]:
    """(brand id, invitation id) pairs, sorted so, as rounds of at most PER_JOB ids of one
    brand each: a job's worth of emails, whose failure shows on that brand's dashboard."""
    rounds: list[list[int]] = []
    last_brand = None
    for brand_id, invitation_id in rows:
        if brand_id != last_brand or len(rounds[-1]) == PER_JOB:
            rounds.append([])
            last_brand = brand_id
        rounds[-1].append(invitation_id)
    return rounds


def get(brand: Brand, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.brand_id == brand.id, _invitations()
        )
    )
    if invitation is None:
        raise AppError(404, "invitation not found")
    return invitation


def _cursor(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return ids.checked(int(base64.urlsafe_b64decode(value.encode()).decode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise AppError(422, "not a valid cursor", fields={"cursor": ["invalid"]}) from error


def page(brand: Brand, query: dict) -> dict:
    """Invitations newest first, with counts per status and per skip reason."""
    statement = select(Invitation).where(Invitation.brand_id == brand.id, _invitations())
    if query.get("status"):
        statement = statement.where(Invitation.status == query["status"])
    before = _cursor(query.get("cursor"))
    if before is not None:
        statement = statement.where(Invitation.id < before)
    limit = query.get("limit", 50)
    # each row names its customer and phase: loaded with the page, not one query per row
    statement = statement.options(selectinload(Invitation.customer), selectinload(Invitation.phase))
    rows = list(db.session.scalars(statement.order_by(Invitation.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode() if more and rows else None
    )
    return {"items": rows, "next_cursor": next_cursor, "counts": counts(brand)}


def counts(brand: Brand) -> dict:
    """The brand's invitations (emails and links) per status, the skipped and the failed per
    reason, the answered, and their reminders (to come, sent, answered after): one pass over
    its invitations (three were three scans of a large brand's rows)."""
    result = {status: 0 for status in (SCHEDULED, QUEUED, SENT, ISSUED, SKIPPED, FAILED)}
    reasons = {SKIPPED: Counter(), FAILED: Counter()}
    # the answered, and of the reminders: to come, sent, and answered after one
    tallies = Counter()
    names = ("answered", "reminders_planned", "reminded", "answered_after_reminder")
    for status, reason, failure, number, *numbers in db.session.execute(
        select(
            Invitation.status,
            Invitation.skip_reason,
            Invitation.failure,
            func.count(),
            func.count(Invitation.used_at),
            func.count(Invitation.remind_at),
            func.count(Invitation.reminded_at),
            func.count(case((Invitation.used_at > Invitation.reminded_at, 1))),
        )
        .where(Invitation.brand_id == brand.id, _invitations())
        .group_by(Invitation.status, Invitation.skip_reason, Invitation.failure)
    ):
        result[status] = result.get(status, 0) + number
        tallies.update(dict(zip(names, numbers, strict=True)))
        if status in reasons:
            reasons[status][str(reason if status == SKIPPED else failure)] += number
    result["skipped_by_reason"] = dict(reasons[SKIPPED])
    result["failed_by_reason"] = dict(reasons[FAILED])
    result.update({name: tallies[name] for name in names})
    return result
