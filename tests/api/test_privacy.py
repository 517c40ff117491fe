"""GDPR: a customer's export and erasure by API and CLI; figures and point totals stay."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

import loyalty
from app.models import (
    Brand,
    Contact,
    Customer,
    CustomerPhase,
    Invitation,
    JourneyEvent,
    PrivacyRequest,
    Response,
    Review,
    Rollup,
    WebhookDelivery,
)
from app.models.base import utcnow
from app.services import privacy, review_tally, webhooks
from loyalty.models import LedgerEntry
from tests.conftest import Contenders, wait_for_lock_waits
from tests.webhook_receiver import Receiver

TEXT = "Jan de monteur was top, alles netjes achtergelaten"


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def anna(api, db, brand, journey, survey, receiver):
    """A customer with everything a brand can hold about her, and a webhook listening."""
    endpoint = webhooks.create_endpoint(
        brand, {"url": receiver.url, "events": ["loyalty.earned", "review.removed"]}
    )
    assert (
        api.post(
            "/api/v1/customers",
            json={"external_id": "klant-42", "email": "Anna@Example.nl", "value": 5400},
        ).status_code
        == 201
    )
    for phase in ("orientatie", "levering"):
        event = {"customer": "klant-42", "journey_id": journey["id"], "phase": phase}
        assert api.post("/api/v1/events", json=event).status_code == 201
    posted = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": 9, "csat": 5, "why": TEXT},
            "customer": "klant-42",
            "review": {"consent": True, "display_name": "Anna B.", "title": "Top service"},
        },
        headers={"Idempotency-Key": "order-9911-klant-42"},
    )
    assert posted.status_code == 202, posted.json
    response = db.session.get(Response, posted.json["id"])
    assert response.status == "processed"
    review = db.session.scalars(select(Review)).one()
    if review.status != "published":
        from app.services import reviews

        reviews.moderate(brand, review.id, "publish", None, actor="test@example.nl")
    customer = db.session.scalars(select(Customer)).one()
    db.session.add(
        Invitation(
            brand_id=brand.id,
            customer_id=customer.id,
            survey_id=survey["id"],
            phase_id=response.phase_id,
            channel="email",
            locale="nl",
            status="sent",
            expires_at=utcnow() + timedelta(days=14),
            response_id=response.id,
        )
    )
    db.session.add(
        Contact(
            brand_id=brand.id,
            customer_id=customer.id,
            journey_id=journey["id"],
            phase_id=response.phase_id,
            channel="email",
        )
    )
    db.session.commit()
    return {
        "customer_id": customer.id,
        "response_id": response.id,
        "review_id": review.id,
        "secret": endpoint.secret,
    }


def _figures(db, api, journey):
    rollup = db.session.execute(
        select(func.sum(Rollup.responses), func.sum(Rollup.promoters))
    ).one()
    ledger = db.session.scalar(select(func.sum(LedgerEntry.points)))
    stats = api.get(f"/api/v1/journeys/{journey['id']}/stats").json
    return tuple(rollup), ledger, stats


def test_export_holds_everything_about_the_customer(api, anna, db, count_rows):
    response = api.get("/api/v1/customers/klant-42/export")
    assert response.status_code == 200, response.json
    data = response.json
    assert data["customer"]["external_id"] == "klant-42"
    assert data["customer"]["email"] == "anna@example.nl"
    assert [event["phase"] for event in data["journey_events"]] == ["orientatie", "levering"]
    assert {row["phase"] for row in data["phases_reached"]} == {"orientatie", "levering"}
    [answer] = data["responses"]
    assert answer["answers"] == {"nps": 9, "csat": 5, "why": TEXT}
    assert answer["review_request"]["display_name"] == "Anna B."
    assert answer["follow_up"] == {
        "needed": False,
        "reasons": [],
        "handled_at": None,
        "handled_by": None,
    }
    [review] = data["reviews"]
    assert (review["body"], review["display_name"], review["status"]) == (
        TEXT,
        "Anna B.",
        "published",
    )
    assert review["moderation"] and "actor" not in review["moderation"][0]
    assert data["loyalty"]["balance"] > 0
    assert data["loyalty"]["balance"] == sum(e["points"] for e in data["loyalty"]["entries"])
    assert [invitation["status"] for invitation in data["invitations"]] == ["sent"]
    assert [contact["channel"] for contact in data["contacts"]] == ["email"]
    assert data["exported_at"].endswith("Z") and answer["created_at"].endswith("Z")
    # Logged, without the identifier itself.
    [entry] = db.session.scalars(select(PrivacyRequest)).all()
    assert (entry.kind, entry.actor) == ("export", "api")
    assert "klant-42" not in json.dumps(entry.details) and entry.subject != "klant-42"


def test_export_and_erase_of_unknown_or_another_brands_customer_are_404(
    api, client, anna, other_brand, db, count_rows
):
    from app.services import customers

    customers.upsert(other_brand["brand"], {"external_id": "hun-klant", "email": "x@y.nl"})
    for response in (
        api.get("/api/v1/customers/nobody/export"),
        api.delete("/api/v1/customers/nobody"),
        api.get("/api/v1/customers/hun-klant/export"),
        api.delete("/api/v1/customers/hun-klant"),
    ):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
    assert client.delete("/api/v1/customers/klant-42").status_code == 401
    wrong = {"Authorization": "Bearer sk_wrong"}
    assert client.get("/api/v1/customers/klant-42/export", headers=wrong).status_code == 401
    assert count_rows(PrivacyRequest) == 0  # nothing logged for failed requests
    theirs = db.session.scalar(select(Customer).where(Customer.external_id == "hun-klant"))
    assert theirs.email == "x@y.nl"


def test_erasure_removes_personal_data_and_keeps_the_figures(
    api, anna, db, journey, receiver, count_rows
):
    before = _figures(db, api, journey)
    deliveries_before = len(receiver.requests)
    response = api.delete("/api/v1/customers/klant-42")
    assert response.status_code == 200, response.json
    result = response.json
    assert result["status"] == "erased"
    assert result["tombstone"].startswith("erased-")
    assert result["counts"]["responses"] == 1
    assert result["counts"]["reviews"] == 1
    assert result["counts"]["journey_events"] == 2
    db.session.expire_all()

    # The customer is a tombstone, unknown by the old id.
    assert api.get("/api/v1/customers/klant-42").status_code == 404
    customer = db.session.get(Customer, anna["customer_id"])
    assert customer.external_id == result["tombstone"]
    assert customer.email is None and customer.value is None and customer.consent == {}
    assert customer.unsubscribed_at is not None
    # The answer keeps its scores and labels, not the text or the link.
    answer = db.session.get(Response, anna["response_id"])
    assert answer.answers == {"nps": 9, "csat": 5}
    assert answer.comment is None and answer.customer_id is None
    assert answer.review_request is None and answer.idempotency_key is None
    assert answer.request_hash is None and answer.client_hash is None
    assert answer.nps_category == "promoter" and answer.sentiment_label is not None
    # The review is removed on a listed ground, blanked, and logged.
    review = db.session.get(Review, anna["review_id"])
    assert (review.status, review.removal_ground) == ("removed", "personal_data")
    assert review.body == "" and review.display_name == "" and review.title is None
    assert review.moderation[-1].actor == "privacy:erasure"
    # Events, invitations and contacts are gone; the ledger stays on the tombstone.
    for model in (JourneyEvent, CustomerPhase, Invitation, Contact):
        assert count_rows(model) == 0, model
    entries = db.session.scalars(select(LedgerEntry)).all()
    assert entries and {entry.customer_id for entry in entries} == {anna["customer_id"]}
    # Rollups and stats are unchanged; the points drop by the review's bonus, taken back as a
    # moderator's removal takes it back (docs/loyalty.md).
    rollups, ledger, stats = _figures(db, api, journey)
    bonus = loyalty.get_policy(customer.brand_id)["review_bonus"]
    assert (rollups, ledger, stats) == (before[0], before[1] - bonus, before[2])
    assert bonus > 0
    # Webhooks: the earlier payloads naming her are scrubbed; the removal was announced.
    for delivery in db.session.scalars(select(WebhookDelivery)):
        assert "klant-42" not in json.dumps(delivery.payload)
    removed = [json.loads(r["body"]) for r in receiver.requests[deliveries_before:]]
    assert [(r["type"], r["data"]["id"]) for r in removed] == [
        ("review.removed", anna["review_id"])
    ]
    assert removed[0]["data"]["ground"] == "personal_data"
    # The public feed shows a tombstone, not the text.
    feed = api.client.get("/feeds/testbad/reviews.json")
    assert feed.status_code == 200
    assert [t["id"] for t in feed.json["tombstones"]] == [anna["review_id"]]
    assert TEXT not in feed.get_data(as_text=True)
    # Logged once, without the erased id.
    [entry] = db.session.scalars(select(PrivacyRequest)).all()
    assert (entry.kind, entry.tombstone) == ("erasure", result["tombstone"])
    assert "klant-42" not in json.dumps(entry.details)


def test_a_customer_whose_id_holds_a_slash_is_reached_by_every_route(api):
    """ "order/1001" is a valid external id; sent as order%2F1001 it was a 404 everywhere."""
    assert api.post("/api/v1/customers", json={"external_id": "order/1001"}).status_code == 201
    url = "/api/v1/customers/order%2F1001"
    assert api.get(url).json["external_id"] == "order/1001"
    assert api.get(url + "/loyalty").status_code == 200
    adjustment = {"points": 5, "reason": "goodwill"}
    assert api.post(url + "/adjustments", json=adjustment).status_code == 201
    assert api.get(url + "/export").json["customer"]["external_id"] == "order/1001"
    assert api.delete(url).status_code == 200
    assert api.get(url).status_code == 404


def test_erasure_is_idempotent(api, anna, db, count_rows):
    first = api.delete("/api/v1/customers/klant-42").json
    again = api.delete("/api/v1/customers/klant-42")
    assert again.status_code == 200
    assert again.json["status"] == "already_erased"
    assert again.json["tombstone"] == first["tombstone"]
    assert again.json["erased_at"] == first["erased_at"]
    assert count_rows(PrivacyRequest) == 1
    assert count_rows(Customer) == 1


def test_erasing_the_tombstone_answers_already_erased(api, anna, db, count_rows):
    """Its id was taken for a new customer's: erased again and renamed, and the log's
    tombstone named a row that no longer existed."""
    first = api.delete("/api/v1/customers/klant-42").json
    again = api.delete(f"/api/v1/customers/{first['tombstone']}")
    assert again.status_code == 200, again.json
    assert again.json["status"] == "already_erased"
    assert again.json["tombstone"] == first["tombstone"]
    assert count_rows(PrivacyRequest) == 1
    assert db.session.scalars(select(Customer.external_id)).one() == first["tombstone"]


@pytest.mark.parametrize("external_id", ['klant "42"', "klant\\42", "klant-Ørsted-42"])
def test_deliveries_naming_an_id_that_json_escapes_are_scrubbed(
    api, db, brand, receiver, external_id
):
    """The payload filter searched the stored JSON text for the raw id: a quote, a backslash
    or (in SQLite's text) any non-ASCII character is escaped there, so nothing was scrubbed."""
    webhooks.create_endpoint(brand, {"url": receiver.url, "events": ["loyalty.earned"]})
    assert api.post("/api/v1/customers", json={"external_id": external_id}).status_code == 201
    path = f"/api/v1/customers/{quote(external_id, safe='')}"
    adjusted = api.post(f"{path}/adjustments", json={"points": 5, "reason": "Sorry, Jan"})
    assert adjusted.status_code == 201, adjusted.json
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.payload["data"]["customer"] == external_id
    erased = api.delete(path)
    assert erased.json["counts"]["webhook_deliveries"] == 1
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).payload["data"] == {"erased": True}


