"""The brand's logo (`logo_url`, https only) heads its invitations and reminders in place of its
name: alt text the name, its size capped whatever the image is, the plain-text part unchanged.
A refused URL is a 422 and nothing is stored."""

import re

import pytest

from app.extensions import db
from app.models import Brand
from tests.channels.helpers import assert_error

pytestmark = pytest.mark.smtp

LOGO = "https://www.testbad.example/img/logo.png?v=2&size=big"
IMG = re.compile(r"<img [^>]*>")


def invited(api, survey, smtp_server, customer="logo-1"):
    body = {"external_id": customer, "email": f"{customer}@example.nl", "locale": "nl"}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    invite = {"customer": customer, "survey_id": survey["id"], "channel": "email"}
    assert api.post("/api/v1/invitations", json=invite).status_code == 202
    message = smtp_server.messages[-1]
    return message.get_body(("html",)).get_content(), message.get_body(("plain",)).get_content()


def stored_logo(brand):
    db.session.expire_all()
    return db.session.get(Brand, brand.id).logo_url


def test_the_logo_heads_the_invitation_with_the_name_as_alt_text(api, survey, brand, smtp_server):
    answer = api.patch("/api/v1/brand", json={"logo_url": LOGO, "name": "Testbad & Zonen"})
    assert answer.status_code == 200 and answer.json["logo_url"] == LOGO
    html, text = invited(api, survey, smtp_server)
    (img,) = IMG.findall(html)
    assert 'src="https://www.testbad.example/img/logo.png?v=2&amp;size=big"' in img
    assert 'alt="Testbad &amp; Zonen"' in img
    # a 4000-pixel banner stays within the card: capped in CSS, and in height for Outlook
    assert 'height="60"' in img and "max-width:200px;max-height:60px" in img
    assert html.index("<img ") < html.index("<h1")
    # the name is the alt text now, not a line of its own above the question
    assert 'font-weight:bold;color:#0b6e4f;">Testbad &amp; Zonen</td>' not in html
    assert "testbad.example" not in text and text.startswith("Testbad & Zonen\r\n")  # as before


def test_without_a_logo_the_email_has_no_image(api, survey, smtp_server):
    html, _ = invited(api, survey, smtp_server)
    assert "<img" not in html and ">Testbad</td>" in html


def test_the_reminder_carries_the_logo_too(api, survey, brand, smtp_server):
    from app.models import Invitation
    from app.services import invitation_mail

    db.session.get(Brand, brand.id).logo_url = LOGO
    db.session.commit()
    body = {"external_id": "logo-r", "email": "logo-r@example.nl"}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)
    invite = {"customer": "logo-r", "survey_id": survey["id"], "channel": "email"}
    invitation = db.session.get(Invitation, api.post("/api/v1/invitations", json=invite).json["id"])
    brand_row = db.session.get(Brand, brand.id)
    message = invitation_mail.build(brand_row, invitation, "token", reminder=True)
    assert IMG.findall(message.get_body(("html",)).get_content())


@pytest.mark.parametrize(
    "url",
    [
        "http://www.testbad.example/logo.png",  # mixed content in webmail
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://www.testbad.example/logo.png",
        "https://user:secret@www.testbad.example/logo.png",
        "https://www.testbad.example/logo.png\nBcc: x@example.com",
        "logo.png",
        "https://www.testbad.example/" + "x" * 500,
    ],
)
def test_a_refused_logo_is_422_and_nothing_is_stored(api, brand, url):
    assert api.patch("/api/v1/brand", json={"logo_url": LOGO}).status_code == 200
    answer = api.patch("/api/v1/brand", json={"logo_url": url, "name": "Anders"})
    assert "logo_url" in assert_error(answer, 422, "validation_error")["fields"]
    assert stored_logo(brand) == LOGO
    assert db.session.get(Brand, brand.id).name == "Testbad"


def test_null_takes_the_logo_away_and_the_scheme_is_stored_in_lower_case(api, brand):
    shouted = "HTTPS://www.testbad.example/logo.png"
    assert api.patch("/api/v1/brand", json={"logo_url": shouted}).json["logo_url"] == (
        "https://www.testbad.example/logo.png"
    )
    assert api.patch("/api/v1/brand", json={"logo_url": None}).json["logo_url"] is None
    assert stored_logo(brand) is None
