"""Earning points: once per answer, never by score or tone, only for identified customers."""

import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import loyalty
from app.extensions import db
from app.models import Response, Survey
from app.services import surveys
from loyalty.models import LedgerEntry
from tests.loyalty import helpers


def entries(**where) -> list[LedgerEntry]:
    query = select(LedgerEntry).order_by(LedgerEntry.id)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return list(db.session.scalars(query))


def test_a_new_brand_offers_points_for_answering(brand):
    policy = loyalty.get_policy(brand.id)
    assert policy["enabled"] and policy["points_per_answer"] > 0
    assert loyalty.offers_points(brand.id, 1) is True
    assert loyalty.offers_points(brand.id, None) is False  # anonymous answers never earn


def test_award_called_ten_times_gives_one_entry(brand, survey):
    anna = helpers.customer(brand, "anna")
    row = helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)
    results = [helpers.award(row) for _ in range(10)]
    assert results == [15] + [0] * 9
    assert [(e.reason, e.points) for e in entries()] == [("answered", 10), ("text_bonus", 5)]
    assert loyalty.balance(brand.id, anna.id) == 15
    assert loyalty.points_for_response(brand.id, row.id) == 15
    assert db.session.get(Response, row.id).incentivized is True


def test_award_called_concurrently_gives_one_entry(app, brand, survey):
    anna = helpers.customer(brand, "anna")
    row = helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)
    ids = {"brand": brand.id, "response": row.id}
    results, errors = [], []
    barrier = threading.Barrier(10)

    def worker():
        with app.app_context():
            try:
                found = db.session.get(Response, ids["response"])
                barrier.wait()
                results.append(helpers.award(found))
            except Exception as error:  # reported below; a thread must not die silently
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0] * 9 + [15]
    assert len(entries(response_id=row.id)) == 2
    assert loyalty.balance(brand.id, anna.id) == 15


def test_points_never_depend_on_score_or_tone(api, survey, db):
    """An NPS 0 with an angry text earns exactly what an NPS 10 with a happy text earns."""
    for who, nps, text in (("angry", 0, helpers.ANGRY), ("happy", 10, helpers.HAPPY)):
        reply = api.post(
            "/api/v1/responses",
            json={"survey_id": survey["id"], "answers": {"nps": nps, "why": text}, "customer": who},
        )
        assert reply.status_code == 202, reply.json
    rows = {r.customer.external_id: r for r in db.session.scalars(select(Response))}
    # The pipeline did see the difference — it just must not pay for it.
    assert rows["angry"].nps_category == "detractor"
    assert rows["happy"].nps_category == "promoter"
    assert rows["angry"].sentiment_label == "negative"
    assert rows["happy"].sentiment_label == "positive"
    angry = api.get("/api/v1/customers/angry/loyalty").json
    happy = api.get("/api/v1/customers/happy/loyalty").json
    assert angry["balance"] == happy["balance"] == 15
    assert [e["points"] for e in angry["entries"]] == [e["points"] for e in happy["entries"]]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    nps=st.integers(0, 10),
    text=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=60),
)
def test_points_depend_only_on_the_length_of_the_text(brand, survey, nps, text):
    text = text.strip() or None
    who = helpers.customer(brand, f"p-{uuid.uuid4().hex}")  # a new person per example
    row = helpers.response(brand, survey["id"], who, nps=nps, text=text)
    expected = 10 + (5 if row.comment and len(row.comment) >= 20 else 0)
    assert helpers.award(row) == expected


