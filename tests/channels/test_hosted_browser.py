"""The hosted survey page in a real browser: answerable with JavaScript switched off, by
keyboard, and clean for axe-core."""

import pytest

from app.models import Response
from tests.channels.helpers import ThreadedServer, link_path, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def page_url(app, db):
    """A reusable link of a brand, served by the app on a free port."""
    from app.services import brands, journeys, survey_links, surveys

    brand, _ = brands.create_brand("Toonbank", "toonbank", "nl")
    journey = journeys.create_journey(
        brand, {"name": "Reis", "phases": [{"key": "winkel", "name": "Winkel"}]}
    )
    surveys.create_survey(
        brand,
        {
            "journey_id": journey.id,
            "phase": "winkel",
            "locale": "nl",
            "questions": [
                {
                    "key": "nps",
                    "type": "nps",
                    "required": True,
                    "text": {"nl": "Zou u ons aanraden?", "en": "Would you recommend us?"},
                },
                {
                    "key": "gevoel",
                    "type": "emotion",
                    "text": {"nl": "Hoe voelt u zich?", "en": "How do you feel?"},
                },
                {"key": "why", "type": "text", "text": {"nl": "Waarom?", "en": "Why?"}},
            ],
        },
    )
    link = survey_links.create(brand, {"journey_id": journey.id, "phase": "winkel"})
    path = link_path(survey_links.describe(link)["url"])
    with ThreadedServer(app) as server:
        yield server.origin + path


def _stored(db) -> list[Response]:
    db.session.expire_all()
    return db.session.query(Response).order_by(Response.id).all()


def test_the_page_works_without_javascript(browser, page_url, db):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(page_url)
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("label", has_text="9").click()  # the label is the visible button
    page.locator("label", has_text="Satisfied").click()
    page.get_by_label("Why?").fill("Friendly staff")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you for your answer!").wait_for()
    [answer] = _stored(db)
    assert answer.channel == "link"
    assert answer.answers == {"nps": 9, "gevoel": "satisfied", "why": "Friendly staff"}
    context.close()


def test_the_page_by_keyboard_and_axe(browser, page_url, db):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(page_url)
    assert page.locator("html").get_attribute("lang") == "nl"
    assert serious_violations(page) == []

    # Tab into the score group, arrow keys move the choice, Enter submits the form.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "q_nps"
    page.keyboard.press("ArrowRight")  # radio groups: arrows pick 0 → 1
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "2"
    page.keyboard.press("Enter")
    page.get_by_text("Bedankt voor je antwoord!").wait_for()
    [answer] = _stored(db)
    assert answer.answers == {"nps": 2}
    context.close()
