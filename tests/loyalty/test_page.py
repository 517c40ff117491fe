"""/loyalty/<token>: the customer's page in Dutch or English, escaped, private."""

import pytest

import loyalty
from app.extensions import db
from loyalty import tokens
from tests.loyalty import helpers


@pytest.fixture
def anna(brand):
    return helpers.customer(brand, "anna")


def url(brand, customer) -> str:
    return f"/loyalty/{loyalty.customer_token(brand.id, customer.id)}"


def test_dutch_page_with_balance_rewards_and_ledger(client, brand, survey, anna):
    helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
    loyalty.redeem(brand.id, anna.id, reward_key="koffie", points=5)
    db.session.commit()
    page = client.get(url(brand, anna))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Je spaarpunten bij Testbad" in html
    assert "<strong>10</strong> punten" in html
    assert "Vragen beantwoord (Levering &amp; montage)" in html
    assert "Bonus voor een geschreven antwoord" in html
    assert "Ingewisseld: koffie" in html
    assert "Tegoedbon van € 5" in html and "Nog 90 punten nodig" in html
    assert "hangt nooit af van je score" in html
    # the brand's page: its name in the frame, no link into this instance's home or API docs
    assert '<span class="logo">Testbad</span>' in html
    assert 'href="/"' not in html and "/api/v1/docs" not in html


def test_english_by_query_customer_locale_or_accept_language(client, brand, anna):
    assert "Your points with Testbad" in client.get(url(brand, anna) + "?lang=en").text
    english = client.get(url(brand, anna), headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    anna.locale = "nl"
    db.session.commit()
    dutch = client.get(url(brand, anna), headers={"Accept-Language": "en"})
    assert '<html lang="nl">' in dutch.text
    # A language we do not speak falls back instead of failing.
    assert client.get(url(brand, anna) + "?lang=de").status_code == 200


def test_user_text_is_escaped(client, brand, anna):
    loyalty.save_policy(
        brand.id,
        {"rewards": [{"key": "x", "name": "<script>alert('reward')</script>", "points": 5}]},
    )
    loyalty.adjust(brand.id, anna.id, points=5, reason="<img src=x onerror=alert(1)>")
    db.session.commit()
    html = client.get(url(brand, anna)).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;reward&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_page_is_private(client, brand, anna):
    page = client.get(url(brand, anna))
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert "nonce-" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text  # no script at all, let alone a third-party one
    assert "https://" not in page.text


def test_a_forged_garbled_or_foreign_link_is_404(client, brand, anna, other_brand):
    token = loyalty.customer_token(brand.id, anna.id)
    assert client.get(f"/loyalty/{token[:-2]}xx").status_code == 404
    assert client.get("/loyalty/nonsense").status_code == 404
    assert client.get("/loyalty/" + "a" * 400).status_code == 404
    # A token naming another brand for this customer cannot exist unsigned; a signed mismatch
    # (the customer is not the brand's) is refused too.
    mismatch = loyalty.customer_token(other_brand["brand"].id, anna.id)
    reply = client.get(f"/loyalty/{mismatch}", headers={"Accept": "application/json"})
    assert reply.status_code == 404
    assert reply.json["error"]["code"] == "not_found"


def test_an_expired_link_is_410(client, brand, anna, monkeypatch):
    link = url(brand, anna)
    monkeypatch.setattr(tokens, "MAX_AGE", -1)
    reply = client.get(link)
    assert reply.status_code == 410
    assert 'lang="nl"' in reply.text and "niet meer geldig" in reply.text  # one language
    assert "<h1>Deze link is verlopen</h1>" in reply.text and "om een nieuwe" in reply.text
    assert "expired" not in reply.text and "no longer" not in reply.text
    english = client.get(link, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.text and "no longer valid" in english.text
    assert "<h1>This link has expired</h1>" in english.text


def test_an_erased_customer_has_no_page(client, brand, anna):
    link = url(brand, anna)
    db.session.delete(anna)
    db.session.commit()
    assert client.get(link).status_code == 404


def test_a_capped_answer_says_so_and_a_new_customer_sees_how_to_earn(client, brand, survey, anna):
    page = client.get(url(brand, anna)).text
    assert "Nog geen punten" in page
    assert "10 punten als je de vragen" in page
    loyalty.save_policy(brand.id, {"daily_cap": 4})
    db.session.commit()
    helpers.award(helpers.response(brand, survey["id"], anna))
    assert "daglimiet bereikt" in client.get(url(brand, anna)).text


def test_a_disabled_programme_says_so(client, brand, anna):
    loyalty.save_policy(brand.id, {"enabled": False})
    db.session.commit()
    assert "geeft op dit moment geen punten" in client.get(url(brand, anna)).text
