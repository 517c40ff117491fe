"""The embedded SQLite (`make run`) keeps what PostgreSQL keeps: a day stays its day after
retention, two processors count an answer once, and an id is never handed out twice.

Every test runs on both databases and expects the same."""

import itertools
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text, update

from app.errors import AppError
from app.extensions import db as _db
from app.models import Brand, Persona, Phase, Response, Rollup, Survey, Touchpoint
from app.models.base import utcnow
from app.models.response import PROCESSED
from app.services import brands, exports, journey_editor, journeys, processing, retention
from tests.conftest import ON_POSTGRES, levering_survey


@pytest.fixture
def held(monkeypatch):
    """Answers stay `received` (no kick: as when Redis is down) until processed by hand."""
    from app.pipeline import jobs

    monkeypatch.setattr(jobs, "kick", lambda response_ids: False)


def _post(api, survey, nps, **extra):
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "answers": {"nps": nps, "why": "Prima"}, **extra},
    )
    assert reply.status_code == 202, reply.json
    return reply.json["id"]


def _exported(brand, journey, day) -> list[int]:
    phase = _db.session.scalar(
        select(Phase).where(Phase.journey_id == journey["id"], Phase.key == "levering")
    )
    text_ = "".join(exports.responses_csv(brand, phase, {"from_": day, "to": day}, None))
    return sorted(int(line.split(",")[0]) for line in text_.splitlines()[1:])


# --- retention ----------------------------------------------------------------------------------


@pytest.mark.skipif(ON_POSTGRES, reason="a moment stored as text exists on SQLite only")
def test_retention_rewrites_a_day_an_earlier_version_stored_in_the_wrong_format(
    app, api, db, brand, journey, survey
):
    """Databases a retention run rewrote before the fix hold 'YYYY-MM-DD 00:00:00', which the
    export counted on the day before; the next run rewrites it as every other moment. A UTC
    brand: at Amsterdam's midnight (23:00 UTC) the format made no difference."""
    brand.time_zone = "UTC"
    day = utcnow().date() - timedelta(days=60)
    ids = [_post(api, survey, 9), _post(api, survey, 3)]
    db.session.execute(
        text("UPDATE response SET created_at = :moment, processed_at = :moment"),
        {"moment": f"{day} 00:00:00"},
    )
    db.session.commit()
    assert _exported(brand, journey, day) == []  # what users saw
    brand.retention_days = 30
    db.session.commit()
    assert retention.apply(brand)["answer_times"] == 2
    assert _exported(brand, journey, day) == sorted(ids)
    assert retention.apply(brand)["answer_times"] == 0


def test_retention_keeps_the_day_to_the_microsecond_on_both_databases(
    app, api, db, brand, journey, survey
):
    brand.time_zone = "UTC"  # whose day ends at the UTC midnight this writes
    day = utcnow().date() - timedelta(days=60)
    last_moment = datetime.combine(day, time(23, 59, 59, 999999))
    response_id = _post(api, survey, 9)
    db.session.execute(
        update(Response)
        .where(Response.id == response_id)
        .values(created_at=last_moment, processed_at=last_moment + timedelta(microseconds=1))
    )
    brand.retention_days = 30
    db.session.commit()
    assert retention.apply(brand)["answer_times"] == 1
    db.session.expire_all()
    stored = db.session.get(Response, response_id)
    assert (stored.created_at, stored.processed_at) == (
        datetime.combine(day, time.min),
        datetime.combine(day + timedelta(days=1), time.min),
    )
    assert _exported(brand, journey, day) == [response_id]
    assert _exported(brand, journey, day - timedelta(days=1)) == []


# --- two processors -------------------------------------------------------------------------------


def _rollup_total() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.coalesce(func.sum(Rollup.responses), 0)))


def test_a_row_another_processor_took_meanwhile_is_counted_once_and_the_rest_still_processed(
    api, db, survey, held, claimed_meanwhile
):
    """One processor claims two waiting answers; before it is done, another processes one of
    them. The first must not count that one again, and must still process the other."""
    first, second = _post(api, survey, 9), _post(api, survey, 2)
    elsewhere = claimed_meanwhile(lambda: processing.process_batch([first], batch_size=1))
    done_here = processing.process_batch([first, second])
    assert sorted(done_here + elsewhere[0]) == [first, second]  # each by one processor
    assert _rollup_total() == 2
    statuses = db.session.scalars(select(Response.status).order_by(Response.id)).all()
    assert statuses == [PROCESSED, PROCESSED]


def test_a_touchpoint_with_answers_stays_and_keeps_them(api, db, brand, journey, survey):
    """Deleting it would leave its answers without a place (ON DELETE SET NULL): refused alike
    on both databases, the lock that keeps an answer from slipping in included."""
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    touchpoint = api.post(url, json={"name": "Bezorging", "channel": "onsite"}).json
    response_id = _post(api, survey, 8, touchpoint=touchpoint["id"])
    with pytest.raises(AppError) as refused:
        journey_editor.delete_touchpoint(brand, touchpoint["id"])
    assert refused.value.code == 409
    db.session.expire_all()
    assert db.session.get(Response, response_id).touchpoint_id == touchpoint["id"]


_numbers = itertools.count(1)


def _new(kind, brand, journey_id):
    """A new row of this kind, made through the services; its id."""
    number = next(_numbers)
    if kind is Brand:
        return brands.create_brand(f"Merk {number}", f"merk-{number}")[0].id
    if kind is Phase:
        return journey_editor.add_phase(
            brand, journey_id, {"key": f"fase{number}", "name": f"Fase {number}"}
        ).id
    if kind is Persona:
        return journeys.create_persona(brand, {"key": f"p{number}", "name": f"P {number}"}).id
    if kind is Touchpoint:
        return journeys.add_touchpoint(
            brand, journey_id, "levering", {"name": f"T {number}", "channel": "web"}
        ).id
    return levering_survey(brand, journey_id).id


@pytest.mark.parametrize("kind", [Brand, Phase, Persona, Touchpoint, Survey])
def test_an_id_whose_row_was_deleted_is_never_given_to_a_new_row(db, brand, journey, kind):
    """Rollups key on these ids without a foreign key: a new row given a deleted one's id
    would count the deleted one's answers as its own."""
    deleted = _new(kind, brand, journey["id"])
    db.session.delete(db.session.get(kind, deleted))  # the newest: the id SQLite reused
    db.session.commit()
    assert _new(kind, brand, journey["id"]) > deleted
