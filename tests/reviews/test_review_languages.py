"""Every text and link a reader or reviewer gets stays in their language (nl or en)."""

import re

import pytest

from app.extensions import db
from app.models.review import ModerationEntry
from tests.reviews.helpers import answer, published, review_of, set_policy

BASE = "http://127.0.0.1:5000"


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def lang_of(client, href: str) -> str:
    """The language of the page a link opens."""
    html = client.get(href.removeprefix(BASE)).get_data(as_text=True)
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def errors(html: str) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]+)<', html)


@pytest.mark.parametrize(
    ("locale", "query", "expected"),
    [
        (
            "nl",
            "",
            [
                "Kies een reden.",
                "Kies een van de redenen uit de lijst.",
                "De toelichting mag hoogstens 1000 tekens lang zijn.",
            ],
        ),
        (
            "en",
            "?lang=en",
            [
                "Choose a reason.",
                "Choose one of the reasons in the list.",
                "The details can be at most 1000 characters long.",
            ],
        ),
    ],
)
def test_flag_form_errors_are_in_the_pages_language(
    api, survey, brand, client, locale, query, expected
):
    """The form showed WTForms' English messages ("This field is required.") on Dutch pages."""
    review = published(api, survey, brand)
    url = f"/reviews/testbad/r/{review.id}/flag{query}"
    page = client.get(url).get_data(as_text=True)
    token = token_of(page)
    # No reason is chosen for the reader: the first option asks for one.
    first = re.search(r"<select[^>]*>\s*<option([^>]*)>([^<]*)</option>", page)
    assert 'value=""' in first.group(1), first.group(0)
    assert first.group(2) == expected[0].rstrip(".")
    shown = []
    for data in ({}, {"reason": "nonsense"}, {"reason": "spam", "note": "x" * 1001}):
        reply = client.post(url, data={"csrf_token": token, **data})
        assert reply.status_code == 422 and f'<html lang="{locale}">' in reply.text
        shown.append(errors(reply.text))
    assert shown == [[message] for message in expected]
    ok = client.post(url, data={"csrf_token": token, "reason": "spam", "note": "x" * 1000})
    assert ok.status_code == 200 and errors(ok.text) == []


def test_flag_form_expired_token_is_told_in_the_pages_language(
    api, survey, brand, client, app, monkeypatch
):
    """Where the form itself checks the token, its error was Flask-WTF's English text."""
    monkeypatch.setitem(app.config, "WTF_CSRF_CHECK_DEFAULT", False)  # the form checks it
    review = published(api, survey, brand)
    reply = client.post(f"/reviews/testbad/r/{review.id}/flag", data={"reason": "spam"})
    assert reply.status_code == 422
    assert errors(reply.text) == [
        "Dit formulier is verlopen. Laad de pagina opnieuw en verstuur de melding nog een keer."
    ]
    assert "CSRF" not in reply.text


def test_flag_page_language_switch_and_back_link_keep_the_language(api, survey, brand, client):
    """An English review's flag page linked "Nederlands" without ?lang (which shows English
    there), and its "Terug naar de review" dropped ?lang=nl."""
    review = published(api, survey, brand, locale="en", text="Great fitters, tidy work.")
    base = f"/reviews/testbad/r/{review.id}/flag"
    english = client.get(base).get_data(as_text=True)
    assert '<html lang="en">' in english
    switch = dict(re.findall(r'<a href="([^"]+)" hreflang="(nl|en)"', english))
    assert {lang: href for href, lang in switch.items()} == {
        "nl": f"{BASE}{base}?lang=nl",
        "en": f"{BASE}{base}",
    }
    assert lang_of(client, f"{BASE}{base}?lang=nl") == "nl"
    alternates = dict(
        re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', english)
    )
    assert alternates["nl"] == f"{BASE}{base}?lang=nl" and alternates["en"] == f"{BASE}{base}"
    assert re.findall(r'<link rel="canonical" href="([^"]+)"', english) == [f"{BASE}{base}"]
    dutch = client.get(base + "?lang=nl").get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)">Terug naar de review</a>', dutch).group(1)
    assert back == f"/reviews/testbad/r/{review.id}?lang=nl"
    assert lang_of(client, back) == "nl"
    english_back = re.search(r'<a href="([^"]+)">Back to the review</a>', english).group(1)
    assert english_back == f"/reviews/testbad/r/{review.id}"


