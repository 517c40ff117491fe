"""The invitation email's layout, from an audit of the raw MIME: the scale's end labels come
before its links and name the lowest and highest, the question is a heading, Outlook gets a
fixed-width card, dark-mode clients get the light-only hint, and the text part's signature
delimiter is "-- " (RFC 3676)."""

import html as html_module
import re

import pytest

from tests.channels.helpers import serious_violations

pytestmark = pytest.mark.smtp

MSO_OPEN = (
    '<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" '
    'cellspacing="0" border="0"><tr><td><![endif]-->'
)
MSO_CLOSE = "<!--[if mso]></td></tr></table><![endif]-->"
LINK = re.compile(r'<a href="[^"]+\?score=(\d+)" title="([^"]+)" aria-label="([^"]+)"')

ENDS = {
    "nl": ("Helemaal niet waarschijnlijk", "Zeer waarschijnlijk"),
    "en": ("Not at all likely", "Extremely likely"),
}


def _message(api, survey_id, smtp_server, locale="nl", customer=None):
    customer = customer or f"klant-{locale}"
    body = {"external_id": customer, "email": f"{customer}@example.nl", "locale": locale}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    invite = {"customer": customer, "survey_id": survey_id, "channel": "email"}
    assert api.post("/api/v1/invitations", json=invite).status_code == 202
    return smtp_server.messages[-1]


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_end_labels_come_before_the_score_links(api, survey, smtp_server, locale):
    html = _html(_message(api, survey["id"], smtp_server, locale))
    low, high = ENDS[locale]
    row = f"0 = {low} &nbsp;·&nbsp; 10 = {high}"
    assert html.count(row) == 1  # once, above the links: no second row below them
    first_link = LINK.search(html)
    assert first_link is not None and first_link.group(1) == "0"
    assert html.index(row) < first_link.start()
    assert html.index(row) > html.index("</h1>")  # after the question it explains


@pytest.mark.parametrize(
    ("locale", "formal", "names"),
    [
        ("nl", False, ("0 – helemaal niet waarschijnlijk", "10 – zeer waarschijnlijk")),
        ("nl", True, ("0 – helemaal niet waarschijnlijk", "10 – zeer waarschijnlijk")),
        ("en", False, ("0 – not at all likely", "10 – extremely likely")),
    ],
)
def test_the_lowest_and_highest_links_carry_their_end_labels(
    api, survey, smtp_server, locale, formal, names
):
    if formal:
        assert api.patch("/api/v1/brand", json={"formal_address": True}).status_code == 200
    links = LINK.findall(_html(_message(api, survey["id"], smtp_server, locale)))
    assert [score for score, _, _ in links] == [str(n) for n in range(11)]
    assert all(title == label for _, title, label in links)  # title: clients drop aria-label
    assert (links[0][2], links[10][2]) == names
    # the scores between keep their name, and every name starts with the visible digit
    middle = "5 – op een schaal van 0 tot 10" if locale == "nl" else "5 – on a scale of 0 to 10"
    assert links[5][2] == middle
    assert all(label.startswith(score + " ") for score, _, label in links)


def test_a_shorter_scale_names_its_own_ends(api, journey, smtp_server):
    from tests.conftest import new_survey

    ces = [
        {"key": "ces", "type": "ces", "required": True, "text": {"nl": "Moeite?", "en": "Effort?"}}
    ]
    survey = new_survey(api, journey["id"], phase="aankoop", questions=ces)
    html = _html(_message(api, survey["id"], smtp_server, "en"))
    links = LINK.findall(html)
    assert [score for score, _, _ in links] == [str(n) for n in range(1, 8)]
    assert links[0][2] == "1 – very little effort"
    assert links[-1][2] == "7 – a great deal of effort"
    assert html.index("1 = Very little effort") < html.index("?score=1")


