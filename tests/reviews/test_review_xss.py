"""An XSS corpus in names, titles, bodies and replies stays text on pages, JSON-LD and feeds."""

import re

import extruct
import feedparser

from tests.reviews.helpers import published

BIDI = "\u202e"
NAME = '"><img/src=x/onerror=alert(1)>'
TITLE = "</script><script>alert('title')</script>"
BODY = (
    'Goed! </script><script>alert(1)</script> <a href="javascript:alert(2)">klik</a> '
    f"javascript:alert(3) {BIDI}gnp.exe <img src=x onerror=alert(4)>"
)
REPLY = "<script>alert('reply')</script> \"><svg onload=alert(5)> javascript:alert(6)"


def corpus_review(api, survey, brand):
    review = published(api, survey, brand, text=BODY, review={"display_name": NAME, "title": TITLE})
    assert api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": REPLY}).status_code == 200
    return review


def assert_inert(html: str) -> None:
    assert html.count("<script") == 1  # only our JSON-LD block
    assert "<script>alert" not in html
    for tag in ("<img", "<svg onload", '<a href="javascript'):
        assert tag not in html
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
    assert BIDI not in html


def test_pages_escape_the_corpus(api, survey, brand, client):
    review = corpus_review(api, survey, brand)
    for url in (
        "/reviews/testbad",
        "/reviews/testbad/levering",
        f"/reviews/testbad/r/{review.id}",
        "/reviews/testbad?lang=en",
    ):
        html = client.get(url).get_data(as_text=True)
        assert_inert(html)
        assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;script&gt;alert(&#39;reply&#39;)&lt;/script&gt;" in html
    flag = client.get(f"/reviews/testbad/r/{review.id}/flag").get_data(as_text=True)
    assert "<script" not in flag and "<img" not in flag


def test_json_ld_cannot_break_out_and_reads_back_exactly(api, survey, brand, client):
    review = corpus_review(api, survey, brand)
    html = client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True)
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block  # escaped as \u003c / \u003e
    [data] = extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]
    assert data["reviewBody"] == BODY.replace(BIDI, "")
    assert data["name"] == TITLE
    assert data["author"]["name"] == '"><img/src=x/onerror=alert(1)>'
    assert data["comment"]["text"] == REPLY


def test_feeds_carry_the_corpus_as_text(api, survey, brand, client):
    corpus_review(api, survey, brand)
    item = client.get("/feeds/testbad/reviews.json").json["items"][0]
    assert item["body"] == BODY.replace(BIDI, "")
    assert item["reply"]["body"] == REPLY
    for kind in ("atom", "rss"):
        raw = client.get(f"/feeds/testbad/reviews.{kind}").get_data(as_text=True)
        assert "<script" not in raw and "<img" not in raw and BIDI not in raw
        parsed = feedparser.parse(raw)
        assert not parsed.bozo
        # feed readers get the text back, escaped once, never markup
        assert "alert(1)" in parsed.entries[0].summary


def test_badge_data_is_text_only(api, survey, brand, client):
    corpus_review(api, survey, brand)
    data = client.get("/feeds/testbad/badge.json").json
    assert data["reviews"][0]["author"] == NAME
    assert data["reviews"][0]["title"] == TITLE
    assert data["reviews"][0]["url"].startswith("http://127.0.0.1:5000/reviews/testbad/r/")
    script = client.get("/reviews.js").get_data(as_text=True)
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "textContent" in script