def test_detail_page_phase_link_keeps_the_language(api, survey, brand, client):
    review = published(api, survey, brand, locale="en", text="Great fitters, tidy work.")
    html = client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True)
    href = re.search(r'Phase: <a href="([^"]+)"', html).group(1)
    assert href == "/reviews/testbad/levering?lang=en" and lang_of(client, href) == "en"
    dutch = client.get(f"/reviews/testbad/r/{review.id}?lang=nl").get_data(as_text=True)
    assert re.search(r'Fase: <a href="([^"]+)"', dutch).group(1) == "/reviews/testbad/levering"


def test_gone_page_links_keep_the_language(api, survey, brand, client):
    review = published(api, survey, brand, locale="en", text="Great fitters, tidy work.")
    api.post(f"/api/v1/reviews/{review.id}/moderation", json={"action": "remove", "reason": "spam"})
    url = f"/reviews/testbad/r/{review.id}"
    gone = client.get(url + "?lang=en")
    assert gone.status_code == 410 and '<html lang="en">' in gone.text
    about = re.search(r'<a href="([^"]+)">About these reviews', gone.text).group(1)
    listed = re.search(r'<a href="([^"]+)">All reviews of Testbad', gone.text).group(1)
    assert (about, listed) == ("/reviews/testbad/about?lang=en", "/reviews/testbad?lang=en")
    assert lang_of(client, about) == "en" and lang_of(client, listed) == "en"
    # the language switch stays on this page
    switch = re.search(r'<a href="([^"]+)" hreflang="nl"', gone.text).group(1)
    assert switch == f"{BASE}{url}"
    dutch = client.get(url)
    assert dutch.status_code == 410 and '<html lang="nl">' in dutch.text
    assert 'href="/reviews/testbad/about">Over deze reviews' in dutch.text


def test_badge_links_are_in_the_badges_language(api, survey, brand, client):
    """The English badge of a Dutch brand linked "About these reviews" (and each review) to
    the Dutch pages, while its list link carried ?lang=en."""
    dutch_review = published(api, survey, brand)
    english_review = published(api, survey, brand, locale="en", text="Great fitters, tidy work.")
    english = client.get("/feeds/testbad/badge.json?lang=en").get_json()
    assert english["about"] == f"{BASE}/reviews/testbad/about?lang=en"
    assert lang_of(client, english["about"]) == "en"
    urls = {item["id"]: item["url"] for item in english["reviews"]}
    assert urls[dutch_review.id] == f"{BASE}/reviews/testbad/r/{dutch_review.id}?lang=en"
    assert urls[english_review.id] == f"{BASE}/reviews/testbad/r/{english_review.id}"
    assert {lang_of(client, url) for url in urls.values()} == {"en"}
    dutch = client.get("/feeds/testbad/badge.json").get_json()
    assert dutch["about"] == f"{BASE}/reviews/testbad/about"
    urls = {item["id"]: item["url"] for item in dutch["reviews"]}
    assert urls[english_review.id] == f"{BASE}/reviews/testbad/r/{english_review.id}?lang=nl"
    assert {lang_of(client, url) for url in urls.values()} == {"nl"}


def _notice_links(api, survey, brand, action, **kwargs) -> tuple[str, dict]:
    set_policy(brand, "immediate" if action == "remove" else "moderate")
    api.post("/api/v1/customers", json={"external_id": "c1", "email": "c1@example.com"})
    review = review_of(answer(api, survey, customer="c1", **kwargs))
    body = {"action": action, "reason": "offensive"} if action != "publish" else {"action": action}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    db.session.expire_all()
    entry = db.session.query(ModerationEntry).filter_by(action=action).one()
    return entry.notice["locale"], re.findall(r"http\S+[^.\s]", entry.notice["text"])


@pytest.mark.parametrize("action", ["publish", "reject", "remove"])
def test_english_notice_links_english_pages(api, survey, brand, client, action):
    """The English notice of a Dutch brand linked its reasons to the Dutch about page."""
    locale, links = _notice_links(
        api, survey, brand, action, locale="en", text="Well done, thank you."
    )
    assert locale == "en" and len(links) == 1
    if action != "publish":
        assert links == [f"{BASE}/reviews/testbad/about?lang=en"]
    assert lang_of(client, links[0]) == "en"


def test_dutch_notice_links_the_about_page_without_lang(api, survey, brand, client):
    locale, links = _notice_links(api, survey, brand, "reject", text="Prima gedaan, dank u.")
    assert locale == "nl" and links == [f"{BASE}/reviews/testbad/about"]
    assert lang_of(client, links[0]) == "nl"