def test_erasure_blanks_readers_flag_notes_and_keeps_only_the_day_of_unsubscribing(
    api, anna, db, brand
):
    """A reader's flag note can name her ("that is Anna, 06-1234"); and the exact moment she
    unsubscribed would tie her tombstone to the suppression row written in that instant."""
    from app.models import ReviewFlag

    db.session.add(
        ReviewFlag(
            brand_id=brand.id,
            review_id=anna["review_id"],
            reason="personal_data",
            note="Dit is Anna B., 06-12345678",
            client_hash="c" * 64,
        )
    )
    customer = db.session.get(Customer, anna["customer_id"])
    customer.unsubscribed_at = utcnow().replace(hour=13, minute=37, second=5)
    db.session.commit()
    assert api.delete("/api/v1/customers/klant-42").status_code == 200
    db.session.expire_all()
    assert [flag.note for flag in db.session.scalars(select(ReviewFlag))] == [None]
    review = api.get(f"/api/v1/reviews/{anna['review_id']}").json
    assert "06-12345678" not in json.dumps(review)
    unsubscribed = db.session.get(Customer, anna["customer_id"]).unsubscribed_at
    assert (unsubscribed.hour, unsubscribed.minute, unsubscribed.second) == (0, 0, 0)


def test_the_same_person_returning_later_is_a_new_customer(api, anna, db):
    api.delete("/api/v1/customers/klant-42")
    created = api.post("/api/v1/customers", json={"external_id": "klant-42"})
    assert created.status_code == 201
    export = api.get("/api/v1/customers/klant-42/export").json
    assert export["responses"] == [] and export["loyalty"]["balance"] == 0
    assert api.delete("/api/v1/customers/klant-42").json["status"] == "erased"


