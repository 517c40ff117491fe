"""Intake: every channel's answers enter here, are stored as `received`, and are queued."""

import functools
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, bindparam, cast, exists, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

import loyalty
from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import ApiKey, Brand, Customer, Response, Survey, Touchpoint
from app.models.base import utcnow
from app.models.response import RECEIVED
from app.schemas.common import normalise_locale
from app.services import answers as answer_rules
from app.services import brands, customers, idempotency, journeys, orders, privacy, survey_specs

# A plain INSERT: SQLAlchemy caches its compiled form, which it does not do for the dialects'
# INSERT … ON CONFLICT (compiling that cost more than the rest of the request).
INSERT = insert(Response.__table__).returning(Response.__table__.c.id)
JSON_COLUMNS = frozenset(c.name for c in Response.__table__.columns if isinstance(c.type, JSON))


# What the INSERT can be asked to check, by the name of the parameter that carries it.
LIVE_KEY = "live_key"  # the hash of an API key that must be unrevoked
LIVE_CUSTOMER = "customer_id"  # the answer's customer, who must not have been erased
LIVE_SURVEY = "survey_revision"  # the revision of the survey's questions it was checked by


@functools.cache
def _insert_statement(dialect: str, columns: tuple[str, ...], guards: tuple[str, ...]):
    """INSERT … SELECT <the values> [WHERE the guards hold] RETURNING id: the checks and the
    write in one round-trip (no row back: a guard failed). On PostgreSQL values are cast (it
    does not infer the types of bare parameters in a select list) and a used Idempotency-Key
    makes it do nothing (no row back either) rather than fail.

    The customer and survey guards lock their row FOR KEY SHARE, as the foreign keys' own
    checks do: an erasure or an edit holding it makes the INSERT wait, and PostgreSQL then
    checks the row again. So an answer never lands on a tombstone with its text, nor on
    questions other than those it was validated against (a copy held by another process, or
    an edit in place committed meanwhile)."""
    table = Response.__table__
    values = [bindparam(name, type_=table.c[name].type) for name in columns]
    if dialect == "postgresql":
        values = [cast(value, value.type) for value in values]
    query = select(*values)
    if LIVE_KEY in guards:
        query = query.where(
            exists().where(ApiKey.key_hash == bindparam(LIVE_KEY), ApiKey.revoked_at.is_(None))
        )
    if LIVE_CUSTOMER in guards:
        live = select(Customer.id).where(
            Customer.id == bindparam(LIVE_CUSTOMER, type_=table.c.customer_id.type),
            Customer.erased_at.is_(None),
        )
        query = query.where(locks.referenced(live).exists())
    if LIVE_SURVEY in guards:
        current = select(Survey.id).where(
            Survey.id == bindparam("survey_id", type_=table.c.survey_id.type),
            Survey.revision == bindparam(LIVE_SURVEY),
        )
        query = query.where(locks.referenced(current).exists())
    if dialect == "postgresql":
        return (
            postgresql.insert(table)
            .from_select(columns, query)
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
    return insert(table).from_select(columns, query).returning(table.c.id)


@functools.cache
def _direct_sql(columns: tuple[str, ...], guards: tuple[str, ...]) -> str:
    return str(
        _insert_statement("postgresql", columns, guards).compile(
            dialect=postgresql.psycopg.dialect()
        )
    )


@dataclass(frozen=True, slots=True)
class Accepted:
    """What the channels answer with, of a new row or of the one its Idempotency-Key found."""

    id: int
    status: str
    incentivized: bool
    review_request: dict | None

    @classmethod
    def of(cls, response: Response) -> "Accepted":
        return cls(response.id, response.status, response.incentivized, response.review_request)


# accept's `order` when the channel did not look: intake finds the customer's latest order
FIND_ORDER = object()


def _touchpoint(phase_id: int, value) -> int | None:
    if value is None:
        return None  # no query: most answers name no touchpoint
    rows = db.session.execute(
        select(Touchpoint.id, Touchpoint.name, Touchpoint.former_names).where(
            Touchpoint.phase_id == phase_id
        )
    )
    return journeys.find_touchpoint(rows, value).id


def accept(
    brand_id: int,
    data: dict,
    *,
    idempotency_key: str | None = None,
    customer: Customer | None = None,
    client_hash: str | None = None,
    incentivized: bool | None = None,
    live_key: str | None = None,
    order: str | None | object = FIND_ORDER,
) -> tuple[Accepted, bool]:
    """Validate, store as received, commit, then queue. Returns (what was accepted, created).

    Every channel's answers take this path, so it is kept to one INSERT and its commit; a
    retry with a used Idempotency-Key stores nothing (the unique constraint) and is answered
    with the first row. The survey's questions come from survey_specs. `live_key`: the hash
    of an API key the INSERT must find unrevoked (a 401 otherwise), when the caller has not
    asked the database about the key. `incentivized`: whether the channel offered points
    (it asked loyalty already); None for intake to ask, as the API's answers need. `order`:
    the order the answer is about as the channel found it (channel_points.answer_order), when
    the body names none; by default intake finds it. Not part of the fingerprint: a retry
    after the customer's next order is still the same request.
    """
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    arguments = (idempotency_key, customer, client_hash, incentivized, live_key, order)
    try:
        return _accept(brand_id, data, *arguments)
    except StaleReference:
        # What it was checked against changed before the INSERT: a touchpoint or persona it
        # names was deleted, or the survey's questions were edited. Once more, afresh (the
        # touchpoint is then a 422, the persona none, the answer checked by the new questions).
        db.session.rollback()
        return _accept(brand_id, data, *arguments)


class StaleReference(Exception):
    """The INSERT named a row deleted, or a survey edited, since it was looked up."""


def _accept(brand_id, data, idempotency_key, customer, client_hash, incentivized, live_key, order):
    # One customer's key must not answer for another: the widget and hosted pages name the
    # customer beside the body, the API inside it.
    fingerprint = idempotency.request_hash(
        data if customer is None else {**data, "customer_id": customer.id}
    )
    survey = survey_specs.get(brand_id, data["survey_id"])
    cleaned = answer_rules.validate(survey, data["answers"])
    touchpoint_id = _touchpoint(survey.phase_id, data.get("touchpoint"))
    if customer is None and data.get("customer") and data.get("channel", "api") == "api":
        # The server API is trusted to name its customers; a revoked key may not create one
        # (this path skips the key lookup and lets the INSERT check the key).
        if live_key is not None:
            _refuse_revoked(live_key)
        if idempotency_key:
            # A key used before answers (or is a 409) before the customer is made: a refused
            # request stores nothing, not even the customer it names.
            found = idempotency.existing(Response, brand_id, idempotency_key, fingerprint)
            if found is not None:
                return Accepted.of(found), False
        customer = customers.ensure(db.session.get(Brand, brand_id), data["customer"])
    if data.get("order") is not None:
        order = data["order"]
    elif order is FIND_ORDER:
        order = orders.latest(customer.id if customer else None, survey.phase_id)
    if incentivized is None:
        # Identified answers earn points in the pipeline, so every channel records the offer;
        # a channel that asked (widget, hosted page) is not asked again.
        incentivized = customer is not None and loyalty.offers_points(
            brand_id, customer.id, survey.id, order
        )
    locale = normalise_locale(data.get("locale")) or (customer.locale if customer else None)
    locale = locale if locale in survey.locales else survey.default_locale
    review = data.get("review")
    values = {
        "brand_id": brand_id,
        "journey_id": survey.journey_id,
        "phase_id": survey.phase_id,
        "survey_id": survey.id,
        "customer_id": customer.id if customer else None,
        "persona_id": customer.persona_id if customer else None,
        "touchpoint_id": touchpoint_id,
        "order_ref": order,
        "channel": data.get("channel", "api"),
        "locale": locale,
        "answers": cleaned,
        "idempotency_key": idempotency_key,
        "request_hash": fingerprint,
        "client_hash": client_hash,
        "review_request": review if review and review.get("consent") else None,
        "incentivized": incentivized,
        "status": RECEIVED,
        "created_at": utcnow(),
        **answer_rules.typed_values(survey, cleaned),
    }
    guards = {
        LIVE_KEY: live_key,
        LIVE_CUSTOMER: values["customer_id"],
        LIVE_SURVEY: survey.revision,
    }
    new_id = _insert(values, guards)
    if new_id is None:
        # Nothing stored: the API key was revoked, or the Idempotency-Key was used before (by
        # this request's earlier try, or a concurrent retry that won): answer with that row.
        if live_key is not None:
            _refuse_revoked(live_key)
        found = (
            idempotency.existing(Response, brand_id, idempotency_key, fingerprint)
            if idempotency_key
            else None
        )
        if found is not None:
            return Accepted.of(found), False
        if _survey_changed(survey):
            survey_specs.forget([survey.id])
            raise StaleReference(f"survey {survey.id} was edited")
        if customer is None:
            raise RuntimeError("the answer was neither stored nor found under its key")
        # Or its customer was erased since we looked them up: the answer is stored as the
        # erasure leaves answers, scores only, and earns nothing.
        values = as_erased(survey, values)
        new_id = _insert(values, {})
    enqueue([new_id])
    return Accepted(new_id, RECEIVED, values["incentivized"], values["review_request"]), True


def _survey_changed(survey) -> bool:
    current = db.session.scalar(select(Survey.revision).where(Survey.id == survey.id))
    return current != survey.revision


def _refuse_revoked(live_key: str) -> None:
    if not brands.key_is_live(live_key):
        brands.forget_key(live_key)
        raise AppError(
            401,
            "this API key has been revoked",
            headers={"WWW-Authenticate": 'Bearer realm="phasewise"'},
        )


def as_erased(survey, values: dict) -> dict:
    """An answer's values as privacy.erase leaves a stored answer (privacy.ERASED)."""
    texts = {question.key for question in survey.questions if question.type == "text"}
    answers = {key: value for key, value in values["answers"].items() if key not in texts}
    return {**values, **privacy.ERASED, "answers": answers, "incentivized": False}


def _insert(values: dict, guards: dict) -> int | None:
    """INSERT and COMMIT the row: its id, or None when nothing was stored (its Idempotency-Key
    was used, or a guard failed: see _insert_statement; a None guard checks nothing). One
    round-trip on PostgreSQL (see _insert_direct)."""
    guards = {name: value for name, value in guards.items() if value is not None}
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        # Only when this request has used the session (an API key or survey not yet held, a
        # customer just created): what the row refers to is committed first. Otherwise no
        # session is made at all.
        if db.session.registry.has() and db.session().in_transaction():
            db.session.commit()
        return _insert_direct(values, guards)
    try:
        if not guards:
            new_id = db.session.execute(INSERT, values).scalar_one()
        else:
            statement = _insert_statement(dialect, tuple(values), tuple(sorted(guards)))
            new_id = db.session.execute(statement, {**values, **guards}).scalar()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if values["idempotency_key"] is None:
            raise
        return None
    return new_id


def _insert_direct(values: dict, guards: dict) -> int | None:
    """The INSERT through psycopg on a pooled connection in autocommit: every answer takes this
    path, and through the session the one statement cost more CPU than the rest of the request
    (the session's and Core's bookkeeping, then a COMMIT round-trip; bench/intake.py).

    A connection the server closed under it (pg_terminate_backend, a restart) is replaced and
    the INSERT tried once more, when nothing can have been stored: see _stored_nothing. Else,
    or when the second try fails too, a 503 the client can retry."""
    sql = _direct_sql(tuple(values), tuple(sorted(guards)))
    params = {
        name: Jsonb(value) if name in JSON_COLUMNS and value is not None else value
        for name, value in values.items()
    }
    params.update(guards)
    try:
        return _execute_direct(sql, params)
    except psycopg.OperationalError as error:
        if not _stored_nothing(error, values):
            raise _unavailable(maybe_stored=True) from error
    try:
        return _execute_direct(sql, params)
    except psycopg.OperationalError as error:
        raise _unavailable(maybe_stored=not _stored_nothing(error, values)) from error


def _execute_direct(sql: str, params: dict) -> int | None:
    pooled = db.engine.raw_connection()
    try:
        connection = pooled.driver_connection
        connection.autocommit = True
        try:
            row = connection.execute(sql, params, prepare=True).fetchone()
        except psycopg.errors.ForeignKeyViolation as error:
            raise StaleReference(str(error)) from error
        finally:
            if not connection.closed:
                connection.autocommit = False  # as the pool hands connections out
    except psycopg.OperationalError:
        pooled.invalidate()
        raise
    finally:
        pooled.close()
    return row[0] if row else None


def _stored_nothing(error: psycopg.OperationalError, values: dict) -> bool:
    """Whether a second INSERT after this error cannot store the answer twice. With an
    Idempotency-Key it never can (a stored first try makes it insert nothing and the answer
    is found under the key). Without one, only an admin shutdown (pg_terminate_backend, a
    server's fast shutdown) is sure: the server acts on it between statements or aborts the
    one running, never after committing it (it holds interrupts while it commits). A
    connection lost without a word may have committed before it went."""
    if values.get("idempotency_key") is not None:
        return True
    return isinstance(error, psycopg.errors.AdminShutdown)


def _unavailable(maybe_stored: bool = False) -> AppError:
    """A 503 to retry, rather than a 500 for the database's restart. Without an
    Idempotency-Key a connection lost without a word may have stored the answer: the client
    is told so, and how to send it again safely."""
    message = "the database is not available at the moment; try again shortly"
    if maybe_stored:
        message = (
            "the database connection was lost and the answer may have been stored; "
            "send it again with an Idempotency-Key to store it once"
        )
    return AppError(503, message, code="unavailable", headers={"Retry-After": "1"})


def receipt(response: Accepted, created: bool) -> dict:
    """What a channel answers: a new answer is `received` (even if inline jobs already ran)."""
    return {"id": response.id, "status": RECEIVED if created else response.status}


def enqueue(response_ids: list[int]) -> bool:
    """After the commit: a kick, so that one pipeline job serves many answers (see
    jobs.process_responses for why no committed row is left waiting). False when Redis could
    not be reached: the rows stay `received` for `flask pipeline sweep`."""
    from app.pipeline import jobs

    return jobs.kick(response_ids)