@pytest.mark.parametrize(
    ("locale", "question"), [("nl", "Hoe waarschijnlijk…?"), ("en", "How likely…?")]
)
def test_the_question_is_a_heading_and_the_page_reads_left_to_right(
    api, survey, smtp_server, locale, question
):
    html = _html(_message(api, survey["id"], smtp_server, locale))
    assert f'<html lang="{locale}" dir="ltr">' in html
    headings = re.findall(r"<h1 style=\"([^\"]*)\">(.*?)</h1>", html, flags=re.S)
    assert len(headings) == 1
    style, text = headings[0]
    assert html_module.unescape(text).startswith(question)
    assert "margin:0" in style  # looks as the bold cell did: no heading margins
    assert "font-size:17px" in style and "font-weight:bold" in style


def test_the_question_heading_is_escaped(api, journey, smtp_server):
    from tests.conftest import new_survey

    questions = [{"key": "nps", "type": "nps", "text": {"nl": "<b>Aanraden</b> & delen?"}}]
    survey = new_survey(api, journey["id"], phase="aankoop", questions=questions)
    html = _html(_message(api, survey["id"], smtp_server))
    assert ">&lt;b&gt;Aanraden&lt;/b&gt; &amp; delen?</h1>" in html
    assert "<b>Aanraden" not in html  # the preheader carries it escaped too


def test_the_inbox_preview_is_the_question(api, survey, smtp_server):
    """Without a preheader the inbox showed the brand's name again after the subject."""
    html = _html(_message(api, survey["id"], smtp_server))
    body = html.split("<body", 1)[1].split(">", 1)[1]
    preheader = re.match(r"\s*<div style=\"display:none;[^\"]*\">([^<]*)</div>", body)
    heading = re.search(r"<h1 [^>]*>([^<]*)</h1>", html).group(1)
    assert preheader and preheader.group(1) == heading


def test_outlook_gets_a_fixed_width_card_and_clients_the_light_only_hint(api, survey, smtp_server):
    html = _html(_message(api, survey["id"], smtp_server))
    assert html.count(MSO_OPEN) == 1 and html.count(MSO_CLOSE) == 1
    card = html.index('style="max-width:600px;background:#ffffff;')
    footer = html.index("Geen uitnodigingen meer ontvangen")
    # the card and the footer under it, both max-width:600px, inside the Outlook-only table
    assert html.index(MSO_OPEN) < card < footer < html.index(MSO_CLOSE)
    head = html[: html.index("</head>")]
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert styles == [":root{color-scheme:light only;supported-color-schemes:light only}"]
    assert "<style>" in head
    assert '<meta name="color-scheme" content="light only">' in head
    # nothing is loaded from elsewhere: no stylesheet, font, image or script
    assert not re.search(r"<(link|img|script)\b|@import|@font-face|url\(", html)


def test_score_links_fill_their_cells_with_a_border_not_padding(api, survey, smtp_server):
    """Word ignores a link's padding and display:block; the room around the digit is a border
    in the brand colour, drawn on the link itself."""
    html = _html(_message(api, survey["id"], smtp_server))
    cells = re.findall(
        r'<td align="center" height="40"[^>]*bgcolor="(#[0-9a-f]{6})"[^>]*>'
        r'<a href="[^"]+\?score=\d+"[^>]*style="([^"]*)"',
        html,
    )
    assert len(cells) == 11
    for colour, style in cells:
        assert "padding" not in style
        assert f"border-top:10px solid {colour}" in style
        assert f"border-bottom:10px solid {colour}" in style