def test_other_customers_keep_their_data(api, anna, survey, db):
    api.post("/api/v1/customers", json={"external_id": "klant-7", "email": "piet@example.nl"})
    posted = api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": 3, "why": "Te laat"},
            "customer": "klant-7",
        },
    )
    api.delete("/api/v1/customers/klant-42")
    db.session.expire_all()
    other = db.session.get(Response, posted.json["id"])
    assert other.comment == "Te laat" and other.customer_id is not None
    assert api.get("/api/v1/customers/klant-7").json["email"] == "piet@example.nl"


def _late_answer(api, survey):
    """An answer for klant-42 with all a person can put in one, under a key."""
    return api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "answers": {"nps": 2, "why": "Anna hier: de kraan lekt nog steeds"},
            "customer": "klant-42",
            "review": {"consent": True, "display_name": "Anna B."},
        },
        headers={"Idempotency-Key": "order-9912-klant-42"},
    )


def _assert_kept_as_erased(db, posted, anna):
    """The late answer holds its scores only: no text, review, key or customer, no points."""
    assert posted.status_code == 202, posted.json
    db.session.expire_all()
    late = db.session.get(Response, posted.json["id"])
    assert late.answers == {"nps": 2} and late.nps == 2
    assert late.comment is None and late.customer_id is None and late.incentivized is False
    assert not late.review_request and late.idempotency_key is None and late.request_hash is None
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1  # Anna's, removed
    points = select(func.count()).where(LedgerEntry.source_id == str(late.id))
    assert db.session.scalar(points) == 0
    [customer] = db.session.scalars(select(Customer)).all()  # no new customer for klant-42
    assert customer.id == anna["customer_id"] and customer.external_id.startswith("erased-")


