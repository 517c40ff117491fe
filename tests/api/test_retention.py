"""Retention: answers past a brand's period lose free text and customer links; figures stay."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from app import timestamps
from app.models import (
    Brand,
    Customer,
    PrivacyRequest,
    Response,
    Rollup,
    WebhookAttempt,
    WebhookDelivery,
)
from app.models.base import utcnow
from app.services import retention, webhooks


def _answer(api, survey, customer, text, nps=8, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    posted = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": nps, "why": text},
            "customer": customer,
        },
        headers=headers,
    )
    assert posted.status_code == 202, posted.json
    return posted.json["id"]


def _age(db, response_id, days):
    db.session.execute(
        update(Response)
        .where(Response.id == response_id)
        .values(created_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


@pytest.fixture
def aged(api, db, survey):
    """Three answers: two older than a 365-day period, one recent."""
    old = _answer(api, survey, "klant-1", "De monteur Kees was erg vriendelijk", key="k-1")
    older = _answer(api, survey, "klant-2", "Badkamer lekt nog steeds", nps=2)
    recent = _answer(api, survey, "klant-3", "Netjes en op tijd")
    _age(db, old, 400)
    _age(db, older, 900)
    _age(db, recent, 10)
    db.session.execute(update(Brand).values(retention_days=365))
    db.session.commit()
    return {"old": old, "older": older, "recent": recent}


def _rollups(db):
    return db.session.execute(
        select(func.sum(Rollup.responses), func.sum(Rollup.detractors), func.sum(Rollup.ces_n))
    ).one()


def test_apply_anonymises_only_what_is_past_the_period(app, api, db, brand, aged):
    figures = _rollups(db)
    assert api.get("/api/v1/privacy/retention").json == {"retention_days": 365, "due": 2}
    result = app.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert '"responses": 2' in result.output
    db.session.expire_all()
    for key in ("old", "older"):
        response = db.session.get(Response, aged[key])
        assert response.comment is None and response.customer_id is None
        assert "why" not in response.answers and "nps" in response.answers
        assert response.idempotency_key is None
        assert response.nps_category is not None and response.sentiment_label is not None
    recent = db.session.get(Response, aged["recent"])
    assert recent.comment == "Netjes en op tijd" and recent.customer_id is not None
    assert _rollups(db) == figures
    assert api.get("/api/v1/privacy/retention").json["due"] == 0
    [run] = db.session.scalars(select(PrivacyRequest)).all()
    assert run.kind == "retention" and run.details["counts"]["responses"] == 2


def test_apply_twice_changes_nothing_the_second_time(app, db, brand, aged):
    first = retention.apply(brand)
    assert first["responses"] == 2
    assert set(retention.apply(brand).values()) == {0}
    assert db.session.scalar(select(func.count(PrivacyRequest.id))) == 1


@pytest.mark.postgres
def test_two_runs_at_once_log_each_answer_once(app, db, brand, aged):
    """Both runs took the same answers, rewrote them one after the other, and each logged
    them: the privacy log claimed four answers for two. One answer is held (by the pipeline,
    say): the runs leave it to the next run and log only what they anonymised."""
    import threading

    from sqlalchemy import text

    from tests.conftest import wait_for_lock_waits

    holding = db.engine.connect()
    transaction = holding.begin()
    holding.execute(text("SELECT id FROM response WHERE id = :id FOR UPDATE"), {"id": aged["old"]})
    results, brand_id = [], brand.id  # read here: `brand` belongs to this thread's session

    def run():
        with app.app_context():
            results.append(retention.apply(db.session.get(Brand, brand_id))["responses"])
            db.session.remove()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    wait_for_lock_waits(db.engine, count=2, seconds=3)  # later steps may wait for the row
    transaction.rollback()
    holding.close()
    for thread in runs:
        thread.join(30)
    db.session.expire_all()
    assert sorted(results) == [0, 1]  # the older answer, once
    assert db.session.get(Response, aged["older"]).comment is None
    assert db.session.get(Response, aged["old"]).comment is not None  # held: the next run's
    assert retention.apply(db.session.get(Brand, brand.id))["responses"] == 1


def test_invitations_and_points_no_longer_tie_old_answers_to_their_customer(db, brand, aged):
    """The answer loses its customer link; an invitation or a loyalty entry naming both the
    customer and the answer would tie them back, so they lose the answer's id (and keep the
    rest: contact history, points)."""
    import loyalty
    from app.models import Invitation

    linked = {}
    for key in ("old", "recent"):
        response = db.session.get(Response, aged[key])
        linked[key] = response.customer_id
        db.session.add(
            Invitation(
                brand_id=brand.id,
                customer_id=response.customer_id,
                survey_id=response.survey_id,
                phase_id=response.phase_id,
                locale="nl",
                status="sent",
                expires_at=utcnow() + timedelta(days=7),
                used_at=utcnow(),
                response_id=response.id,
            )
        )
    db.session.commit()
    entries = select(loyalty.LedgerEntry.response_id).where(
        loyalty.LedgerEntry.response_id.in_([aged["old"], aged["recent"]])
    )
    assert set(db.session.scalars(entries)) == {aged["old"], aged["recent"]}  # points were given
    balance = loyalty.balance(brand.id, linked["old"])
    assert balance > 0

    counts = retention.apply(brand)
    assert counts["invitations"] == 1 and counts["loyalty_entries"] >= 1
    db.session.expire_all()
    assert set(db.session.scalars(entries)) == {aged["recent"]}
    assert set(db.session.scalars(select(Invitation.response_id))) == {None, aged["recent"]}
    assert loyalty.balance(brand.id, linked["old"]) == balance
    assert db.session.scalar(select(func.count(Invitation.id))) == 2
    assert set(retention.apply(brand).values()) == {0}


def test_apply_works_in_batches_and_reports_progress(db, brand, aged):
    seen = []
    counts = retention.apply(brand, batch_size=1, progress=seen.append)
    assert counts["responses"] == 2
    assert seen == [1, 1]


def test_each_brand_keeps_its_own_period(app, api, db, brand, aged, other_brand):
    from app.services import intake

    theirs, _ = intake.accept(
        other_brand["brand"].id,
        {"survey_id": other_brand["survey_id"], "answers": {"nps": 5}, "customer": "hun-klant"},
    )
    _age(db, theirs.id, 400)  # past this brand's 365 days, inside the other's 730
    db.session.execute(
        update(Brand).where(Brand.id == other_brand["brand"].id).values(retention_days=730)
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--brand", "ander-bad"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Response, theirs.id).customer_id is not None
    assert db.session.get(Response, aged["old"]).comment is not None  # not this brand's run
    missing = app.test_cli_runner().invoke(args=["retention", "apply", "--brand", "nope"])
    assert missing.exit_code != 0 and "nope" in missing.output


def test_old_finished_webhook_deliveries_are_pruned(app, db, brand):
    endpoint = webhooks.create_endpoint(
        brand, {"url": "http://127.0.0.1:9/hooks", "events": ["review.published"]}
    )
    for status in ("delivered", "failed", "pending"):
        db.session.add(
            WebhookDelivery(
                brand_id=brand.id,
                endpoint_id=endpoint.id,
                message_id=WebhookDelivery.new_message_id(),
                event="review.published",
                payload={"type": "review.published", "data": {}},
                status=status,
                attempts=1,
                next_attempt_at=utcnow() + timedelta(days=1),
                created_at=utcnow() - timedelta(days=45),
            )
        )
    db.session.flush()
    first = db.session.scalars(select(WebhookDelivery.id)).first()
    db.session.add(WebhookAttempt(delivery_id=first, status_code=200, duration_ms=3))
    db.session.commit()
    counts = retention.apply(brand)
    assert counts["webhook_deliveries"] == 2
    assert [d.status for d in db.session.scalars(select(WebhookDelivery))] == ["pending"]
    assert db.session.scalar(select(func.count(WebhookAttempt.id))) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"retention_days": 29},
        {"retention_days": 3651},
        {"retention_days": "365"},
        {"retention_days": 365.5},
        {"retention_days": True},
        {"retention_days": None},
        {},
        {"retention_days": 365, "extra": 1},
    ],
)
def test_bad_retention_periods_are_refused(api, db, brand, body):
    response = api.put("/api/v1/privacy/retention", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).retention_days == 730


def test_set_the_retention_period(api, db, brand):
    response = api.put("/api/v1/privacy/retention", json={"retention_days": 90})
    assert response.status_code == 200
    assert response.json == {"retention_days": 90, "due": 0}
    assert api.get("/api/v1/privacy/retention").json["retention_days"] == 90
    assert (
        api.put("/api/v1/privacy/retention", data="x", content_type="text/plain").status_code == 415
    )


def test_the_privacy_log_lists_runs_and_requests_of_this_brand_only(
    api, db, brand, aged, other_brand
):
    retention.apply(brand)
    api.get("/api/v1/customers/klant-3/export")
    items = api.get("/api/v1/privacy/requests").json["items"]
    assert [item["kind"] for item in items] == ["export", "retention"]
    other = api.client.get(
        "/api/v1/privacy/requests", headers={"Authorization": f"Bearer {other_brand['key']}"}
    )
    assert other.json["items"] == []


def test_old_answers_keep_their_day_not_their_moment(db, brand, aged):
    """Points, contacts and invitations note to the second when their customer acted; an
    anonymous answer given at that second would be theirs again."""
    moments = {key: db.session.get(Response, aged[key]).created_at for key in aged}
    counts = retention.apply(brand)
    assert counts["answer_times"] == 2
    db.session.expire_all()
    for key in ("old", "older"):
        response = db.session.get(Response, aged[key])
        # the UTC midnight on the brand's (Amsterdam's, east of UTC: its own) day
        day = timestamps.local_day(moments[key], brand.time_zone)
        assert response.created_at == datetime.combine(day, time.min)
        assert response.processed_at.time() == time.min
    assert db.session.get(Response, aged["recent"]).created_at == moments["recent"]
    assert retention.apply(brand)["answer_times"] == 0


def test_an_answer_stored_against_a_tombstone_is_stripped_whatever_its_age(api, db, brand, survey):
    """An answer sent in the instant of an erasure can be stored after it, against the
    tombstone; the next retention run strips it, however recent."""
    recent = _answer(api, survey, "klant-9", "Bel me op 06-12345678")
    assert api.delete("/api/v1/customers/klant-9").status_code == 200
    tombstone = db.session.scalars(select(Customer)).one()
    late = _answer(api, survey, "klant-10", "Nog een bericht van Piet")  # then linked as if late
    db.session.execute(update(Response).where(Response.id == late).values(customer_id=tombstone.id))
    db.session.commit()
    assert retention.due(brand) == 1
    assert retention.apply(brand)["responses"] == 1
    db.session.expire_all()
    stripped = db.session.get(Response, late)
    assert stripped.comment is None and stripped.customer_id is None
    assert db.session.get(Response, recent).customer_id is None  # erased at the time


@pytest.mark.parametrize("external_id", ["erased-1234", "ERASED-x"])
def test_a_live_customer_cannot_take_a_tombstones_name(api, count_rows, external_id):
    response = api.post("/api/v1/customers", json={"external_id": external_id})
    assert response.status_code == 422
    assert "external_id" in response.json["error"]["fields"]


def test_follow_up_alerts_about_old_answers_go(db, brand, aged):
    """An alert's moment is its answer's batch, the moment that batch wrote the customer's
    points: kept, it tied the anonymous answer back to her."""
    from app.models import Alert, User
    from tests.dashboard.conftest import PASSWORD_HASH

    user = User(brand=brand, email="o@r.example", role="owner", password_hash=PASSWORD_HASH)
    db.session.add(user)
    db.session.flush()
    for key in ("older", "recent"):
        db.session.add(
            Alert(brand_id=brand.id, user_id=user.id, response_id=aged[key], status="sent")
        )
    db.session.commit()
    counts = retention.apply(brand)
    assert counts["alerts"] == 1
    assert set(db.session.scalars(select(Alert.response_id))) == {aged["recent"]}
    assert set(retention.apply(brand).values()) == {0}
