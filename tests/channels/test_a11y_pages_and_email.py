"""The hosted survey page and the invitation email, from an accessibility audit: 0–10 wraps
evenly on a phone, the chosen answer shows by more than a fill, a required text says so, and
the email's score links are big enough at 320 px and say what they do."""

import re

import pytest

from tests.channels.helpers import ThreadedServer, link_path

QUESTIONS = [
    {
        "key": "nps",
        "type": "nps",
        "required": True,
        "text": {"nl": "Aanraden?", "en": "Recommend?"},
    },
    {"key": "csat", "type": "csat", "text": {"nl": "Tevreden?", "en": "Satisfied?"}},
    {"key": "why", "type": "text", "required": True, "text": {"nl": "Waarom?", "en": "Why?"}},
]


@pytest.fixture
def yellow(api):
    """The audit's light brand colour."""
    assert api.patch("/api/v1/brand", json={"primary_color": "#ffff00"}).status_code == 200


@pytest.fixture
def page_path(api, journey, yellow):
    from tests.conftest import new_survey

    new_survey(api, journey["id"], phase="aankoop", questions=QUESTIONS)
    link = api.post("/api/v1/links", json={"journey_id": journey["id"], "phase": "aankoop"})
    assert link.status_code == 201, link.json
    return link_path(link.json["url"])