def test_an_answer_whose_customer_is_erased_meanwhile_keeps_only_its_scores(
    app, api, anna, survey, db, monkeypatch
):
    """The erasure commits after intake found the customer and before its INSERT: the answer
    must not land on the tombstone with its text (retention only strips that later)."""
    import loyalty
    from app.services import intake

    real = loyalty.offers_points

    def erase_first(brand_id, customer_id, survey_id=None, order=None):
        db.session.commit()  # SQLite: the request's lookup holds the write lock until then
        with app.app_context():  # a session of its own, as another request's would be
            privacy.erase(db.session.get(Brand, brand_id), "klant-42", "test")
        return real(brand_id, customer_id, survey_id, order)

    monkeypatch.setattr(intake.loyalty, "offers_points", erase_first)
    _assert_kept_as_erased(db, _late_answer(api, survey), anna)


@pytest.mark.postgres
def test_an_answer_waiting_on_an_erasure_keeps_only_its_scores(app, api, anna, survey, db):
    """The real race: the INSERT waits for the erasure's lock on the customer, then PostgreSQL
    checks the row again and finds it erased, so the guarded INSERT stores nothing."""
    import threading

    from sqlalchemy import text

    db.session.commit()  # nothing of the fixture's may be left for the request to wait on
    erasing = db.engine.connect()
    transaction = erasing.begin()
    erasing.execute(text("SELECT id FROM customer WHERE external_id = 'klant-42' FOR UPDATE"))
    replies = []

    def answer():
        with app.app_context():
            replies.append(_late_answer(api, survey))

    waiting = threading.Thread(target=answer)
    waiting.start()
    try:
        assert wait_for_lock_waits(db.engine, query="INSERT INTO response%"), "it never waited"
        erasing.execute(
            text(
                "UPDATE customer SET external_id = 'erased-1', erased_at = now() "
                "WHERE external_id = 'klant-42'"
            )
        )
        transaction.commit()
    finally:
        if transaction.is_active:
            transaction.rollback()
        erasing.close()
        waiting.join(timeout=30)
    assert not waiting.is_alive()
    _assert_kept_as_erased(db, replies[0], anna)


