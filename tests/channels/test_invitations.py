"""Email invitations end to end with a real SMTP server (aiosmtpd): send, open, answer once."""

import re
from datetime import datetime, timedelta

import pytest

from app import timestamps
from app.models import Contact, Customer, Invitation, Response
from app.models.base import utcnow
from app.services import hosted, invitations, mailer
from tests.channels.helpers import (
    Peers,
    SlowFor,
    assert_error,
    form_fields,
    link_path,
)

pytestmark = pytest.mark.smtp


@pytest.fixture
def customer(api):
    response = api.post(
        "/api/v1/customers",
        json={"external_id": "klant-1", "email": "Anna@Example.NL", "locale": "nl"},
    )
    assert response.status_code == 201, response.json
    return response.json


def invite(api, survey, customer="klant-1", headers=None, **extra):
    return api.post(
        "/api/v1/invitations",
        json={"customer": customer, "survey_id": survey["id"], "channel": "email", **extra},
        headers=headers,
    )


def test_one_click_unsubscribe_is_offered_over_https(
    app, api, survey, customer, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://feedback.example.com")
    assert invite(api, survey).status_code == 202
    [message] = smtp_server.messages
    assert str(message["List-Unsubscribe"]).startswith("<https://feedback.example.com/u/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_reply_reaches_the_brand_not_the_sender_address(
    api, brand, survey, customer, smtp_server, db
):
    assert invite(api, survey).status_code == 202
    assert smtp_server.messages[0]["Reply-To"] is None  # none set: no Reply-To
    db.session.get(type(brand), brand.id).reply_to = "klantenservice@testbad.example"
    db.session.commit()
    api.post("/api/v1/customers", json={"external_id": "k2", "email": "k2@example.nl"})
    assert invite(api, survey, customer="k2").status_code == 202
    assert smtp_server.messages[1]["Reply-To"] == "klantenservice@testbad.example"


def score_links(message) -> list[str]:
    html = message.get_body(("html",)).get_content()
    return re.findall(r'href="([^"]+/s/[^"?]+\?score=\d+)"', html)


def test_email_arrives_with_the_first_question_inside(api, survey, customer, smtp_server, db):
    response = invite(api, survey)
    assert response.status_code == 202, response.json
    assert response.json["status"] in ("queued", "sent")  # inline jobs may have sent it already
    invitation = db.session.get(Invitation, response.json["id"])
    assert invitation.status == "sent"  # inline jobs: sent right after the commit
    assert invitation.sent_at is not None

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["anna@example.nl"]
    [message] = smtp_server.messages
    assert message["Subject"] == "Testbad: hoe was het? (Levering & montage)"
    assert str(message["List-Unsubscribe"]).strip().startswith("<http")
    # one-click (RFC 8058) needs an https link: over http the link alone
    assert message["List-Unsubscribe-Post"] is None
    # as sent: one plain <URL> (RFC 2369), not RFC 2047 encoded words, which mail providers
    # do not decode there (a long token made Python fold it so), and no line over 998 bytes
    raw = envelope.content.replace(b"\r\n", b"\n")
    [header] = re.findall(rb"^List-Unsubscribe: (.*(?:\n[ \t].*)*)", raw, re.M)
    assert re.fullmatch(rb"<http://127\.0\.0\.1:5000/u/[A-Za-z0-9._-]+\?lang=nl>", header), header
    # only that header is left long: every other header and the body keep to 78 (RFC 5322's
    # advice, and quoted-printable's 76), so no relay rewraps or rejects them
    assert all(
        len(line) <= 78 for line in raw.split(b"\n") if not line.startswith(b"List-Unsubscribe:")
    )
    text = message.get_body(("plain",)).get_content()
    assert "Hoe waarschijnlijk" in text
    html = message.get_body(("html",)).get_content()
    # inline CSS; the one <style> block only repeats the light colour-scheme hint
    assert re.findall(r"<style[^>]*>(.*?)</style>", html, re.S) == [
        ":root{color-scheme:light only;supported-color-schemes:light only}"
    ]
    assert 'style="' in html
    links = score_links(message)
    assert [link.rsplit("=", 1)[1] for link in links] == [str(n) for n in range(11)]


def test_get_records_nothing_post_records_once_reuse_is_rejected(
    api, client, survey, customer, smtp_server, db, count_rows
):
    invite(api, survey)
    nine = link_path(score_links(smtp_server.messages[0])[9])

    page = client.get(nine)  # what a link scanner or the customer's first click does
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="9" checked' in html
    assert "<script" not in html  # works without JavaScript
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "nonce-" in page.headers["Content-Security-Policy"]
    client.get(nine)
    assert count_rows(Response) == 0

    path = nine.split("?")[0]
    answer = client.post(
        path,
        data={**form_fields(html), "q_nps": "9", "q_why": "Keurig", "review_consent": "yes"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Bedankt" in answer.get_data(as_text=True)
    assert "punten verdiend" in answer.get_data(as_text=True)  # loyalty's default policy
    [stored] = db.session.query(Response).all()
    assert stored.channel == "email"
    assert stored.customer.external_id == "klant-1"
    assert stored.answers == {"nps": 9, "why": "Keurig"}
    assert stored.review_request == {"consent": True}
    assert stored.status == "processed"
    invitation = db.session.query(Invitation).one()
    assert invitation.used_at is not None and invitation.response_id == stored.id

    again = client.post(path, data={**form_fields(html), "q_nps": "3"})
    assert again.status_code == 409
    assert "al binnen" in again.get_data(as_text=True)
    assert client.get(nine).status_code == 409
    assert count_rows(Response) == 1


def test_tampered_token_gets_a_clear_page_and_stores_nothing(
    api, client, survey, customer, smtp_server, count_rows
):
    invite(api, survey)
    link = link_path(score_links(smtp_server.messages[0])[7]).split("?")[0]
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    page = client.get(tampered, headers={"Accept-Language": "en"})
    assert page.status_code == 404
    assert "This link does not work" in page.get_data(as_text=True)
    csrf = form_fields(client.get(link).get_data(as_text=True))
    response = client.post(tampered, data={**csrf, "q_nps": "7"})
    assert response.status_code == 404
    assert count_rows(Response) == 0


def test_expired_token_page_in_the_customers_language(
    app, api, client, survey, smtp_server, count_rows, monkeypatch
):
    api.post("/api/v1/customers", json={"external_id": "c-en", "email": "e@x.nl", "locale": "en"})
    invite(api, survey, customer="c-en")
    link = link_path(score_links(smtp_server.messages[0])[8])
    html = client.get(link).get_data(as_text=True)
    _expire_all_invitations(timedelta(seconds=1))
    page = client.get(link)
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)
    response = client.post(link.split("?")[0], data={**form_fields(html), "q_nps": "8"})
    assert response.status_code == 410
    assert count_rows(Response) == 0
    # the token's own, outer bound says the same
    monkeypatch.setitem(app.config, "INVITATION_TOKEN_DAYS", -3)
    assert client.get(link).status_code == 410


def _expire_all_invitations(ago: timedelta) -> None:
    from app.extensions import db

    for invitation in db.session.query(Invitation):
        invitation.expires_at = utcnow() - ago
    db.session.commit()


def test_the_link_works_to_the_end_of_the_day_the_email_names(
    app, api, client, brand, survey, smtp_server
):
    """Sent at 10:00, "works until 4 February" meant until 10:00 on the 4th: now all of it,
    where the brand is."""
    from app.extensions import db

    api.post("/api/v1/customers", json={"external_id": "c-1", "email": "c1@x.nl"})
    invite(api, survey, customer="c-1")
    invitation = db.session.query(Invitation).one()
    sent = invitation.sent_at
    last_day = (sent + timedelta(days=30, hours=1)).date()  # Amsterdam is UTC+1 or +2
    expected = invitations.link_expiry(brand, sent)
    assert invitation.expires_at == expected
    assert timestamps.local_day(expected, "Europe/Amsterdam") in (
        last_day,
        (sent + timedelta(days=30, hours=2)).date(),
    )
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert (
        f"Deze link werkt tot {timestamps.date_text(expected, 'nl', 'Europe/Amsterdam')}." in text
    )
    link = link_path(score_links(smtp_server.messages[0])[8])
    invitation.expires_at = utcnow() + timedelta(minutes=1)  # the last minute of that day
    db.session.commit()
    assert client.get(link).status_code == 200


@pytest.mark.parametrize(
    ("sent", "zone", "expires"),
    [
        # 00:30 on 6 January in Amsterdam: 30 days on is 5 February there, to its end
        (
            datetime(2027, 1, 5, 23, 30),
            "Europe/Amsterdam",
            datetime(2027, 2, 5, 22, 59, 59, 999999),
        ),
        (datetime(2027, 1, 5, 10, 0), "Europe/Amsterdam", datetime(2027, 2, 4, 22, 59, 59, 999999)),
        # the days across the clocks going forward: the last day ends at 22:00 UTC
        (
            datetime(2027, 3, 1, 10, 0),
            "Europe/Amsterdam",
            datetime(2027, 3, 31, 21, 59, 59, 999999),
        ),
        (datetime(2027, 1, 5, 10, 0), "America/Curacao", datetime(2027, 2, 5, 3, 59, 59, 999999)),
    ],
)
def test_link_expiry_in_the_brands_zone(app, brand, sent, zone, expires):
    brand.time_zone = zone
    assert invitations.link_expiry(brand, sent) == expires


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("nl", "Deze link werkt tot 5 januari 2027."),
        ("en", "This link works until 5 January 2027."),
    ],
)
def test_expiry_date_is_written_out_in_the_emails_language(
    app, api, survey, smtp_server, db, locale, expected
):
    from datetime import datetime

    from app.models import Brand
    from app.services import invitation_mail

    api.post("/api/v1/customers", json={"external_id": "k", "email": "k@x.nl", "locale": locale})
    invite(api, survey, customer="k")
    sent = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert not re.search(r"\d{4}-\d{2}-\d{2}", sent), sent  # no ISO date reaches a customer
    invitation = db.session.query(Invitation).one()
    invitation.expires_at = datetime(2027, 1, 5, 22, 59)  # 23:59 in Amsterdam
    with app.test_request_context():
        message = invitation_mail.build(db.session.query(Brand).one(), invitation, "token")
    assert expected in message.get_body(("plain",)).get_content()
    assert expected in message.get_body(("html",)).get_content()