def test_one_customer_earns_once_per_phase_survey_across_channels_and_versions(
    brand, survey, journey
):
    anna = helpers.customer(brand, "anna")
    first = helpers.response(brand, survey["id"], anna, text=helpers.HAPPY, channel="widget")
    assert helpers.award(first) == 15
    again = helpers.response(brand, survey["id"], anna, text=helpers.HAPPY, channel="email")
    assert helpers.award(again) == 0
    # A new version of the same survey is the same family: still no second reward.
    original = db.session.get(Survey, survey["id"])
    version = Survey(
        brand_id=brand.id,
        journey_id=original.journey_id,
        phase_id=original.phase_id,
        default_locale="nl",
        locales=["nl"],
        family_id=original.family_id,
        version=2,
        questions=[],
    )
    db.session.add(version)
    db.session.commit()
    third = helpers.response(brand, survey["id"], anna, channel="link")
    third.survey_id = version.id
    db.session.commit()
    assert helpers.award(third) == 0
    assert loyalty.points_for_response(brand.id, again.id) == 0
    # Another phase's survey earns again.
    other = surveys.create_survey(
        brand,
        {
            "journey_id": journey["id"],
            "phase": "aankoop",
            "locale": "nl",
            "questions": [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk…?"}],
        },
    )
    assert helpers.award(helpers.response(brand, other.id, anna)) == 10
    assert loyalty.balance(brand.id, anna.id) == 25


def test_emails_are_normalised_so_one_person_cannot_earn_twice(brand, survey):
    widget_id = helpers.customer(brand, "w-123", email="  Anna.B@Example.NL ")
    invited = helpers.customer(brand, "crm-9", email="anna.b@example.nl")
    assert helpers.award(helpers.response(brand, survey["id"], widget_id)) == 10
    assert helpers.award(helpers.response(brand, survey["id"], invited)) == 0
    someone_else = helpers.customer(brand, "crm-10", email="bob@example.nl")
    assert helpers.award(helpers.response(brand, survey["id"], someone_else)) == 10


def test_anonymous_answers_earn_nothing_and_are_not_incentivized(api, survey, db):
    reply = api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}})
    assert reply.status_code == 202
    row = db.session.get(Response, reply.json["id"])
    assert row.status == "processed"
    assert row.incentivized is False
    assert entries() == []


def test_identified_answers_are_marked_incentivized_at_intake(api, survey, db):
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "answers": {"nps": 3}, "customer": "k-1"},
    )
    row = db.session.get(Response, reply.json["id"])
    assert row.incentivized is True
    assert loyalty.points_for_response(row.brand_id, row.id) == 10


def test_a_disabled_programme_offers_and_awards_nothing(api, brand, survey, db):
    assert api.put("/api/v1/loyalty/policy", json={"enabled": False}).status_code == 200
    assert loyalty.offers_points(brand.id, 1) is False
    reply = api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "answers": {"nps": 3}, "customer": "k-1"},
    )
    assert db.session.get(Response, reply.json["id"]).incentivized is False
    assert entries() == []


PHASES = ["orientatie", "aankoop", "levering"]


def _phase_surveys(brand, survey, journey) -> dict[str, int]:
    """A survey in each of three phases: three answers of one customer that each earn."""
    survey_ids = {"levering": survey["id"]}
    for key in PHASES[:2]:
        survey_ids[key] = surveys.create_survey(
            brand,
            {
                "journey_id": journey["id"],
                "phase": key,
                "locale": "nl",
                "questions": [
                    {"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk…?"},
                    {"key": "why", "type": "text", "text": "Waarom?"},
                ],
            },
        ).id
    return survey_ids