@pytest.mark.postgres
@pytest.mark.parametrize("points", [True, False], ids=["points", "no-points"])
def test_an_erasure_racing_the_pipeline_over_her_answer_succeeds_and_leaves_no_text(
    app, api, anna, survey, db, monkeypatch, points
):
    """The pipeline holds her new answer; it will make a review of it and maybe award her
    points, which locks her. The erasure waits for the batch before it locks her (the other
    order was a deadlock, and the erasure a 500), then removes the review's text too."""
    import threading

    from app.extensions import queue
    from app.services import processing

    if not points:
        assert api.put("/api/v1/loyalty/policy", json={"enabled": False}).status_code == 200
    monkeypatch.setattr(queue, "kick", lambda *args, **kwargs: False)  # it stays received
    posted = _late_answer(api, survey)
    assert posted.status_code == 202
    claimed, go = threading.Event(), threading.Event()

    def pause(_scored):
        claimed.set()
        go.wait(10)

    real_steps = processing.steps()
    monkeypatch.setattr(processing, "steps", lambda: [pause, *real_steps])
    outcomes = {}

    def pipeline():
        with app.app_context():
            try:
                outcomes["pipeline"] = processing.process_batch([posted.json["id"]])
            except Exception as error:  # the deadlock's victim; its job would be retried
                outcomes["pipeline"] = error

    def erasure():
        with app.app_context():
            outcomes["erasure"] = app.test_client().delete(
                "/api/v1/customers/klant-42", headers=api._headers(None)
            )

    working = threading.Thread(target=pipeline)
    working.start()
    assert claimed.wait(10)
    erasing = threading.Thread(target=erasure)
    erasing.start()
    try:
        assert wait_for_lock_waits(db.engine), "the erasure never waited for the batch"
    finally:
        go.set()
        working.join(30)
        erasing.join(30)
    assert outcomes["pipeline"] == [posted.json["id"]]  # the erasure waited for it: no deadlock
    assert outcomes["erasure"].status_code == 200, outcomes["erasure"].json
    assert outcomes["erasure"].json["status"] == "erased"
    with app.app_context():
        processing.process_batch([posted.json["id"]])  # the sweep, had the pipeline lost
    db.session.expire_all()
    late = db.session.get(Response, posted.json["id"])
    assert late.status == "processed" and late.customer_id is None and late.comment is None
    for review in db.session.scalars(select(Review)):  # published: removed; pending: rejected
        assert review.status in ("removed", "rejected") and review.body == "", review.id