@pytest.mark.parametrize("key", [None, "", "forged", "another page's"])
def test_a_post_without_its_form_key_keeps_the_answers_and_stores_nothing(
    api, client, survey, customer, smtp_server, db, key
):
    """A scanner posting to a link stores nothing; a customer whose key failed (a page open
    for over a week) gets the page back with their answers, and one more click sends them."""
    invite(api, survey)
    link = link_path(score_links(smtp_server.messages[0])[9]).split("?")[0]
    form = {"q_nps": "4", "q_why": "Monteur <kwam> te laat"}
    if key == "another page's":
        form["form_key"] = hosted.form_key("some-other-token")
    elif key is not None:
        form["form_key"] = key
    response = client.post(link, data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Je antwoorden staan er nog: klik nog een keer op Versturen." in html
    assert 'value="4" checked' in html and "Monteur &lt;kwam&gt; te laat</textarea>" in html
    assert db.session.query(Response).count() == 0
    again = client.post(link, data={**form, **form_fields(html)})
    assert again.status_code == 200
    assert db.session.query(Response).count() == 1


def test_a_page_open_longer_than_a_week_asks_to_send_again(
    app, api, client, survey, customer, smtp_server, db, monkeypatch
):
    invite(api, survey)
    link = link_path(score_links(smtp_server.messages[0])[9]).split("?")[0]
    fields = form_fields(client.get(link).get_data(as_text=True))
    monkeypatch.setattr(hosted, "FORM_KEY_SECONDS", -1)
    assert client.post(link, data={**fields, "q_nps": "9"}).status_code == 400
    assert db.session.query(Response).count() == 0


def test_a_browser_without_cookies_answers(api, app, survey, customer, smtp_server, db):
    invite(api, survey)
    link = link_path(score_links(smtp_server.messages[0])[9]).split("?")[0]
    first, second = app.test_client(use_cookies=False), app.test_client(use_cookies=False)
    fields = form_fields(first.get(link).get_data(as_text=True))
    assert second.post(link, data={**fields, "q_nps": "9"}).status_code == 200
    assert db.session.query(Response).count() == 1


def test_invalid_answers_rerender_the_form_and_store_nothing(
    api, client, survey, customer, smtp_server, count_rows
):
    invite(api, survey)
    link = link_path(score_links(smtp_server.messages[0])[9]).split("?")[0]
    fields = form_fields(client.get(link).get_data(as_text=True))
    for bad in ({"q_nps": "11"}, {"q_nps": "abc"}, {"q_why": "zonder cijfer"}, {}):
        response = client.post(link, data={**fields, **bad})
        assert response.status_code == 422, bad
        assert 'role="alert"' in response.get_data(as_text=True)
    too_long = client.post(
        link, data={**fields, "q_nps": "5", "review_consent": "yes", "display_name": "x" * 61}
    )
    assert too_long.status_code == 422
    assert count_rows(Response) == 0


def test_user_text_is_escaped_in_email_and_page(api, client, survey, smtp_server, db):
    from app.models import Brand

    brand = db.session.query(Brand).one()
    brand.name = '<b>Bad & "Co"</b>'
    db.session.commit()
    api.post("/api/v1/customers", json={"external_id": "k", "email": "k@x.nl"})
    invite(api, survey, customer="k")
    message = smtp_server.messages[0]
    html = message.get_body(("html",)).get_content()
    assert "<b>Bad" not in html and "&lt;b&gt;Bad &amp;" in html
    page = client.get(link_path(score_links(message)[1])).get_data(as_text=True)
    assert "<b>Bad" not in page and "&lt;b&gt;Bad" in page


# --- unsubscribe -----------------------------------------------------------------------------


def test_unsubscribe_link_works_and_stops_further_emails(
    api, client, survey, customer, smtp_server, db, count_rows
):
    invite(api, survey)
    message = smtp_server.messages[0]
    url = link_path(str(message["List-Unsubscribe"]).strip().strip("<>"))
    page = client.get(url)
    assert page.status_code == 200
    assert "Afmelden" in page.get_data(as_text=True)
    assert db.session.query(Customer).one().unsubscribed_at is None  # GET changes nothing
    assert "Set-Cookie" not in page.headers  # its POST needs no session: the link is the key

    one_click = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert db.session.query(Customer).one().unsubscribed_at is not None

    contacts = count_rows(Contact)
    response = invite(api, survey)
    assert response.status_code == 202
    assert response.json["status"] == "skipped"
    assert response.json["skip_reason"] == "unsubscribed"
    assert len(smtp_server.envelopes) == 1
    assert count_rows(Contact) == contacts  # not an ask


def _unsubscribe_links(message) -> tuple[str, str]:
    """The footer link of the plain-text part and the List-Unsubscribe URL, as paths."""
    text = message.get_body(("plain",)).get_content()
    footer = re.search(r"(https?://\S+/u/\S+)", text).group(1)
    return link_path(footer), link_path(str(message["List-Unsubscribe"]).strip().strip("<>"))


def test_unsubscribe_pages_speak_the_emails_language(api, client, survey, smtp_server, db):
    """No stored locale, invited in English: the page and its confirmation are English too."""
    api.post("/api/v1/customers", json={"external_id": "k", "email": "k@x.nl"})
    invite(api, survey, customer="k", locale="en")
    message = smtp_server.messages[0]
    assert message["Subject"] == "Testbad: how did it go? (Delivery)"
    footer, header = _unsubscribe_links(message)
    assert footer == header and footer.endswith("?lang=en")
    page = client.get(footer).get_data(as_text=True)
    assert '<html lang="en">' in page and "Unsubscribe from invitations" in page
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    done = client.post(action).get_data(as_text=True)
    assert '<html lang="en">' in done and "You have been unsubscribed" in done
    assert db.session.query(Customer).one().unsubscribed_at is not None


def test_one_click_unsubscribe_to_the_header_url_still_works(api, client, survey, smtp_server, db):
    api.post("/api/v1/customers", json={"external_id": "k", "email": "k@x.nl"})
    invite(api, survey, customer="k", locale="en")
    _, header = _unsubscribe_links(smtp_server.messages[0])
    # RFC 8058: the mail provider POSTs this body to the header's URL, without cookies
    one_click = client.post(
        header,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    assert "You have been unsubscribed" in one_click.get_data(as_text=True)
    assert db.session.query(Customer).one().unsubscribed_at is not None


@pytest.mark.parametrize(
    ("stored", "accept", "expected"),
    [(None, "en-GB,en;q=0.9", "en"), (None, "de-DE", "nl"), (None, None, "nl"), ("nl", "en", "nl")],
)
def test_unsubscribe_page_without_lang_follows_the_browser_before_the_brand(
    api, client, survey, smtp_server, stored, accept, expected
):
    """A link without ?lang (older emails): the stored locale, else the browser's language,
    else the brand's default."""
    body = {"external_id": "k", "email": "k@x.nl", **({"locale": stored} if stored else {})}
    api.post("/api/v1/customers", json=body)
    invite(api, survey, customer="k")
    path = _unsubscribe_links(smtp_server.messages[0])[0].split("?")[0]
    headers = {"Accept-Language": accept} if accept else {}
    page = client.get(path, headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in page
    done = client.post(path, headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in done


def test_unsubscribe_form_keeps_the_pages_language(api, client, survey, customer, smtp_server):
    """A Dutch customer switching the page to English gets the confirmation in English."""
    invite(api, survey)
    path = _unsubscribe_links(smtp_server.messages[0])[0].split("?")[0]
    page = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Unsubscribe from invitations" in page
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    assert action.split("?")[0] == path and "lang=en" in action
    done = client.post(action.replace("&amp;", "&")).get_data(as_text=True)
    assert '<html lang="en">' in done and "You have been unsubscribed" in done


def test_bad_unsubscribe_token(client, db):
    response = client.get("/u/not-a-token", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    assert client.post("/u/not-a-token").status_code == 404


# --- contact budget, counts ------------------------------------------------------------------


def test_contact_budget_skips_a_second_invitation_and_counts_it(
    api, survey, customer, smtp_server, db
):
    assert invite(api, survey).json["status"] == "sent"
    second = invite(api, survey)
    assert second.status_code == 202
    assert second.json["status"] == "skipped"
    assert second.json["skip_reason"] == "min_days_between"
    assert len(smtp_server.envelopes) == 1

    listing = api.get("/api/v1/invitations").json
    assert listing["counts"]["sent"] == 1
    assert listing["counts"]["skipped"] == 1
    assert listing["counts"]["skipped_by_reason"] == {"min_days_between": 1}
    assert [item["status"] for item in listing["items"]] == ["skipped", "sent"]
    skipped = api.get("/api/v1/invitations", query_string={"status": "skipped"}).json
    assert len(skipped["items"]) == 1

    # after the window the same customer may be invited again (to another phase's survey)
    for contact in db.session.query(Contact):
        contact.created_at -= timedelta(days=61)
    db.session.commit()
    assert invite(api, survey).json["status"] == "sent"
    assert len(smtp_server.envelopes) == 2


def test_invitations_page_with_cursor(api, survey, customer, smtp_server, db):
    from app.models import Brand

    brand = db.session.query(Brand).one()
    brand.contact_policy = {"min_days_between": 0, "max_per_journey": 0, "same_phase_days": 0}
    db.session.commit()
    for _ in range(3):
        invite(api, survey)
    first = api.get("/api/v1/invitations", query_string={"limit": 2}).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("/api/v1/invitations", query_string={"cursor": first["next_cursor"]}).json
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    one = api.get(f"/api/v1/invitations/{rest['items'][0]['id']}")
    assert one.status_code == 200 and one.json["answered"] is False


# --- bad input -------------------------------------------------------------------------------


BAD_INVITATIONS = [
    ({"customer": "nobody"}, 422, "customer"),
    ({"channel": "sms"}, 422, "channel"),
    ({"survey_id": "x"}, 422, "survey_id"),
    ({"locale": "de"}, 422, "locale"),
    ({"touchpoint": "Nergens"}, 422, "touchpoint"),
    ({"survey_id": 999_999}, 404, None),
]


def test_bad_invitations_store_nothing(api, survey, customer, count_rows):
    for body, status, field in BAD_INVITATIONS:
        response = api.post(
            "/api/v1/invitations", json={"customer": "klant-1", "survey_id": survey["id"], **body}
        )
        error = assert_error(response, status)
        if field:
            assert field in error["fields"], error
        assert count_rows(Invitation) == 0
        assert count_rows(Contact) == 0


def test_customer_without_email_is_422(api, survey, count_rows):
    api.post("/api/v1/customers", json={"external_id": "zonder-mail"})
    error = assert_error(invite(api, survey, customer="zonder-mail"), 422)
    assert "customer" in error["fields"]
    assert count_rows(Invitation) == 0


def test_other_brands_survey_and_invitation_are_404(
    api, survey, customer, other_brand, smtp_server, count_rows
):
    response = api.post(
        "/api/v1/invitations", json={"customer": "klant-1", "survey_id": other_brand["survey_id"]}
    )
    assert_error(response, 404)
    mine = invite(api, survey).json["id"]
    from tests.conftest import ApiClient

    other = ApiClient(api.client, other_brand["key"])
    assert_error(other.get(f"/api/v1/invitations/{mine}"), 404)
    assert other.get("/api/v1/invitations").json["items"] == []


def test_invitations_need_an_api_key(client, survey, count_rows):
    response = client.post("/api/v1/invitations", json={"customer": "x", "survey_id": 1})
    assert_error(response, 401)
    assert count_rows(Invitation) == 0


# --- SMTP trouble ----------------------------------------------------------------------------


def test_a_long_smtp_outage_keeps_invitations_queued_for_a_day(
    app, api, survey, customer, db, monkeypatch
):
    """Four tries within a seven-minute outage failed invitations for good; a server down or
    busy now fails one only after MAIL_RETRY_HOURS (a 5xx refusal still fails it at once)."""
    from datetime import timedelta

    from app.services import invitations, mailer

    def down(session, message):
        raise mailer.MailError("ConnectionRefusedError: [Errno 111] Connection refused")

    monkeypatch.setattr(mailer.Session, "send", down)
    invitation_id = invite(api, survey).json["id"]
    for _ in range(6):
        with pytest.raises(mailer.MailError):
            invitations.deliver(invitation_id)
    invitation = db.session.get(Invitation, invitation_id)
    assert (invitation.status, invitation.attempts) == ("queued", 7)
    invitation.created_at -= timedelta(hours=24)
    db.session.commit()
    assert invitations.deliver(invitation_id) == "failed"


def test_smtp_down_keeps_the_invitation_queued_and_the_sweep_sends_it(
    app, api, survey, customer, db, monkeypatch
):
    from tests.channels.helpers import Inbox, free_port

    port = free_port()  # nothing listens here yet
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    response = invite(api, survey)
    assert response.status_code == 202
    invitation = db.session.get(Invitation, response.json["id"])
    assert invitation.status == "queued"
    assert invitation.attempts == 1 and "Connection" in invitation.last_error

    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
        assert result.exit_code == 0, result.output
    finally:
        controller.stop()
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "sent"
    assert len(inbox.envelopes) == 1


def test_the_sweep_sends_what_it_cannot_queue_while_redis_is_down(
    app, api, survey, customer, db, smtp_server, monkeypatch
):
    """It only queued: with Redis down ("handled 0 of 6") nothing went out until Redis came
    back, though a sweep is what one runs when Redis was down."""
    from app.services import invitations

    monkeypatch.setattr(invitations, "enqueue", lambda ids: 0)  # Redis down: never queued
    invitation_id = invite(api, survey).json["id"]
    assert db.session.get(Invitation, invitation_id).status == "queued"
    result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
    assert result.exit_code == 0, result.output
    assert "handled 1 of 1 invitations" in result.output
    db.session.expire_all()
    assert db.session.get(Invitation, invitation_id).status == "sent"
    assert len(smtp_server.messages) == 1


def test_an_idempotency_key_makes_a_retry_find_the_first_invitation(
    api, survey, customer, db, smtp_server, count_rows
):
    """A 503 read back after the commit left the client not knowing: its retry made a second
    row (skipped by the contact budget, or a second email under a looser one)."""
    key = {"Idempotency-Key": "order-1001-levering"}
    first = invite(api, survey, headers=key)
    assert first.status_code == 202, first.json
    again = invite(api, survey, headers=key)
    assert again.status_code == 202
    assert again.json == {**first.json, "status": "sent"}  # the first, as it is now
    assert count_rows(Invitation) == 1 and len(smtp_server.messages) == 1

    other = invite(api, survey, headers=key, locale="en")
    assert other.status_code == 409
    assert other.json["error"]["code"] == "idempotency_conflict"
    too_long = invite(api, survey, headers={"Idempotency-Key": "k" * 129})
    assert too_long.status_code == 422
    assert too_long.json["error"]["fields"] == {"Idempotency-Key": ["1-128 characters"]}
    assert count_rows(Invitation) == 1 and len(smtp_server.messages) == 1


@pytest.mark.postgres
def test_the_same_key_sent_twice_at_once_makes_one_invitation(
    app, api, survey, customer, db, count_rows
):
    """Both requests miss the key, then wait for the customer's lock: the second's INSERT
    meets the unique key and it answers with the first."""
    from tests.conftest import Contenders

    body = {"customer": "klant-1", "survey_id": survey["id"], "channel": "email"}
    headers = {**api._headers(None), "Idempotency-Key": "retry-1"}

    def post():
        return app.test_client().post("/api/v1/invitations", json=body, headers=headers)

    held = ("SELECT id FROM customer WHERE external_id = 'klant-1' FOR UPDATE", {})
    with Contenders([post, post], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [202, 202]
    assert len({reply.json["id"] for reply in race.replies}) == 1
    assert count_rows(Invitation) == 1


def test_cli_sends_an_invitation(app, api, survey, customer, smtp_server):
    result = app.test_cli_runner().invoke(
        args=[
            "invitation",
            "send",
            "--brand",
            "testbad",
            "--customer",
            "klant-1",
            "--survey",
            str(survey["id"]),
            "--locale",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    assert '"status": "sent"' in result.output
    assert smtp_server.messages[0]["Subject"] == "Testbad: how did it go? (Delivery)"


def test_openapi_documents_invitations_and_links(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/invitations" in paths
    assert "/api/v1/links" in paths
    assert "202" in paths["/api/v1/invitations"]["post"]["responses"]


def test_a_signed_token_must_match_its_invitation(
    app, api, client, survey, customer, smtp_server, db, count_rows
):
    """Even correctly signed, a token naming another customer or phase is refused."""
    from app.services import survey_tokens

    invite(api, survey)
    invitation = db.session.query(Invitation).one()
    real = survey_tokens.InvitationClaims(
        invitation.id,
        invitation.brand_id,
        invitation.customer_id,
        invitation.survey_id,
        invitation.phase_id,
    )
    for wrong in (
        real._replace(customer_id=real.customer_id + 1),
        real._replace(phase_id=real.phase_id + 1),
        real._replace(brand_id=real.brand_id + 1),
        real._replace(invitation_id=real.invitation_id + 1),
    ):
        page = client.get(f"/s/{survey_tokens.invitation_token(wrong)}")
        assert page.status_code == 404
    assert client.get(f"/s/{survey_tokens.invitation_token(real)}").status_code == 200
    assert count_rows(Response) == 0


def test_an_invitation_for_a_customer_erased_meanwhile_is_422(
    api, survey, customer, count_rows, erased_midway
):
    """It waited for the customer's lock while an erasure renamed the row: that id now names
    a new customer without an email address, not the one it was asked for (it was a 500)."""
    erased_midway()
    response = invite(api, survey)
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"customer": ["unknown"]}
    assert count_rows(Invitation) == 0


def test_an_answer_on_a_page_whose_customer_is_erased_meanwhile_keeps_only_its_scores(
    app, api, client, survey, customer, smtp_server, db, monkeypatch, count_rows
):
    """The page opened before the erasure, the answer came after: it is stored as erasure
    leaves answers, and the invitation erasure deleted is no longer marked used (a 500)."""
    from app.models import Brand
    from app.services import channel_points, hosted, privacy

    invite(api, survey)
    nine = link_path(score_links(smtp_server.messages[0])[9])
    html = client.get(nine).get_data(as_text=True)
    real = channel_points.offers_points

    def erase_first(brand_id, customer_id, survey_id=None, order=None):
        with app.app_context():  # a session of its own, as another request's would be
            privacy.erase(db.session.get(Brand, brand_id), "klant-1", "test")
        return real(brand_id, customer_id, survey_id, order)

    monkeypatch.setattr(hosted.channel_points, "offers_points", erase_first)
    answer = client.post(
        nine.split("?")[0], data={**form_fields(html), "q_nps": "9", "q_why": "Anna hier"}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Bedankt" in answer.get_data(as_text=True)
    [stored] = db.session.query(Response).all()
    assert stored.answers == {"nps": 9} and stored.customer_id is None
    assert stored.comment is None and stored.idempotency_key is None
    assert count_rows(Invitation) == 0


def test_a_list_sent_inline_stops_at_a_server_that_does_not_answer(
    app, brand, survey, smtp_server, db, monkeypatch
):
    """Without workers the upload's request sends the list: one connection refused (or out of
    SMTP_TIMEOUT) leaves the rest queued for the sweep instead of trying each in turn."""
    from app.services import invitations as service
    from tests.channels.helpers import free_port

    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    rows = [{"line": n, "external_id": f"k{n}", "email": f"k{n}@example.nl"} for n in range(5)]
    made = service.create_many(brand, survey["id"], rows)["invitations"]
    db.session.expire_all()
    stored = [db.session.get(Invitation, invitation.id) for invitation in made]
    assert [(i.status, i.attempts) for i in stored] == [("queued", 1)] + [("queued", 0)] * 4
    assert stored[0].last_error.startswith("ConnectionRefusedError")

    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)  # back: the sweep sends
    result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.envelopes) == 5


def test_a_sweep_stops_at_a_server_that_does_not_answer(app, brand, survey, db, monkeypatch):
    """Each waiting invitation is tried once a sweep (inline it was tried twice: two attempts
    counted, two timeouts waited), and once the server does not answer the rest wait for the
    next sweep instead of a timeout each."""
    from app.services import invitations as service
    from tests.channels.helpers import free_port

    monkeypatch.setattr(service, "enqueue", lambda ids: 0)  # Redis down: none queued or sent
    rows = [{"line": n, "external_id": f"k{n}", "email": f"k{n}@example.nl"} for n in range(4)]
    made = [row.id for row in service.create_many(brand, survey["id"], rows)["invitations"]]
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    result = app.test_cli_runner().invoke(args=["invitation", "sweep"])
    assert result.exit_code == 0, result.output
    assert "SMTP unreachable: 4 invitations left for the next sweep" in result.output
    assert "handled 0 of 4 invitations" in result.output
    db.session.expire_all()
    attempts = [db.session.get(Invitation, invitation_id).attempts for invitation_id in made]
    assert attempts == [1, 0, 0, 0]


def _held_list(brand, survey, monkeypatch, n: int) -> list[int]:
    """n customers invited by one list, queued and not sent (no worker has run)."""
    held, enqueue = [], invitations.enqueue
    monkeypatch.setattr(invitations, "enqueue", held.extend)
    rows = [{"line": n, "external_id": f"k{n}", "email": f"k{n}@example.nl"} for n in range(n)]
    made = [row.id for row in invitations.create_many(brand, survey["id"], rows)["invitations"]]
    monkeypatch.setattr(invitations, "enqueue", enqueue)
    assert held == made
    return made


def _statuses(db, ids: list[int]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Invitation, invitation_id).status for invitation_id in ids]


def test_a_job_sends_its_invitations_over_one_smtp_conversation(
    app, brand, survey, db, mail_server, monkeypatch
):

    made = _held_list(brand, survey, monkeypatch, 4)
    inbox = mail_server(Peers())
    assert invitations.send_job(made) == {"sent": 4}
    assert _statuses(db, made) == ["sent"] * 4
    assert len(inbox.envelopes) == 4 and len(set(inbox.peers)) == 1
    assert invitations.send_job(made) == {"gone": 4}  # RQ's retry of it sends nothing twice
    assert len(inbox.envelopes) == 4


def test_a_job_sends_the_rest_past_a_busy_mailbox_and_is_retried_for_it(
    app, brand, survey, db, mail_server, monkeypatch
):
    """A 4xx about one address leaves that one queued, not the other 99 of its job; the job
    then fails so that RQ retries it, and the retry sends only what is still queued."""
    from app.services import mailer
    from tests.channels.helpers import RefusesOne

    made = _held_list(brand, survey, monkeypatch, 3)
    inbox = mail_server(RefusesOne("k1@example.nl", "452 4.2.2 mailbox full"))
    with pytest.raises(mailer.MailError, match="^452 "):
        invitations.send_job(made)
    assert _statuses(db, made) == ["sent", "queued", "sent"]
    assert db.session.get(Invitation, made[1]).last_error.startswith("452 4.2.2")

    inbox.refused = None  # room in the mailbox again
    assert invitations.send_job(made) == {"gone": 2, "sent": 1}
    assert _statuses(db, made) == ["sent"] * 3
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == [f"k{n}@example.nl" for n in range(3)]


@pytest.fixture
def stopping_worker():
    """The worker was asked to stop (a deployment): the job in hand finishes what it holds."""
    from app.extensions import queue

    queue.request_stop()
    yield
    queue.request_stop(False)


@pytest.mark.parametrize("why", ["out of time", "the worker stops"])
def test_a_job_hands_the_rest_to_a_new_job(
    app, brand, survey, db, smtp_server, monkeypatch, request, why
):
    made = _held_list(brand, survey, monkeypatch, 3)
    handed = []
    if why == "out of time":
        monkeypatch.setattr(mailer, "JOB_SECONDS", 0)
    else:
        request.getfixturevalue("stopping_worker")
    monkeypatch.setattr(invitations, "enqueue", handed.append)
    assert invitations.send_job(made) == {"sent": 1}  # one, however slow, then it hands over
    assert handed == [made[1:]]
    assert _statuses(db, made) == ["sent", "queued", "queued"]


def test_the_sweep_queues_rounds_of_one_brand(app, brand, survey, other_brand, db, monkeypatch):
    """A job of one brand's invitations only: a failed one shows on that brand's dashboard
    (a job of several brands' showed on none)."""
    from app.models import Brand

    mine = _held_list(brand, survey, monkeypatch, 3)
    theirs = _held_list(
        db.session.get(Brand, other_brand["brand"].id),
        {"id": other_brand["survey_id"]},
        monkeypatch,
        2,
    )
    monkeypatch.setattr(invitations, "PER_JOB", 2)
    assert invitations.waiting() == [mine[:2], mine[2:], theirs]


def test_one_slow_recipient_holds_back_only_itself(
    app, brand, survey, db, mail_server, monkeypatch
):
    """Out of time over one address of an open conversation: the rest of the job goes out (it
    held them all back, retry after retry, as if the server did not answer)."""
    from app.services import mailer

    made = _held_list(brand, survey, monkeypatch, 3)
    inbox = mail_server(SlowFor("k0@example.nl"))
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1)
    with pytest.raises(mailer.MailError, match="SMTP_TIMEOUT"):
        invitations.send_job(made)
    assert _statuses(db, made) == ["queued", "sent", "sent"]
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == ["k1@example.nl", "k2@example.nl"]


def test_two_slow_in_a_row_are_the_server(app, brand, survey, db, mail_server, monkeypatch):
    """A server that stalls over every message ends the round after two, not a timeout each."""
    from app.services import mailer

    made = _held_list(brand, survey, monkeypatch, 4)
    mail_server(SlowFor(*(f"k{n}@example.nl" for n in range(4))))
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1)
    delivery = invitations.deliver_many(made)
    assert delivery.gave_up and delivery.tried == 2
    assert isinstance(delivery.error, mailer.MailError) and delivery.error.unreachable
    db.session.expire_all()
    attempts = [db.session.get(Invitation, invitation_id).attempts for invitation_id in made]
    assert attempts == [1, 1, 0, 0]


def test_an_email_that_cannot_be_made_holds_back_only_itself(
    app, brand, survey, db, smtp_server, monkeypatch
):
    """A bug or bad data in one invitation's email: the other 99 of its job go out, it keeps
    the error and stays queued for the retries, the job fails so that RQ retries it, and it
    is failed once it has waited MAIL_RETRY_HOURS, as one the server kept refusing."""
    from app.services import invitation_mail

    made = _held_list(brand, survey, monkeypatch, 3)
    build = invitation_mail.build

    def broken_for_the_second(brand, invitation, token):
        if invitation.id == made[1]:
            raise KeyError("email_subject")
        return build(brand, invitation, token)

    monkeypatch.setattr(invitation_mail, "build", broken_for_the_second)
    with pytest.raises(KeyError):
        invitations.send_job(made)
    assert _statuses(db, made) == ["sent", "queued", "sent"]
    stuck = db.session.get(Invitation, made[1])
    assert (stuck.attempts, stuck.last_error) == (1, "KeyError: 'email_subject'")
    assert len(smtp_server.envelopes) == 2

    stuck.created_at -= timedelta(hours=24)
    db.session.commit()
    assert invitations.send_job(made) == {"gone": 2, "failed": 1}  # done: no retry to come
    assert _statuses(db, made) == ["sent", "failed", "sent"]
    assert db.session.get(Invitation, made[1]).attempts == 2


def test_a_round_reads_a_customer_again_for_each_of_their_invitations(
    app, api, brand, survey, customer, db, mail_server, monkeypatch
):
    """The brand, survey and phase are read once a round; a customer is read again for each
    invitation, so an address changed (or unsubscribed) since the last one is respected."""
    from app.services import mailer

    brand.contact_policy = {"min_days_between": 0, "same_phase_days": 0, "max_per_journey": 0}
    db.session.commit()
    held, enqueue = [], invitations.enqueue
    monkeypatch.setattr(invitations, "enqueue", held.extend)
    first, second = (invite(api, survey).json["id"] for _ in range(2))
    monkeypatch.setattr(invitations, "enqueue", enqueue)
    inbox = mail_server(Peers())
    send = mailer.Session.send

    def moving_in_between(session, message):
        send(session, message)
        with app.app_context():  # another request, as the customer API would be
            from app.extensions import db as other

            other.session.execute(Customer.__table__.update().values(email="nieuw@example.nl"))
            other.session.commit()

    monkeypatch.setattr(mailer.Session, "send", moving_in_between)
    assert invitations.send_job(held) == {"sent": 2}
    assert [e.rcpt_tos for e in inbox.envelopes] == [["anna@example.nl"], ["nieuw@example.nl"]]
    assert held == [first, second]


def test_a_job_stops_at_a_server_that_does_not_answer(app, brand, survey, db, monkeypatch):
    from app.services import mailer
    from tests.channels.helpers import free_port

    made = _held_list(brand, survey, monkeypatch, 3)
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    with pytest.raises(mailer.MailError) as down:
        invitations.send_job(made)
    assert down.value.unreachable
    db.session.expire_all()
    attempts = [db.session.get(Invitation, invitation_id).attempts for invitation_id in made]
    assert attempts == [1, 0, 0]  # the rest wait for the job's retry, not a timeout each


def test_a_list_line_matched_by_address_does_not_write_it_back(
    app, api, brand, survey, db, smtp_server, monkeypatch
):
    """A line with only an address means the customer who has it; that match is read before
    her lock. Another list (or request) that gave her a new address in between had it
    undone: the stale address was written back over it."""
    from sqlalchemy import update

    from app.services import customers
    from app.services import invitations as service

    body = {"external_id": "ra-1", "email": "oud@example.nl"}
    assert api.post("/api/v1/customers", json=body).status_code == 201
    apply_many = customers.apply_many

    def readdressed_meanwhile(brand_, items):
        db.session.execute(  # what the other list committed after this one's match
            update(Customer).where(Customer.external_id == "ra-1").values(email="nieuw@example.nl")
        )
        return apply_many(brand_, items)

    monkeypatch.setattr(customers, "apply_many", readdressed_meanwhile)
    made = service.create_many(brand, survey["id"], [{"line": 1, "email": "oud@example.nl"}])
    assert [invitation.customer.external_id for invitation in made["invitations"]] == ["ra-1"]
    db.session.expire_all()
    assert db.session.query(Customer).filter_by(external_id="ra-1").one().email == (
        "nieuw@example.nl"
    )