def _invitation_html(api, survey, smtp_server, locale="nl") -> str:
    body = {"external_id": f"klant-{locale}", "email": f"{locale}@example.nl", "locale": locale}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    invite = {"customer": f"klant-{locale}", "survey_id": survey["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=invite).status_code == 202
    return smtp_server.messages[-1].get_body(("html",)).get_content()


# --- the hosted page, as HTML ------------------------------------------------------------------


def test_the_hosted_page_marks_required_texts_and_the_long_scale(client, page_path):
    html = client.get(page_path + "?lang=en").get_data(as_text=True)
    required = re.search(r'<textarea id="q-why"[^>]*>', html).group(0)
    assert " required" in required  # announced as required before any error
    # 0–10 is laid out as a grid of six; 1–5 wraps as before
    assert re.findall(r'<div class="(scale[^"]*)">', html) == ["scale wide", "scale"]
    assert "--brand-accent:#999900" in html


# --- the hosted page, in a browser --------------------------------------------------------------

ROWS = """() => [...document.querySelectorAll('.scale')].map(scale =>
  [...scale.querySelectorAll('label')].map(label => {
    const r = label.getBoundingClientRect();
    return [Math.round(r.top), r.width, r.height];
  }))"""


def _rows(cells):
    tops = sorted({top for top, _, _ in cells})
    return [sum(1 for top, _, _ in cells if top == row) for row in tops]


@pytest.mark.browser
@pytest.mark.parametrize(("width", "rows"), [(320, [6, 5]), (360, [6, 5]), (800, [11])])
def test_zero_to_ten_wraps_evenly_on_a_phone(app, browser, page_path, width, rows):
    with ThreadedServer(app) as server:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(server.origin + page_path)
        nps, csat = page.evaluate(ROWS)
        assert _rows(nps) == rows  # not 5 + 5 + 1 with the 10 alone
        assert _rows(csat) == [5]
        assert all(w >= 24 and h >= 24 for _, w, h in nps + csat)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()


@pytest.mark.browser
def test_a_brand_name_of_one_long_word_wraps_on_a_phone(app, api, browser, page_path):
    name = "Badkamerrenovatieoffertebesprekingsafspraakbevestigingsmail B.V."
    assert api.patch("/api/v1/brand", json={"name": name}).status_code == 200
    with ThreadedServer(app) as server:
        context = browser.new_context(viewport={"width": 320, "height": 800})
        page = context.new_page()
        page.goto(server.origin + page_path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        context.close()


@pytest.mark.browser
def test_the_chosen_answer_shows_by_more_than_a_light_fill(app, browser, page_path):
    with ThreadedServer(app) as server:
        context = browser.new_context(viewport={"width": 360, "height": 800})
        page = context.new_page()
        page.goto(server.origin + page_path + "?lang=en")
        page.click("label[for=q-nps-8]")  # the 7
        style = page.evaluate(
            """() => [8, 7].map(n => {
                const label = document.querySelector(`label[for=q-nps-${n}]`);
                const s = getComputedStyle(label), mark = getComputedStyle(label, '::before');
                return [s.borderTopColor, s.boxShadow, mark.content];
            })"""
        )
        chosen, other = style
        # every edge in the accent (#999900, 3:1 on white), not the 1.07:1 yellow
        assert chosen[0] == other[0] == "rgb(153, 153, 0)"
        assert "rgb(153, 153, 0)" in chosen[1] and "2px" in chosen[1]  # a thicker edge
        assert chosen[2].startswith('"✓"')  # and a check mark
        assert other[1] == "none" and other[2] == "none"
        # the mark is decoration: the radio's name stays the digit
        assert page.get_by_role("radio", name="7", exact=True).is_checked()
        context.close()


# --- the invitation email -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "formal", "name"),
    [
        ("nl", False, "9 – op een schaal van 0 tot 10"),
        ("nl", True, "9 – op een schaal van 0 tot 10"),
        ("en", False, "9 – on a scale of 0 to 10"),
    ],
)
def test_score_links_in_the_email_say_what_they_do(api, survey, smtp_server, locale, formal, name):
    if formal:
        assert api.patch("/api/v1/brand", json={"formal_address": True}).status_code == 200
    html = _invitation_html(api, survey, smtp_server, locale)
    links = re.findall(r'<a href="[^"]+\?score=(\d+)" title="([^"]+)" aria-label="([^"]+)"', html)
    assert [score for score, _, _ in links] == [str(n) for n in range(11)]
    assert all(title == label for _, title, label in links)  # title: clients drop aria-label
    assert links[9][1] == name
    assert all(label.startswith(score + " ") for score, _, label in links)  # label in name


def test_the_email_puts_zero_to_ten_on_two_rows_and_shorter_scales_on_one(
    api, journey, survey, smtp_server
):
    html = _invitation_html(api, survey, smtp_server)
    rows = re.findall(r"<tr>\s*((?:<td[^>]*>.*?</td>\s*)+)</tr>", html, flags=re.S)
    scores = [re.findall(r"\?score=(\d+)", row) for row in rows]
    scores = [row for row in scores if row]
    assert scores == [["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]

    from tests.conftest import new_survey

    ces = [{"key": "ces", "type": "ces", "required": True, "text": {"nl": "Moeite?"}}]
    other = new_survey(api, journey["id"], phase="aankoop", questions=ces)
    body = {"external_id": "klant-ces", "email": "ces@example.nl"}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    invite = {"customer": "klant-ces", "survey_id": other["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=invite).status_code == 202
    html = smtp_server.messages[-1].get_body(("html",)).get_content()
    rows = re.findall(r"<tr>\s*((?:<td[^>]*>.*?</td>\s*)+)</tr>", html, flags=re.S)
    scores = [row for row in (re.findall(r"\?score=(\d+)", r) for r in rows) if row]
    assert scores == [[str(n) for n in range(1, 8)]]


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 360, 600])
def test_score_links_are_at_least_24_px_at_320(api, survey, smtp_server, browser, width):
    html = _invitation_html(api, survey, smtp_server)
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.set_content(html)
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('a[href*="score="]')].map(a => {
            const r = a.getBoundingClientRect();
            return [r.x, r.y, r.width, r.height];
        })"""
    )
    assert len(boxes) == 11
    assert all(w >= 24 and h >= 24 for _, _, w, h in boxes)
    # and apart: no two links overlap or touch
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w < x2 or x2 + w2 < x or y + h < y2 or y2 + h2 < y
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


@pytest.mark.browser
def test_a_brand_name_and_question_of_one_long_word_wrap_in_the_email_at_320(
    api, survey, smtp_server, browser
):
    word = "Badkamerrenovatieoffertebesprekingsafspraakbevestigingsmail"
    assert api.patch("/api/v1/brand", json={"name": word + " B.V."}).status_code == 200
    html = _invitation_html(api, survey, smtp_server)
    assert word in html
    page = browser.new_page(viewport={"width": 320, "height": 800})
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()