def test_the_daily_cap_counts_the_answer_day(brand, survey, journey):
    loyalty.save_policy(brand.id, {"daily_cap": 20})
    db.session.commit()
    anna = helpers.customer(brand, "anna")
    phases = PHASES
    survey_ids = _phase_surveys(brand, survey, journey)
    from datetime import datetime

    day = datetime(2026, 3, 2, 9, 0)
    awarded = [
        helpers.award(
            helpers.response(
                brand, survey_ids[key], anna, text=helpers.HAPPY, created_at=day.replace(hour=h)
            )
        )
        for h, key in zip((9, 10, 11), phases, strict=True)
    ]
    assert awarded == [15, 5, 0]
    capped = entries(reason="answered")
    assert [e.note for e in capped] == [None, "daily_cap", "daily_cap"]
    assert loyalty.balance(brand.id, anna.id) == 20


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # 23:30 on the 1st in Amsterdam (UTC+1), then 00:30 and 09:00 on the 2nd
        ("Europe/Amsterdam", [15, 15, 5]),
        # in UTC the first two are both on the 1st
        ("UTC", [15, 5, 15]),
    ],
)
@pytest.mark.parametrize("together", [False, True], ids=["one by one", "in one batch"])
def test_the_daily_cap_counts_the_brands_day(brand, survey, journey, zone, expected, together):
    """An answer at 00:30 in Amsterdam is on the 2nd there; a UTC day had it on the 1st, with
    the answer of the evening before, and capped it."""
    from datetime import datetime

    from loyalty import awards

    brand.time_zone = zone
    loyalty.save_policy(brand.id, {"daily_cap": 20})
    db.session.commit()
    anna = helpers.customer(brand, "anna")
    survey_ids = _phase_surveys(brand, survey, journey)
    moments = [datetime(2026, 3, 1, 22, 30), datetime(2026, 3, 1, 23, 30), datetime(2026, 3, 2, 8)]
    rows = [
        helpers.response(brand, survey_ids[key], anna, text=helpers.HAPPY, created_at=moment)
        for moment, key in zip(moments, PHASES, strict=True)
    ]
    if together:
        answers = [
            awards.Answer(
                brand_id=row.brand_id,
                customer_id=row.customer_id,
                response_id=row.id,
                phase_id=row.phase_id,
                family_id=row.survey_id,
                text_length=len(row.comment or ""),
                answered_at=row.created_at,
            )
            for row in rows
        ]
        awarded_now = awards.award_answers(answers)
        db.session.commit()
        assert [awarded_now[row.id] for row in rows] == expected
    else:
        assert [helpers.award(row) for row in rows] == expected
    assert loyalty.balance(brand.id, anna.id) == sum(expected)


def test_review_bonus_once_and_clawed_back_by_a_new_entry(brand):
    anna = helpers.customer(brand, "anna")
    assert loyalty.award_review_bonus(brand_id=brand.id, customer_id=anna.id, review_id=7) == 25
    assert loyalty.award_review_bonus(brand_id=brand.id, customer_id=anna.id, review_id=7) == 0
    assert loyalty.award_review_bonus(brand_id=brand.id, customer_id=None, review_id=8) == 0
    db.session.commit()
    assert loyalty.clawback_review_bonus(brand_id=brand.id, review_id=7, reason="spam") == 25
    assert loyalty.clawback_review_bonus(brand_id=brand.id, review_id=7, reason="spam") == 0
    assert loyalty.clawback_review_bonus(brand_id=brand.id, review_id=99, reason="spam") == 0
    db.session.commit()
    rows = entries()
    assert [(e.kind, e.points, e.note) for e in rows] == [
        ("earn", 25, None),
        ("clawback", -25, "spam"),
    ]
    assert loyalty.balance(brand.id, anna.id) == sum(e.points for e in rows) == 0


def test_another_brands_award_does_not_touch_this_brand(brand, survey, other_brand):
    anna = helpers.customer(brand, "anna")
    assert loyalty.award_review_bonus(brand_id=brand.id, customer_id=anna.id, review_id=1) == 25
    # The same review id in another brand is another source.
    theirs = helpers.customer(other_brand["brand"], "anna")
    assert (
        loyalty.award_review_bonus(
            brand_id=other_brand["brand"].id, customer_id=theirs.id, review_id=1
        )
        == 25
    )
    db.session.commit()
    assert loyalty.clawback_review_bonus(brand_id=brand.id, review_id=1, reason="spam") == 25
    db.session.commit()
    assert loyalty.balance(brand.id, anna.id) == 0
    assert loyalty.balance(other_brand["brand"].id, theirs.id) == 25


