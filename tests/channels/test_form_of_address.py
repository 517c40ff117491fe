"""A brand says "je" or "u" to its Dutch customers, and every text Phasewise writes keeps to it."""

import re

import pytest

import loyalty
from app import page_language
from app.extensions import db
from app.form_of_address import FORMAL_NL, with_formal
from app.models import Review
from app.reviews.forms import FLAG_TEXTS
from app.services import channel_texts, loyalty_page, review_labels
from tests.channels.helpers import form_fields, link_path, widget_survey
from tests.loyalty import helpers as loyalty_helpers
from tests.reviews.helpers import answer, review_of, set_policy

INFORMAL = re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE)
FORMAL = re.compile(r"\b(u|uw)\b", re.IGNORECASE)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


ADDRESSED = {
    "channel texts": channel_texts.TEXTS,
    "review notices": review_labels.NOTICES,
    "loyalty page": loyalty_page.TEXTS,
}
# Read by anyone (review pages, error pages): they address no one in particular.
NEUTRAL = {
    "review labels": review_labels.LABELS,
    "flag form": FLAG_TEXTS,
    "error pages": page_language.ERRORS,
}


@pytest.mark.parametrize("name", ADDRESSED)
def test_each_dutch_text_keeps_to_one_form_of_address(name):
    tables = ADDRESSED[name]
    informal = [text for text in _strings(tables["nl"]) if FORMAL.search(text)]
    formal = [text for text in _strings(tables[FORMAL_NL]) if INFORMAL.search(text)]
    assert informal == [], f"{name}: 'u' in the informal texts"
    assert formal == [], f"{name}: 'je' in the formal texts"
    # and the formal table really is formal where the informal one addresses the reader
    for key, text in tables["nl"].items():
        if any(INFORMAL.search(part) for part in _strings(text)):
            assert tables[FORMAL_NL][key] != text, f"{name}: {key} has no formal text"


@pytest.mark.parametrize("name", NEUTRAL)
def test_texts_for_any_reader_address_no_one(name):
    dutch = NEUTRAL[name]["nl"]
    assert [text for text in _strings(dutch) if INFORMAL.search(text) or FORMAL.search(text)] == []


def test_a_formal_text_without_an_informal_one_is_a_mistake():
    with pytest.raises(ValueError, match="taal"):
        with_formal({"nl": {"thanks": "Bedankt!"}}, {"taal": "Uw taal"})


@pytest.fixture
def formal(brand):
    brand.formal_address = True
    db.session.commit()
    return brand


def test_the_widget_says_je_by_default_and_u_for_a_formal_brand(client, site, brand):
    assert widget_survey(client, site).json["texts"]["thanks"] == "Bedankt voor je antwoord!"
    brand.formal_address = True
    db.session.commit()
    texts = widget_survey(client, site).json["texts"]
    assert texts["thanks"] == "Bedankt voor uw antwoord!"
    assert texts["review_title"] == "Mogen we uw antwoord als review publiceren?"
    # English has one form
    assert widget_survey(client, site, locale="en").json["texts"]["thanks"] == (
        "Thank you for your answer!"
    )


@pytest.mark.smtp
def test_invitation_hosted_page_and_unsubscribe_say_u(api, client, survey, formal, smtp_server):
    formal.contact_policy = {"min_days_between": 0, "max_per_journey": 0, "same_phase_days": 0}
    db.session.commit()
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    body = {"customer": "k1", "survey_id": survey["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=body).json["status"] == "sent"
    message = smtp_server.messages[0]
    text = message.get_body(("plain",)).get_content()
    assert "U krijgt deze e-mail omdat u klant bent van Testbad." in text
    assert not INFORMAL.search(text)

    survey_url = link_path(re.search(r"https?://\S+/s/\S+", text).group(0).split("?")[0])
    page = client.get(survey_url)
    assert "Testbad hoort graag uw mening" in page.text
    fields = form_fields(page.text)
    thanks = client.post(survey_url, data={**fields, "q_nps": "8"})
    assert "Uw antwoord is opgeslagen. U kunt dit venster sluiten." in thanks.text
    used = client.get(survey_url)  # a used link is answered in the brand's form too
    assert "Uw antwoord is al binnen" in used.text

    unsubscribe = link_path(str(message["List-Unsubscribe"]).strip().strip("<>"))
    assert "Wilt u geen uitnodigingen van Testbad meer ontvangen?" in client.get(unsubscribe).text
    done = client.post(unsubscribe)
    assert "U bent afgemeld." in done.text


def test_loyalty_page_review_notice_and_about_page_say_u(api, client, survey, formal):
    anna = loyalty_helpers.customer(formal, "anna")
    page = client.get(f"/loyalty/{loyalty.customer_token(formal.id, anna.id)}")
    assert "Uw spaarpunten bij Testbad" in page.text and not INFORMAL.search(page.text)

    set_policy(formal, "moderate")
    review = review_of(answer(api, survey, text="Netjes gemonteerd, prima werk."))
    api.post(f"/api/v1/reviews/{review.id}/moderation", json={"action": "reject", "reason": "spam"})
    db.session.expire_all()
    notice = db.session.get(Review, review.id).moderation[-1].notice
    assert notice["subject"] == "Uw review over Testbad is niet gepubliceerd"
    assert "Bent u het er niet mee eens?" in notice["text"]

    about = client.get("/reviews/testbad/about").text
    assert "„Mogen we uw antwoord als review publiceren?”" in about


def test_the_about_page_quotes_the_question_customers_were_asked(client, brand):
    assert (
        "„Mogen we je antwoord als review publiceren?”" in client.get("/reviews/testbad/about").text
    )
    english = client.get("/reviews/testbad/about?lang=en").text
    assert "“May we publish your answer as a review?”" in english
