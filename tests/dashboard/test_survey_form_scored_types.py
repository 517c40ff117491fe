"""The survey editor refuses a second question of a scored type, next to its type."""

from app.extensions import db
from app.models import Question, Survey

TWO_NPS = {
    "locale": "nl",
    "active": "on",
    "questions.0.key": "product",
    "questions.0.type": "nps",
    "questions.0.text.nl": "Het product aanraden?",
    "questions.1.key": "monteur",
    "questions.1.type": "nps",
    "questions.1.text.nl": "De monteur aanraden?",
}


def test_a_new_survey_with_two_nps_questions_is_422_at_the_second_type(dash, journey, count_rows):
    form = {**TWO_NPS, "phase_ref": f"{journey['id']}:levering"}
    response = dash.post("/dashboard/surveys/new", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="err-questions-1-type"' in page
    assert "a survey has one nps question at most" in page
    assert count_rows(Survey) == count_rows(Question) == 0


def test_an_edit_to_two_nps_questions_is_422_and_changes_nothing(dash, survey):
    url = f"/dashboard/surveys/{survey['id']}"
    response = dash.post(url, TWO_NPS)
    assert response.status_code == 422
    assert 'id="err-questions-1-type"' in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Survey, survey["id"])
    assert [q.type for q in saved.questions] == ["nps", "csat", "text"]


def test_the_editor_says_when_a_surveys_answers_never_become_reviews(dash, brand, journey):
    from tests.conftest import levering_survey
    from tests.reviews.test_review_consent_symmetry import NO_STARS

    survey = levering_survey(brand, journey["id"], NO_STARS)
    page = dash.get(f"/dashboard/surveys/{survey.id}").get_data(as_text=True)
    assert "data-no-reviews" in page and "never become reviews" in page


def test_the_editor_of_a_survey_with_stars_says_nothing_of_reviews(dash, survey):
    page = dash.get(f"/dashboard/surveys/{survey['id']}").get_data(as_text=True)
    assert "data-no-reviews" not in page
