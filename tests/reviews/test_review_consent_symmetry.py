"""No review gating: NPS 0 and NPS 10 get the identical consent step on every channel."""

import re

from app.models import Review
from app.services import survey_links
from tests.reviews.helpers import review_of, set_policy


def consent_step(html: str) -> str:
    match = re.search(r'<fieldset class="question review">.*?</fieldset>', html, re.S)
    assert match, "the hosted page has no review consent step"
    return match.group(0)


def test_hosted_page_shows_the_same_consent_step_after_0_and_10(survey, journey, brand, client):
    link = survey_links.create(brand, {"journey_id": journey["id"], "phase": "levering"})
    token = survey_links.token_for(link)
    low = client.get(f"/s/{token}?score=0").get_data(as_text=True)
    high = client.get(f"/s/{token}?score=10").get_data(as_text=True)
    assert consent_step(low) == consent_step(high)
    assert "bij elke score" in consent_step(low)


def test_hosted_page_answers_0_and_10_become_reviews_alike(survey, journey, brand, client):
    set_policy(brand, "moderate")
    link = survey_links.create(brand, {"journey_id": journey["id"], "phase": "levering"})
    token = survey_links.token_for(link)
    statuses = []
    for score, text in ((0, "Alles ging mis bij de montage."), (10, "Alles ging prima, top!")):
        page = client.get(f"/s/{token}").get_data(as_text=True)
        key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)
        form = {
            "form_key": key,
            "q_nps": str(score),
            "q_why": text,
            "review_consent": "yes",
            "display_name": "Kees Jansen",
        }
        response = client.post(f"/s/{token}", data=form)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    reviews = Review.query.order_by(Review.id).all()
    assert [r.source_score for r in reviews] == [0, 10]
    statuses = [(r.status, [e.action for e in r.moderation], r.display_name) for r in reviews]
    assert statuses[0] == statuses[1] == ("pending", ["hold"], "Kees J.")


def test_widget_config_offers_the_consent_step_before_any_score(survey, brand, client):
    response = client.get(
        f"/w/v1/survey?site_key={brand.site_key}&phase=levering",
        headers={"Origin": "https://shop.example"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    config = response.json
    # the step is decided when the survey loads, before the customer picks a score
    assert config.get("review_step") is True
    assert "score" not in {key for key in config if "review" in key}


def test_api_consent_is_stored_the_same_for_every_score(api, survey):
    ids = []
    for score in (0, 10):
        body = {
            "survey_id": survey["id"],
            "answers": {"nps": score, "why": f"Eerlijk antwoord bij score {score}."},
            "review": {"consent": True, "display_name": "Kees"},
        }
        ids.append(api.post("/api/v1/responses", json=body).json["id"])
    low, high = review_of(ids[0]), review_of(ids[1])
    assert (low.status, low.fraud_signals) == (high.status, high.fraud_signals)


NO_STARS = [
    {"key": "ces", "type": "ces", "required": True, "text": {"nl": "Moeite?", "en": "Effort?"}},
    {"key": "why", "type": "text", "text": {"nl": "Waarom?", "en": "Why?"}},
]


def test_a_survey_that_cannot_make_a_review_asks_for_no_consent(journey, brand, client):
    """A review's stars come from an NPS or CSAT answer: a CES survey's customer consented,
    was thanked, and no review ever came (a trial's finding). Neither channel asks there."""
    from app.models import Response
    from tests.conftest import levering_survey

    survey = levering_survey(brand, journey["id"], NO_STARS)
    assert not survey.makes_reviews
    config = client.get(
        f"/w/v1/survey?site_key={brand.site_key}&phase=levering",
        headers={"Origin": "https://shop.example"},
    ).json
    assert config["review_step"] is False

    link = survey_links.create(brand, {"journey_id": journey["id"], "phase": "levering"})
    token = survey_links.token_for(link)
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'class="question review"' not in page and "review_consent" not in page
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)
    form = {"form_key": key, "q_ces": "2", "q_why": "Snel geregeld.", "review_consent": "yes"}
    assert client.post(f"/s/{token}", data=form).status_code == 200
    assert [r.review_request for r in Response.query.all()] == [None]
    assert Review.query.count() == 0
