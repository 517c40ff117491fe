"""The points a customer just earned, with the language's thousands separator: on the hosted
thank-you page and in the widget (which formats the server's number itself)."""

import re

import pytest

import loyalty
from app.extensions import db
from tests.channels.helpers import ThreadedServer, form_fields, link_path

THANKS = {"nl": "Je hebt 1.250 punten verdiend.", "en": "You earned 1,250 points."}


@pytest.fixture
def generous(brand):
    """Answering earns 1,250 points."""
    loyalty.save_policy(brand.id, {"points_per_answer": 1250, "daily_cap": 5000})
    db.session.commit()
    return brand


def _thanked(api, client, survey, smtp_server, locale) -> str:
    """The hosted thank-you page after answering an emailed invitation in this language."""
    customer = {"external_id": "klant-1", "email": "anna@example.nl", "locale": locale}
    assert api.post("/api/v1/customers", json=customer).status_code == 201
    invitation = {"customer": "klant-1", "survey_id": survey["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=invitation).status_code == 202
    mail = smtp_server.messages[0].get_body(("html",)).get_content()
    link = link_path(re.findall(r'href="([^"]+/s/[^"?]+\?score=9)"', mail)[0])
    html = client.get(link).get_data(as_text=True)
    answer = client.post(link.split("?")[0], data={**form_fields(html), "q_nps": "9"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


@pytest.mark.smtp
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_hosted_thank_you_page(api, client, survey, generous, smtp_server, locale):
    page = _thanked(api, client, survey, smtp_server, locale)
    assert THANKS[locale] in page
    # and where to see them: the customer's own points page, in the same language
    link = re.search(r'<a href="(/loyalty/[^"]+)">([^<]+)</a>', page)
    assert (
        link.group(2)
        == {"nl": "Bekijk je punten en beloningen", "en": "See your points and rewards"}[locale]
    )
    points = client.get(link.group(1).replace("&amp;", "&"))
    assert points.status_code == 200 and f'<html lang="{locale}">' in points.text


@pytest.mark.smtp
@pytest.mark.parametrize(
    ("locale", "thanks"), [("nl", "Je hebt 1 punt verdiend."), ("en", "You earned 1 point.")]
)
def test_one_point_earned_is_one_punt(api, client, survey, brand, smtp_server, locale, thanks):
    loyalty.save_policy(brand.id, {"points_per_answer": 1})
    db.session.commit()
    assert thanks in _thanked(api, client, survey, smtp_server, locale)


@pytest.fixture
def shop(app, db):
    """The Phasewise app and a shop on two ports; the shop's page embeds the widget for a
    signed-in customer in the language its query asks for; answering earns 1,250 points."""
    from app.services import brands, journeys, surveys

    page = {}

    def shop_page(environ, start_response):
        locale = environ.get("QUERY_STRING", "").removeprefix("lang=") or "nl"
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
            f'</head><body><p>Shop</p><script src="{page["origin"]}/widget.js"'
            f' data-site-key="{page["site_key"]}" data-phase="levering" data-locale="{locale}"'
            f' data-customer-id="klant-8" data-customer-sig="{page["signature"]}"></script>'
            "</body></html>"
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    with ThreadedServer(app) as phasewise, ThreadedServer(shop_page) as shop_server:
        brand, _ = brands.create_brand(
            "Badkamerwinkel", "badkamerwinkel", "nl", [shop_server.origin]
        )
        journey = journeys.create_journey(
            brand, {"name": "Reis", "phases": [{"key": "levering", "name": "Levering"}]}
        )
        question = {"nl": "Zou u ons aanraden?", "en": "Would you recommend us?"}
        surveys.create_survey(
            brand,
            {
                "journey_id": journey.id,
                "phase": "levering",
                "locale": "nl",
                "questions": [{"key": "nps", "type": "nps", "required": True, "text": question}],
            },
        )
        loyalty.save_policy(brand.id, {"points_per_answer": 1250, "daily_cap": 5000})
        db.session.commit()
        page.update(
            origin=phasewise.origin,
            site_key=brand.site_key,
            signature=brand.sign_customer("klant-8"),
        )
        yield shop_server.origin


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_widget_thank_you(shop, browser, locale):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{shop}/?lang={locale}")
    page.wait_for_selector("phasewise-widget", state="attached", timeout=10_000)
    widget = page.locator("phasewise-widget")
    widget.get_by_role("button", name="9", exact=True).click()
    widget.get_by_text(THANKS[locale]).wait_for(timeout=10_000)
    assert errors == []
    context.close()
