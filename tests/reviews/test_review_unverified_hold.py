"""review_policy.unverified: a brand that publishes at once can still hold the reviews nobody
can vouch for (no journey event, no personal invitation) until a moderator has looked."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ModerationEntry, Response, Review
from app.services import review_tally
from tests.channels.helpers import ORIGIN, assert_error, widget_post
from tests.reviews.helpers import answer, review_of


def _policy(api, **policy):
    changed = api.patch("/api/v1/brand", json={"review_policy": policy})
    assert changed.status_code == 200, changed.json
    return changed.json["review_policy"]


def _verified_customer(api, journey, external_id="k1"):
    """A customer who reached the survey's phase: her review is verified by that event."""
    api.post("/api/v1/customers", json={"external_id": external_id, "email": "k1@example.nl"})
    event = {"customer": external_id, "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201


def test_by_default_unverified_reviews_follow_the_phase_policy(api, survey, brand):
    """Nothing changes for a brand that did not choose: immediate publishes them at once."""
    _policy(api, publish="immediate")
    review = review_of(answer(api, survey))
    assert not review.verified and review.status == "published"
    assert review.hold_reasons == []


def test_held_unverified_reviews_wait_and_count_nowhere_until_published(api, survey, client):
    assert _policy(api, publish="immediate", unverified="moderate")["unverified"] == "moderate"
    review = review_of(answer(api, survey, nps=10, text="Fantastisch, echt een aanrader!"))
    assert review.status == "pending" and review.hold_reasons == ["unverified"]
    [hold] = review.moderation
    assert hold.action == "hold" and hold.note.startswith("not verified")
    # no stars, badge, JSON-LD or page for it
    assert review_tally.totals(review.brand_id)["published"] == 0
    assert client.get("/feeds/testbad/badge.json").json["count"] == 0
    assert "aggregateRating" not in client.get("/reviews/testbad").get_data(as_text=True)
    assert client.get(f"/reviews/testbad/r/{review.id}").status_code == 404
    listed = api.get("/api/v1/reviews?status=pending").json["items"]
    assert [(item["id"], item["hold_reasons"]) for item in listed] == [(review.id, ["unverified"])]
    published = api.post(f"/api/v1/reviews/{review.id}/moderation", json={"action": "publish"})
    assert published.status_code == 200 and published.json["status"] == "published"
    assert client.get("/feeds/testbad/badge.json").json["count"] == 1


def test_verified_reviews_still_publish_at_once(api, survey, journey):
    _policy(api, publish="immediate", unverified="moderate")
    _verified_customer(api, journey)
    review = review_of(answer(api, survey, customer="k1"))
    assert review.verified_by == "journey_event" and review.status == "published"


def test_anonymous_widget_reviews_are_held(api, survey, brand, client):
    """The trial's case: two 5-star widget reviews from one IP, published at once before."""
    _policy(api, publish="immediate", unverified="moderate")
    site = {"site_key": brand.site_key, "survey_id": survey["id"]}
    for text in ("Beste bedrijf van Nederland!", "Echt perfect, iedereen moet hier heen."):
        body = {
            "answers": {"nps": 10, "why": text},
            "review": {"consent": True, "display_name": "Fan"},
        }
        assert widget_post(client, site, body, origin=ORIGIN).status_code == 202
    db.session.expire_all()
    held = db.session.scalars(select(Review).where(Review.brand_id == brand.id)).all()
    assert [(r.status, r.verified, r.hold_reasons) for r in held] == [
        ("pending", False, ["unverified"])
    ] * 2


def test_every_reason_is_named_when_several_hold_a_review(api, survey):
    """Fraud signals, the unverified rule and a moderated phase: the moderator sees all."""
    _policy(api, publish="moderate", unverified="moderate")
    review = review_of(answer(api, survey, review={"elapsed_ms": 900}))
    assert review.hold_reasons == ["fraud_signals", "unverified", "phase_policy"]
    assert review.moderation[0].note == (
        "fraud signals: see the review; not verified: the brand moderates unverified reviews; "
        "the brand moderates this phase"
    )


def test_the_setting_is_kept_by_other_changes_and_can_be_set_back(api, survey):
    _policy(api, unverified="moderate")
    kept = _policy(api, publish="immediate", phases={"aankoop": "moderate"})
    assert kept == {
        "publish": "immediate",
        "phases": {"aankoop": "moderate"},
        "unverified": "moderate",
    }
    assert _policy(api, unverified="follow_phase")["unverified"] == "follow_phase"
    assert review_of(answer(api, survey)).status == "published"


@pytest.mark.parametrize("value", ["hold", "immediate", "", None, True, 1, ["moderate"]])
def test_a_bad_value_is_a_422_and_nothing_is_stored(api, brand, value):
    before = api.get("/api/v1/brand").json["review_policy"]
    body = {"review_policy": {"publish": "immediate", "unverified": value}}
    error = assert_error(api.patch("/api/v1/brand", json=body), 422, "validation_error")
    assert "review_policy.unverified" in error["fields"]
    assert api.get("/api/v1/brand").json["review_policy"] == before


def test_the_about_page_says_unverified_reviews_are_checked_first(api, client):
    page = client.get("/reviews/testbad/about?lang=en").get_data(as_text=True)
    assert "Reviews that are not verified" not in page
    _policy(api, unverified="moderate")
    page = client.get("/reviews/testbad/about?lang=en").get_data(as_text=True)
    assert "Reviews that are not verified" in page and "checked by a moderator first" in page
    dutch = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "Reviews die niet geverifieerd zijn" in dutch


def test_a_hold_is_logged_once_per_review(api, survey):
    """The pipeline's review step running again (a retried job) adds no second hold."""
    from app.services import reviews

    _policy(api, publish="immediate", unverified="moderate")
    response = db.session.get(Response, answer(api, survey))
    assert reviews.make_reviews([(response, None)]) == []
    db.session.commit()
    holds = db.session.query(ModerationEntry).filter_by(action="hold").count()
    assert holds == 1