def test_the_text_part_signs_off_with_dash_dash_space(api, survey, smtp_server):
    message = _message(api, survey["id"], smtp_server)
    text = message.get_body(("plain",)).get_content()  # as the receiver decodes it
    lines = text.splitlines()
    assert lines.count("-- ") == 1
    assert "--" not in lines
    signature = lines.index("-- ")
    assert lines[signature + 1] == "Je krijgt deze e-mail omdat je klant bent van Testbad."
    assert lines[signature + 2].startswith("Geen uitnodigingen meer ontvangen: http")
    assert lines[signature - 1] == ""


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_a_screen_reader_hears_the_ends_before_the_links(api, survey, smtp_server, browser, locale):
    html = _html(_message(api, survey["id"], smtp_server, locale))
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.set_content(html)
    assert serious_violations(page) == []
    heading = page.get_by_role("heading", level=1)
    assert heading.count() == 1
    low, high = ENDS[locale]
    order = page.evaluate(
        """([low, first]) => {
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            let label = -1, link = -1, i = 0;
            while (walker.nextNode()) {
                const node = walker.currentNode;
                if (label < 0 && node.textContent.includes(low)) label = i;
                if (link < 0 && node.parentElement.matches(first)) link = i;
                i++;
            }
            return [label, link];
        }""",
        [f"0 = {low}", 'a[href*="score=0"]'],
    )
    assert 0 <= order[0] < order[1]
    ends = [f"0 – {low[0].lower()}{low[1:]}", f"10 – {high[0].lower()}{high[1:]}"]
    for name in ends:
        assert page.get_by_role("link", name=name, exact=True).count() == 1
    # the whole visible button is the link: the link's box fills its cell inside the edge
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('a[href*="score="]')].map(a => {
            const link = a.getBoundingClientRect(), cell = a.parentElement.getBoundingClientRect();
            return [link.width, link.height, cell.width, cell.height];
        })"""
    )
    assert len(boxes) == 11
    for width, height, cell_width, cell_height in boxes:
        assert width >= cell_width - 2.5 and height >= cell_height - 2.5  # all but the 1px edge
    page.close()


def test_an_end_label_that_starts_with_a_name_keeps_its_capitals():
    from app.services import invitation_mail

    words = {"email_score_end": "{value} – {label}", "email_score_link": "{value} of {high}"}
    question = {"scale": [0, 10], "labels": ["Helemaal niet", "IKEA-klant voor altijd"]}
    assert invitation_mail._score_name(0, question, words) == "0 – helemaal niet"
    assert invitation_mail._score_name(10, question, words) == "10 – IKEA-klant voor altijd"


@pytest.mark.parametrize("kind", ["choice", "emotion"])
def test_the_text_part_lists_each_option_with_its_link(api, journey, smtp_server, kind):
    """A reader of the plain-text part answers a choice in one click, as the HTML part's
    buttons let them; a scale keeps its one link (eleven URLs would bury the message)."""
    from tests.conftest import new_survey

    question = {"key": "q", "type": kind, "required": True, "text": {"nl": "Wat telde?"}}
    if kind == "choice":
        question["options"] = [
            {"key": "prijs", "label": {"nl": "De prijs"}},
            {"key": "advies", "label": {"nl": "Het advies"}},
        ]
    survey = new_survey(api, journey["id"], phase="aankoop", questions=[question])
    message = _message(api, survey["id"], smtp_server)
    text = message.get_body(("plain",)).get_content()
    html = _html(message)
    options = re.findall(r"^- (.+): (http\S+)\s*$", text, flags=re.M)
    assert options and all(url in html_module.unescape(html) for _, url in options)
    if kind == "choice":
        assert [label for label, _ in options] == ["De prijs", "Het advies"]
        assert [url.rsplit("=", 1)[1] for _, url in options] == ["prijs", "advies"]
    assert text.index("Wat telde?") < text.index(options[0][1])


def test_the_text_part_of_a_scale_keeps_one_link(api, survey, smtp_server):
    text = _message(api, survey["id"], smtp_server).get_body(("plain",)).get_content()
    assert "?score=" not in text and not re.search(r"^- ", text, flags=re.M)


@pytest.mark.parametrize(
    ("locale", "length"),
    [
        ("nl", "Het zijn hooguit drie korte vragen."),
        ("en", "It's no more than three short questions."),
    ],
)
def test_the_text_part_says_how_short_the_survey_is_as_the_html_does(
    api, survey, smtp_server, locale, length
):
    """The English text part said "It is three short questions at most." where the HTML said
    "It's no more than three short questions.": one promise, worded once."""
    message = _message(api, survey["id"], smtp_server, locale)
    text = message.get_body(("plain",)).get_content()
    assert length in html_module.unescape(_html(message))
    assert length in text and "at most" not in text