@pytest.mark.postgres
def test_an_answer_a_batch_claims_while_she_is_erased_makes_no_deadlock(
    app, api, anna, survey, db, monkeypatch
):
    """A batch claimed her new answer between the erasure's two locks, then waited for her.
    The erasure, holding her, waited for that answer: a deadlock, in which PostgreSQL could
    fail the batch or a points adjustment queued for her (a 503 for a plain request) instead
    of the erasure. Now it does not wait there: it lets go and runs again."""
    import threading

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from app.extensions import queue

    monkeypatch.setattr(queue, "kick", lambda *args, **kwargs: False)  # it stays received
    anonymous = api.post(
        "/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 4}}
    )
    assert anonymous.status_code == 202
    late_id = anonymous.json["id"]
    customer_id = db.session.scalar(select(Customer.id).where(Customer.external_id == "klant-42"))
    db.session.commit()
    holder_done, holder, engine = threading.Event(), {}, db.engine

    def batch():
        """As a batch claiming her new answer does: the answer first, then her."""
        with engine.connect() as connection:
            try:
                connection.execute(
                    text("SELECT id FROM response WHERE id = :id FOR UPDATE"), {"id": late_id}
                )
                holder["claimed"] = True
                threading.Event().wait(0.5)  # scoring: meanwhile the erasure locks her
                connection.execute(
                    text("SELECT id FROM customer WHERE id = :id FOR NO KEY UPDATE"),
                    {"id": customer_id},
                )
                connection.commit()
                holder["outcome"] = "committed"
            except OperationalError as error:
                holder["outcome"] = getattr(error.orig, "sqlstate", error)
            finally:
                holder_done.set()

    real_responses, real_erase, failures = privacy._responses, privacy._erase, []

    def first_lock_then_a_claim(customer, lock=False, nowait=False):
        found = real_responses(customer, lock=lock, nowait=nowait)
        if lock and not nowait and "claimed" not in holder:
            # after her answers are locked, her new one arrives and a batch claims it
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE response SET customer_id = :c WHERE id = :id"),
                    {"c": customer_id, "id": late_id},
                )
            threading.Thread(target=batch).start()
            for _ in range(100):
                if "claimed" in holder:
                    break
                threading.Event().wait(0.02)
        return found

    def noting(*args):
        try:
            return real_erase(*args)
        except OperationalError as error:
            failures.append(getattr(error.orig, "sqlstate", None))
            raise

    monkeypatch.setattr(privacy, "_responses", first_lock_then_a_claim)
    monkeypatch.setattr(privacy, "_erase", noting)
    erased = api.delete("/api/v1/customers/klant-42")
    assert holder_done.wait(30)
    assert holder["outcome"] == "committed"  # not a deadlock's victim
    assert erased.status_code == 200, erased.json
    assert failures == ["55P03"]  # it found the answer busy once, let go, and ran again
    db.session.expire_all()
    assert db.session.get(Response, late_id).customer_id is None


@pytest.mark.postgres
def test_a_second_erase_click_does_not_erase_a_customer_made_since(app, api, anna, journey, db):
    """Two DELETEs (a double click) and an event for her wait on her row. The first erases
    her; the event then makes a new customer under the freed id; the second DELETE was about
    her, not that one: it answers already_erased (it erased the new one too, and the event's
    second lookup found nobody: a 500)."""
    from tests.conftest import api_post

    customer_id = db.session.scalar(select(Customer.id).where(Customer.external_id == "klant-42"))
    db.session.commit()
    erase = lambda: app.test_client().delete(  # noqa: E731
        "/api/v1/customers/klant-42", headers=api._headers(None)
    )
    event = {"customer": "klant-42", "journey_id": journey["id"], "phase": "aankoop"}
    requests = [erase, api_post(app, api, "/api/v1/events", event), erase]
    held = ("SELECT id FROM customer WHERE id = :id FOR UPDATE", {"id": customer_id})
    with Contenders(requests, *held) as race:
        pass
    statuses = sorted(reply.status_code for reply in race.replies)
    assert statuses == [200, 200, 201], [reply.json for reply in race.replies]
    erasures = sorted(reply.json["status"] for reply in race.replies if reply.status_code == 200)
    assert erasures == ["already_erased", "erased"]