def test_earning_and_redeeming_are_published_inside_the_transaction(brand, survey):
    heard = []

    def listener(brand_id, event, data):
        heard.append((brand_id, event, data))

    loyalty.subscribe(listener)
    try:
        anna = helpers.customer(brand, "anna")
        helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
        loyalty.redeem(brand.id, anna.id, reward_key="thanks", points=5)
        db.session.commit()
    finally:
        loyalty.unsubscribe(listener)
    assert [(event, data["reason"], data["points"]) for _, event, data in heard] == [
        ("loyalty.earned", "answered", 10),
        ("loyalty.earned", "text_bonus", 5),
        ("loyalty.redeemed", "redeemed", -5),
    ]
    assert {data["customer"] for _, _, data in heard} == {"anna"}
    assert [data["balance"] for _, _, data in heard] == [10, 15, 10]


def test_loyalty_events_become_webhooks_for_brands_that_listen(monkeypatch, brand, survey):
    from app.services import webhooks

    emitted = []
    monkeypatch.setattr(webhooks, "emit", lambda *args: emitted.append(args))
    anna, bram = helpers.customer(brand, "anna"), helpers.customer(brand, "bram")
    helpers.award(helpers.response(brand, survey["id"], anna))
    assert emitted == []  # no endpoint: not even the payload is built
    monkeypatch.setattr(webhooks, "has_subscribers", lambda brand_id, event: True)
    helpers.award(helpers.response(brand, survey["id"], bram))
    assert [(b, event) for b, event, _ in emitted] == [(brand.id, "loyalty.earned")]
    assert emitted[0][2]["points"] == 10


@pytest.mark.parametrize("points", [0, -1, True, "5", 1_000_001])
def test_bad_redemption_points_are_refused(brand, points):
    anna = helpers.customer(brand, "anna")
    with pytest.raises(loyalty.LoyaltyError):
        loyalty.redeem(brand.id, anna.id, reward_key="voucher-5", points=points)
    db.session.rollback()
    assert entries() == []


def test_a_zone_name_this_host_does_not_know_does_not_stop_the_awards(brand, survey):
    """The pages fall back to the default zone for it (app.timestamps.zone); the awards of a
    whole batch, every brand's, failed on it."""
    from sqlalchemy import text

    db.session.execute(
        text("UPDATE brand SET time_zone = 'Europe/Kyiv_old' WHERE id = :id"), {"id": brand.id}
    )
    db.session.commit()
    anna = helpers.customer(brand, "anna")
    assert helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY)) > 0


def test_a_customer_with_many_orders_is_still_known_to_have_earned(brand, survey):
    """Her entry under her earlier identity (an email given since) is found among any number
    of her entries in the phase: a repeat buyer has one per order, and a read capped at 100
    missed it, offering points an answer would not get."""
    from loyalty import ledger
    from loyalty.awards import _order_part, identity

    anna = helpers.customer(brand, "anna")
    found = db.session.get(Survey, survey["id"])
    family = f"{found.phase_id}:{found.family_id or found.id}"
    earlier = identity(anna.id, "oud@example.nl")  # she answered before her address changed
    sources = [f"{earlier}:{family}"]
    sources += [f"c{anna.id}:{family}{_order_part(str(number))}" for number in range(120)]
    for source in sources:
        entry = {"brand_id": brand.id, "customer_id": anna.id, "phase_id": found.phase_id}
        entry.update(kind="earn", points=10, source_type="answer", reason="answered")
        ledger.add_once({**entry, "source_id": source}, "loyalty.earned")
    db.session.commit()
    assert loyalty.offers_points(brand.id, anna.id, survey["id"]) is False
    assert loyalty.offers_points(brand.id, anna.id, survey["id"], order="119") is False
    assert loyalty.offers_points(brand.id, anna.id, survey["id"], order="120") is True
