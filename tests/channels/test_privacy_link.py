"""The brand's privacy statement (Settings, `privacy_url`) is linked wherever customers give
their answers, names and addresses; without one, no link and no empty label anywhere."""

import re

import pytest

import loyalty
from app.extensions import db
from app.models import Brand, Customer
from tests.channels.helpers import widget_survey
from tests.reviews.helpers import published

pytestmark = pytest.mark.smtp

URL = "https://www.testbad.example/privacy?x=1&y=2"
SHOWN = "https://www.testbad.example/privacy?x=1&amp;y=2"  # as HTML writes it
LINK = re.compile(r'<a href="([^"]*privacy[^"]*)"[^>]*>(Privacyverklaring|Privacy statement)</a>')


def set_privacy(brand, url):
    db.session.get(Brand, brand.id).privacy_url = url
    db.session.commit()


def invited(api, survey, smtp_server, locale="nl"):
    """An invitation mailed to a customer: the message and its survey and unsubscribe links."""
    customer = {"external_id": f"p-{locale}", "email": f"p-{locale}@example.nl", "locale": locale}
    assert api.post("/api/v1/customers", json=customer).status_code in (200, 201)
    body = {"customer": f"p-{locale}", "survey_id": survey["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=body).status_code == 202
    message = smtp_server.messages[-1]
    text = message.get_body(("plain",)).get_content()
    survey_link = re.search(r"(/s/[^\s?]+)", text).group(1)
    unsubscribe = re.search(r"(/u/[^\s]+)", text).group(1)
    return message, survey_link, unsubscribe


def pages(client, api, survey, brand, smtp_server, locale):
    """Every page a customer of the brand reads, by name, as HTML."""
    message, survey_link, unsubscribe = invited(api, survey, smtp_server, locale)
    review = published(api, survey, brand, customer=f"p-{locale}", locale=locale)
    customer = db.session.get(Customer, review.customer_id)
    token = loyalty.customer_token(brand.id, customer.id)
    lang = f"?lang={locale}"
    got = {
        "mail": message.get_body(("html",)).get_content(),
        "survey": client.get(survey_link + lang),
        "unsubscribe": client.get(unsubscribe + lang),
        "loyalty": client.get(f"/loyalty/{token}{lang}"),
        "reviews": client.get(f"/reviews/testbad{lang}"),
        "review": client.get(f"/reviews/testbad/r/{review.id}{lang}"),
        "about": client.get(f"/reviews/testbad/about{lang}"),
    }
    for name, response in got.items():
        if not isinstance(response, str):
            assert response.status_code == 200, name
            got[name] = response.get_data(as_text=True)
    return got, message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("locale", "label"), [("nl", "Privacyverklaring"), ("en", "Privacy statement")]
)
def test_every_customer_page_and_the_invitation_link_the_statement(
    client, api, survey, brand, smtp_server, locale, label
):
    set_privacy(brand, URL)
    got, text = pages(client, api, survey, brand, smtp_server, locale)
    for name, html in got.items():
        assert LINK.findall(html) == [(SHOWN, label)], name
    assert f"{label}: {URL}" in text  # the plain-text part too
    assert 'target="_blank" rel="noopener">' in got["survey"]  # the answers stay put


def test_without_a_statement_nothing_is_linked(client, api, survey, brand, smtp_server):
    got, text = pages(client, api, survey, brand, smtp_server, "nl")
    for name, html in got.items():
        assert "Privacyverklaring" not in html and 'class="privacy"' not in html, name
    assert "Privacyverklaring" not in text


def test_the_widget_gets_the_statement_and_its_label(client, site, brand):
    assert widget_survey(client, site).json["brand"]["privacy_url"] is None
    set_privacy(brand, URL)
    body = widget_survey(client, site, locale="en").json
    assert body["brand"]["privacy_url"] == URL
    assert body["texts"]["privacy"] == "Privacy statement"
    assert body["texts"]["review_name_help"].startswith("We show your first name")


def test_a_new_statement_is_a_new_version_of_the_review_pages(client, api, survey, brand):
    """The pages answer 304 to a browser's ETag: a changed link must not be served stale."""
    published(api, survey, brand)
    etag = client.get("/reviews/testbad").headers["ETag"]
    assert client.get("/reviews/testbad", headers={"If-None-Match": etag}).status_code == 304
    set_privacy(brand, URL)
    assert client.get("/reviews/testbad", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    ("formal", "words"),
    [(False, "We tonen je voornaam"), (True, "We tonen uw voornaam")],
)
def test_the_hosted_page_says_how_the_name_is_shown(
    client, api, survey, brand, smtp_server, formal, words
):
    db.session.get(Brand, brand.id).formal_address = formal
    db.session.commit()
    _, survey_link, _ = invited(api, survey, smtp_server)
    page = client.get(survey_link).get_data(as_text=True)
    assert 'aria-describedby="display-name-help"' in page
    assert f'<p class="muted" id="display-name-help">{words}' in page
    assert "„Anna B.”" in page