def test_a_review_erasure_rejected_cannot_be_published_or_answered(api, anna, db):
    """A pending review is rejected by the erasure, and `publish` is allowed from rejected:
    it would have put a blank review of the tombstone online, and earned it the bonus."""
    review = db.session.get(Review, anna["review_id"])
    with review_tally.changing([review]):  # the public counts follow, as every change's do
        review.status = "pending"  # still waiting for a moderator when she asked
    db.session.commit()
    bonuses = select(func.count()).where(LedgerEntry.review_id == review.id)
    before = db.session.scalar(bonuses)
    api.delete("/api/v1/customers/klant-42")
    url = f"/api/v1/reviews/{anna['review_id']}"
    published = api.post(f"{url}/moderation", json={"action": "publish"})
    assert published.status_code == 409, published.json
    assert published.json["error"]["code"] == "invalid_transition"
    assert api.post(f"{url}/reply", json={"body": "Dank je, Anna!"}).status_code == 409
    db.session.expire_all()
    review = db.session.get(Review, anna["review_id"])
    assert (review.status, review.reply_body) == ("rejected", None)
    assert db.session.scalar(bonuses) == before


@pytest.mark.postgres
def test_a_reply_written_while_she_is_erased_does_not_survive(app, api, anna, db):
    """The erasure read her review before the brand's reply (which names her) committed, then
    wrote the review without touching the reply: it stayed on the removed review."""
    from sqlalchemy import text

    db.session.commit()
    erase = lambda: app.test_client().delete(  # noqa: E731
        "/api/v1/customers/klant-42", headers=api._headers(None)
    )
    held = ("SELECT id FROM review WHERE id = :id FOR UPDATE", {"id": anna["review_id"]})
    with Contenders([erase], *held) as race:
        race.holding.execute(  # the moderator's reply, committing as the erasure runs
            text("UPDATE review SET reply_body = 'Dag Anna, de kraan komt!' WHERE id = :id"),
            {"id": anna["review_id"]},
        )
    assert race.replies[0].status_code == 200, race.replies[0].json
    db.session.expire_all()
    review = db.session.get(Review, anna["review_id"])
    assert review.status == "removed" and review.reply_body is None


class _DatabaseError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "status"), [("40P01", 200), ("57014", 503)])
def test_an_erasure_failed_by_a_deadlock_runs_again(api, anna, db, monkeypatch, sqlstate, status):
    """Only a deadlock is run again (57014: a cancelled statement is not; the database's
    trouble, it answers 503 to try again)."""
    from sqlalchemy.exc import OperationalError

    real, tries = privacy._erase, []

    def fail_once(*args):
        tries.append(args)
        if len(tries) == 1:
            raise OperationalError("UPDATE response …", {}, _DatabaseError(sqlstate))
        return real(*args)

    monkeypatch.setattr(privacy, "_erase", fail_once)
    assert api.delete("/api/v1/customers/klant-42").status_code == status
    assert len(tries) == (2 if status == 200 else 1)


def test_the_cli_exports_and_erases(app, anna, db, brand):
    runner = app.test_cli_runner()
    exported = runner.invoke(
        args=["customer", "export", "--brand", "testbad", "--external-id", "klant-42"]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["customer"]["email"] == "anna@example.nl"
    erased = runner.invoke(
        args=["customer", "erase", "--brand", "testbad", "--external-id", "klant-42"]
    )
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["status"] == "erased"
    again = runner.invoke(
        args=["customer", "erase", "--brand", "testbad", "--external-id", "klant-42"]
    )
    assert json.loads(again.output)["status"] == "already_erased"
    actors = {entry.actor for entry in db.session.scalars(select(PrivacyRequest))}
    assert actors == {"cli"}


@pytest.mark.parametrize(
    "args",
    [
        ["customer", "export", "--brand", "no-such-brand", "--external-id", "klant-42"],
        ["customer", "erase", "--brand", "testbad", "--external-id", "nobody"],
        ["customer", "erase", "--brand", "testbad"],
        ["customer", "export", "--external-id", "klant-42"],
    ],
)
def test_the_cli_refuses_bad_input(app, anna, args, count_rows):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert count_rows(PrivacyRequest) == 0


def test_every_table_with_a_customer_link_is_covered(app):
    from app.extensions import db

    linked = {
        table.name
        for table in db.metadata.sorted_tables
        if "customer_id" in table.columns or "external_id" in table.columns
    }
    assert linked <= set(privacy.COVERED), linked - set(privacy.COVERED)


def test_privacy_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/customers/{external_id}/export"]
    assert "delete" in paths["/api/v1/customers/{external_id}"]
    assert {"get", "put"} <= set(paths["/api/v1/privacy/retention"])
