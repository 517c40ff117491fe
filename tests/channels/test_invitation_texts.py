"""A survey's own subject and opening for its invitation and reminder (`email_texts`, per
language), the first name that greets a customer, and Phasewise's texts unchanged where
neither is given. Plain text everywhere: escaped in HTML, one line in the Subject."""

from email import message_from_bytes
from email.policy import default

import pytest

from app.extensions import db
from app.models import Brand, Invitation, Survey
from app.services import invitation_mail
from tests.channels.helpers import assert_error

pytestmark = pytest.mark.smtp

OWN = {
    "nl": {
        "subject": "{first_name}, hoe bevalt je nieuwe bank van {brand}?",
        "intro": "Hallo {first_name},\nJe bank is bezorgd ({phase}). Wat vond je ervan?",
        "reminder_subject": "Nog even over je bank, {first_name}",
    },
    "en": {"subject": "How is your sofa?", "intro": "Dear {first_name}, tell {brand} about it."},
}


def set_texts(api, survey, texts):
    answer = api.patch(f"/api/v1/surveys/{survey['id']}", json={"email_texts": texts})
    assert answer.status_code == 200, answer.json
    return answer.json


def invite(api, survey, smtp_server, customer, locale="nl", first_name=None, formal=False):
    if formal:
        assert api.patch("/api/v1/brand", json={"formal_address": True}).status_code == 200
    body = {"external_id": customer, "email": f"{customer}@example.nl", "locale": locale}
    if first_name is not None:
        body["first_name"] = first_name
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    invitation = {"customer": customer, "survey_id": survey["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=invitation).status_code == 202
    message = smtp_server.messages[-1]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    return message["Subject"], html, text


DEFAULTS = {
    ("nl", False): (
        "Testbad: hoe was het? (Levering & montage)",
        "Hallo, we horen graag hoe het ging. Klik hieronder op je antwoord en verstuur het op de "
        "pagina die opent. Het zijn hooguit drie korte vragen.",
        "Hallo, we horen graag hoe het ging. Het zijn hooguit drie korte vragen.",
    ),
    ("nl", True): (
        "Testbad: hoe was het? (Levering & montage)",
        "Hallo, we horen graag hoe het ging. Klik hieronder op uw antwoord en verstuur het op de "
        "pagina die opent. Het zijn hooguit drie korte vragen.",
        "Hallo, we horen graag hoe het ging. Het zijn hooguit drie korte vragen.",
    ),
    ("en", False): (
        "Testbad: how did it go? (Delivery)",
        "Hello, we would love to hear how it went. Click your answer below, then send it on the "
        "page that opens. It's no more than three short questions.",
        "Hello, we would love to hear how it went. It's no more than three short questions.",
    ),
}


@pytest.mark.parametrize(("locale", "formal"), list(DEFAULTS))
def test_without_texts_or_a_name_the_email_is_as_it_was(api, survey, smtp_server, locale, formal):
    subject, html, text = invite(api, survey, smtp_server, "d-1", locale, formal=formal)
    default_subject, default_intro, default_text = DEFAULTS[(locale, formal)]
    assert subject == default_subject
    assert default_intro.replace("'", "&#39;") in html
    assert f"\n{default_text}\r\n" in text.replace("\r\n", "\n", 1)
    assert "first_name" not in html and "{" not in text


@pytest.mark.parametrize(("locale", "formal"), list(DEFAULTS))
def test_phasewise_greets_a_known_first_name(api, survey, smtp_server, locale, formal):
    subject, html, text = invite(api, survey, smtp_server, "d-2", locale, "Anna", formal)
    hello = "Hallo" if locale == "nl" else "Hello"
    assert f">{hello} Anna, we " in html and f"{hello} Anna, we " in text
    assert subject == DEFAULTS[(locale, formal)][0]  # the subject names no one


@pytest.mark.parametrize("formal", [False, True])
def test_the_surveys_own_texts_in_dutch_in_either_form_of_address(api, survey, smtp_server, formal):
    shown = set_texts(api, survey, OWN)
    assert shown["email_texts"]["nl"]["subject"] == OWN["nl"]["subject"]
    subject, html, text = invite(api, survey, smtp_server, "o-1", "nl", "Anna", formal)
    assert subject == "Anna, hoe bevalt je nieuwe bank van Testbad?"
    # the brand's words as written, whatever its form of address; its lines kept
    assert "Hallo Anna,<br>Je bank is bezorgd (Levering &amp; montage). Wat vond je ervan?" in html
    assert "Hallo Anna,\r\nJe bank is bezorgd (Levering & montage). Wat vond je ervan?" in text
    # what a click does, said under it in the brand's form of address; Phasewise's opening gone
    how = "Klik hieronder op uw antwoord" if formal else "Klik hieronder op je antwoord"
    assert how in html and "we horen graag" not in html and "we horen graag" not in text


def test_the_surveys_own_texts_in_english(api, survey, smtp_server):
    set_texts(api, survey, OWN)
    subject, html, text = invite(api, survey, smtp_server, "o-2", "en", "Bram")
    assert subject == "How is your sofa?"
    assert "Dear Bram, tell Testbad about it." in html and "Dear Bram, tell Testbad" in text
    assert "Click your answer below, then send it on the page that opens." in html


def test_an_unknown_first_name_is_left_out_as_documented(api, survey, smtp_server):
    set_texts(api, survey, OWN)
    subject, html, text = invite(api, survey, smtp_server, "o-3", "nl")
    assert subject == "Hoe bevalt je nieuwe bank van Testbad?"  # at the start: comma and all
    assert "Hallo,<br>Je bank is bezorgd" in html and "Hallo,\r\nJe bank" in text


def test_the_reminder_takes_its_own_texts_else_phasewises(api, survey, brand, smtp_server):
    set_texts(api, survey, OWN)
    invite(api, survey, smtp_server, "o-4", "nl", "Anna")
    invite(api, survey, smtp_server, "o-5", "en", "Bram")
    brand_row = db.session.get(Brand, brand.id)
    nl, en = db.session.query(Invitation).order_by(Invitation.id).all()
    reminder = invitation_mail.build(brand_row, nl, "token", reminder=True)
    assert reminder["Subject"] == "Nog even over je bank, Anna"
    assert "we vroegen je onlangs" in reminder.get_body(("html",)).get_content()  # no own opening
    english = invitation_mail.build(brand_row, en, "token", reminder=True)
    assert english["Subject"] == "Testbad: we would still love to hear how it went (Delivery)"


def test_texts_are_plain_text_everywhere(api, survey, smtp_server):
    own = {
        "nl": {
            "subject": "<b>Bank</b> & {brand}",
            "intro": '<img src="https://evil.example/p.gif"><script>alert(1)</script> & {brand}',
        }
    }
    set_texts(api, survey, own)
    # a brand and first name that look like markup and placeholders stay what they are
    assert api.patch("/api/v1/brand", json={"name": "Bad & <Co>"}).status_code == 200
    subject, html, text = invite(api, survey, smtp_server, "o-6", "nl", "{brand}<i>")
    assert subject == "<b>Bank</b> & Bad & <Co>"
    assert 'evil.example/p.gif"' not in html and "<script>" not in html
    assert "&lt;img src=&#34;https://evil.example/p.gif&#34;&gt;&lt;script&gt;" in html
    assert '<img src="https://evil.example/p.gif"><script>alert(1)</script> & Bad & <Co>' in text


def test_one_subject_header_on_one_line(api, survey, smtp_server):
    set_texts(api, survey, {"nl": {"subject": "Ø " * 65 + "{first_name}"}})
    invite(api, survey, smtp_server, "o-7", "nl", "Anna")
    raw = smtp_server.envelopes[-1].content
    parsed = message_from_bytes(raw, policy=default)
    assert len(parsed.get_all("Subject")) == 1 and parsed.get_all("Bcc") is None
    assert parsed["Subject"] == "Ø " * 65 + "Anna"


@pytest.mark.parametrize(
    ("texts", "field"),
    [
        ({"nl": {"subject": "Hoi\r\nBcc: x@example.com"}}, "email_texts.nl.subject"),
        ({"nl": {"subject": "Hoi\n"}}, "email_texts.nl.subject"),
        ({"nl": {"reminder_subject": "x" * 151}}, "email_texts.nl.reminder_subject"),
        ({"en": {"intro": "x" * 1001}}, "email_texts.en.intro"),
        ({"en": {"intro": "Hi\x00"}}, "email_texts.en.intro"),
        ({"nl": {"intro": "Hallo {voornaam},"}}, "email_texts.nl.intro"),
        ({"nl": {"subject": "{ first_name }"}}, "email_texts.nl.subject"),
        ({"nl": {"subject": "\u202eknab"}}, "email_texts.nl.subject"),
        ({"nl": {"opening": "Hallo"}}, "email_texts.nl.opening"),
        ({"de": {"subject": "Hallo"}}, "email_texts.de"),
        ({"nl": {"subject": 7}}, "email_texts.nl.subject"),
        ({"nl": "Hallo"}, "email_texts.nl"),
    ],
)
def test_a_bad_text_is_422_and_nothing_is_stored(api, survey, texts, field):
    set_texts(api, survey, OWN)
    answer = api.patch(f"/api/v1/surveys/{survey['id']}", json={"email_texts": texts, "name": "x"})
    assert field in assert_error(answer, 422, "validation_error")["fields"], answer.json
    db.session.expire_all()
    row = db.session.get(Survey, survey["id"])
    assert row.email_texts == OWN and row.name != "x"


def test_an_unknown_placeholder_is_named(api, survey):
    answer = api.patch(
        f"/api/v1/surveys/{survey['id']}", json={"email_texts": {"nl": {"intro": "Dag {naam}"}}}
    )
    message = answer.json["error"]["fields"]["email_texts.nl.intro"][0]
    assert "{naam}" in message and "{first_name}, {brand}, {phase}" in message


def test_blank_texts_and_null_are_phasewises_again(api, survey, smtp_server):
    set_texts(api, survey, OWN)
    blank = set_texts(api, survey, {"nl": {"subject": "  ", "intro": ""}, "en": None})
    assert blank["email_texts"] is None
    set_texts(api, survey, {"en": {"subject": " Hi "}})
    assert api.get(f"/api/v1/surveys/{survey['id']}").json["email_texts"] == {
        "en": {"subject": "Hi"}
    }
    assert set_texts(api, survey, None)["email_texts"] is None
    subject, _, _ = invite(api, survey, smtp_server, "o-8", "nl")
    assert subject == DEFAULTS[("nl", False)][0]


def test_a_new_version_keeps_the_texts(api, journey, smtp_server):
    from tests.conftest import new_survey

    created = new_survey(api, journey["id"])
    set_texts(api, created, OWN)
    answer = {"survey_id": created["id"], "answers": {"nps": 9}}
    assert api.post("/api/v1/responses", json=answer).status_code == 202
    shown = api.get(f"/api/v1/surveys/{created['id']}").json["questions"]
    questions = [{key: value for key, value in q.items() if value is not None} for q in shown]
    questions[0]["text"] = {"nl": "Zou u ons aanraden?", "en": "Would you recommend us?"}
    edited = api.patch(f"/api/v1/surveys/{created['id']}", json={"questions": questions})
    version = edited.json
    assert edited.status_code == 200, version
    assert version["id"] != created["id"] and version["email_texts"] == OWN
