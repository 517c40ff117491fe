"""From answer to review: consent, rating, verification, incentive label, policy, fraud holds."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Response, Review
from app.services import processing
from tests.reviews.helpers import answer, review_of, set_policy


def test_consented_written_answer_becomes_a_review_with_its_facts(api, survey, brand):
    response_id = answer(
        api, survey, nps=8, review={"display_name": "Jan de Vries", "title": "Netjes"}
    )
    review = review_of(response_id)
    assert review is not None
    assert (review.rating, review.rating_source, review.source_score) == (4, "nps", 8)
    assert review.display_name == "Jan V."
    assert review.title == "Netjes"
    assert review.body == "De monteurs waren op tijd en netjes."
    assert (review.locale, review.channel) == ("nl", "api")
    assert review.phase.key == "levering"
    assert review.verified is False and review.verified_by is None
    assert review.incentivized is False
    assert review.status == "pending"  # a new brand moderates first
    assert [entry.action for entry in review.moderation] == ["hold"]


def test_csat_gives_the_rating_when_answered(api, survey):
    body = {
        "survey_id": survey["id"],
        "answers": {"nps": 10, "csat": 2, "why": "Mooi, maar veel te laat geleverd."},
        "review": {"consent": True},
    }
    response_id = api.post("/api/v1/responses", json=body).json["id"]
    review = review_of(response_id)
    assert (review.rating, review.rating_source, review.source_score) == (2, "csat", 2)
    assert review.display_name == "Klant"


@pytest.mark.parametrize(
    ("consent", "text"), [(False, "Heel tevreden met de montage."), (True, None)]
)
def test_no_review_without_consent_or_without_text(api, survey, consent, text, count_rows):
    answer(api, survey, text=text, consent=consent)
    assert count_rows(Review) == 0


def test_consent_false_is_not_stored_as_a_request(api, survey, count_rows):
    body = {
        "survey_id": survey["id"],
        "answers": {"nps": 9, "why": "Prima"},
        "review": {"consent": False, "display_name": "Anna"},
    }
    assert api.post("/api/v1/responses", json=body).status_code == 202
    assert db.session.scalar(select(Response.review_request)) is None
    assert count_rows(Review) == 0


@pytest.mark.parametrize(
    "review",
    [
        {"display_name": "Anna"},  # consent missing
        {"consent": "yes please"},
        {"consent": True, "display_name": ""},
        {"consent": True, "display_name": "x" * 61},
        {"consent": True, "title": "t" * 121},
        {"consent": True, "elapsed_ms": -1},
        {"consent": True, "elapsed_ms": "fast"},
        {"consent": True, "elapsed_ms": "900"},  # a string is not a time, even a numeric one
        {"consent": True, "elapsed_ms": 1.5},
        {"consent": True, "elapsed_ms": 86_400_001},
        {"consent": True, "unknown": 1},
    ],
)
def test_bad_consent_input_is_a_422_and_stores_nothing(api, survey, review, count_rows):
    body = {"survey_id": survey["id"], "answers": {"nps": 9, "why": "Prima"}, "review": review}
    response = api.post("/api/v1/responses", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert any(key.startswith("review") for key in response.json["error"]["fields"])
    assert count_rows(Response) == 0 and count_rows(Review) == 0


def test_consent_step_is_symmetric_nps_0_and_10_are_treated_alike(api, survey, brand):
    """No review gating: the lowest and highest score go through the very same path."""
    for publish in ("moderate", "immediate"):
        set_policy(brand, publish)
        low = review_of(answer(api, survey, nps=0, text=f"Slecht: {publish} kapotte tegels."))
        high = review_of(answer(api, survey, nps=10, text=f"Top: {publish} mooie badkamer."))
        assert low.status == high.status == ("published" if publish == "immediate" else "pending")
        assert [e.action for e in low.moderation] == [e.action for e in high.moderation]
        assert low.fraud_signals == high.fraud_signals == []
        assert (low.rating, high.rating) == (1, 5)


def test_running_the_pipeline_twice_makes_one_review(api, survey, app, count_rows):
    response_id = answer(api, survey)
    db.session.execute(
        Response.__table__.update().where(Response.id == response_id).values(status="received")
    )
    db.session.commit()
    processing.process_batch([response_id])
    processing.process_batch([response_id])
    assert count_rows(Review) == 1


def test_verified_by_a_journey_event_of_that_customer_in_that_phase(api, survey, journey):
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    event = {"customer": "k1", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    verified = review_of(answer(api, survey, customer="k1", text="Alles ging goed."))
    assert (verified.verified, verified.verified_by) == (True, "journey_event")
    other = {"customer": "k2", "journey_id": journey["id"], "phase": "orientatie"}
    assert api.post("/api/v1/events", json=other).status_code == 201
    unverified = review_of(answer(api, survey, customer="k2", text="Andere fase, andere klant."))
    assert (unverified.verified, unverified.verified_by) == (False, None)


def test_verified_by_a_personal_invitation(survey, brand):
    """The hosted page of an email or personal link knows the customer: that is verification."""
    from app.services import customers, intake

    def via(channel, customer, text):
        data = {
            "survey_id": survey["id"],
            "answers": {"nps": 7, "why": text},
            "channel": channel,
            "review": {"consent": True},
        }
        return review_of(intake.accept(brand.id, data, customer=customer)[0].id)

    invited = customers.ensure(brand, "k9")
    assert via("email", invited, "Via de mail.").verified_by == "invitation_email"
    assert via("link", invited, "Via mijn persoonlijke link.").verified_by == "invitation_link"
    anonymous = via("link", None, "Anonieme QR-code in de winkel.")
    assert (anonymous.verified, anonymous.verified_by) == (False, None)


def test_incentivized_comes_from_the_response(api, survey):
    response_id = answer(api, survey, customer="k3", text="Punten of niet, eerlijk antwoord.")
    response = db.session.get(Response, response_id)
    assert review_of(response_id).incentivized is response.incentivized


def test_policy_per_phase_overrides_the_default(api, survey, brand):
    set_policy(brand, "moderate", {"levering": "immediate"})
    assert review_of(answer(api, survey)).status == "published"
    set_policy(brand, "immediate", {"levering": "moderate"})
    assert review_of(answer(api, survey, text="Tweede tekst, anders.")).status == "pending"


def _client_answer(survey, text, client_hash, elapsed_ms=None):
    """A response as a channel stores it (with a client hash), processed by the pipeline."""
    from app.models import Brand, Survey
    from app.services import intake

    brand = db.session.get(Brand, db.session.get(Survey, survey["id"]).brand_id)
    review = {"consent": True, "display_name": "Piet"}
    if elapsed_ms is not None:
        review["elapsed_ms"] = elapsed_ms
    data = {
        "survey_id": survey["id"],
        "answers": {"nps": 9, "why": text},
        "channel": "widget",
        "review": review,
    }
    response, _ = intake.accept(brand.id, data, client_hash=client_hash)
    return review_of(response.id)


def test_fraud_many_reviews_from_one_client_are_held(api, survey, brand):
    set_policy(brand, "immediate")
    first = _client_answer(survey, "Eerste eigen tekst hier.", "c" * 64)
    second = _client_answer(survey, "Tweede, ook eigen tekst.", "c" * 64)
    third = _client_answer(survey, "Derde, weer een andere tekst.", "c" * 64)
    other = _client_answer(survey, "Iemand anders, eigen tekst.", "d" * 64)
    assert (first.status, second.status, other.status) == ("published",) * 3
    assert third.status == "pending"
    assert [s["signal"] for s in third.fraud_signals] == ["many_from_one_client"]
    assert third.moderation[0].action == "hold"


def test_fraud_duplicate_text_is_held_but_short_common_words_are_not(api, survey, brand):
    set_policy(brand, "immediate")
    text = "Geweldige service, echt een aanrader voor iedereen!"
    first = review_of(answer(api, survey, text=text))
    copy = review_of(
        answer(api, survey, text="  geweldige SERVICE echt een aanrader voor iedereen")
    )
    assert first.status == "published"
    assert copy.status == "pending"
    assert [s["signal"] for s in copy.fraud_signals] == ["duplicate_text"]
    assert review_of(answer(api, survey, text="Prima")).status == "published"
    assert review_of(answer(api, survey, text="Prima")).status == "published"


def test_fraud_very_fast_answers_are_held(api, survey, brand):
    set_policy(brand, "immediate")
    fast = _client_answer(survey, "Snel geklikt, snel getypt.", None, elapsed_ms=900)
    slow = _client_answer(survey, "Rustig nagedacht en geschreven.", None, elapsed_ms=40_000)
    assert fast.status == "pending" and fast.fraud_signals[0]["signal"] == "very_fast"
    assert slow.status == "published"
