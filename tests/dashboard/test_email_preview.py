"""The survey page previews its invitation email and its reminder, as customers get them, in
each of the survey's languages: nothing is stored and no link leads anywhere."""

import re

import pytest

from app.models import Brand, Invitation
from tests.dashboard.conftest import survey_form


@pytest.fixture
def reminding(api, survey):
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 3})
    assert response.status_code == 200, response.json
    return response.json


def test_a_viewer_sees_the_invitation_and_its_reminder(as_role, survey, reminding, count_rows):
    viewer = as_role("viewer")
    page = viewer.html(f"/dashboard/surveys/{survey['id']}")
    assert f"/dashboard/surveys/{survey['id']}/email?lang=nl&amp;reminder=1" in page
    response = viewer.get(f"/dashboard/surveys/{survey['id']}/email?lang=nl")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<title>Testbad: hoe was het? (Levering &amp; montage)</title>" in html
    assert "Hoe waarschijnlijk" in html  # the first question, inside
    hrefs = set(re.findall(r'href="([^"]*)"', html))
    assert hrefs == {"#"}  # no link leads anywhere
    reminder = viewer.html(f"/dashboard/surveys/{survey['id']}/email?lang=nl&reminder=1")
    assert "Dit is de enige herinnering die we sturen." in reminder
    assert "we horen nog graag hoe het was" in reminder
    assert count_rows(Invitation) == 0


def test_the_english_preview_and_an_unknown_language(as_role, survey):
    viewer = as_role("viewer")
    english = viewer.html(f"/dashboard/surveys/{survey['id']}/email?lang=en")
    assert '<html lang="en"' in english and "how did it go?" in english
    own = viewer.html(f"/dashboard/surveys/{survey['id']}/email")
    assert '<html lang="nl"' in own  # the survey's own


@pytest.mark.parametrize("query", ["lang=xx", "lang=de", "reminder=x", "reminder=2", "reminder=1"])
def test_a_language_or_email_the_survey_has_not_is_422(as_role, survey, query):
    """reminder=1 too: this survey does not remind."""
    viewer = as_role("viewer")
    page = viewer.html(f"/dashboard/surveys/{survey['id']}", 200)
    assert "reminder (nl)" not in page and ">the reminder<" not in page
    assert viewer.get(f"/dashboard/surveys/{survey['id']}/email?{query}").status_code == 422


@pytest.mark.smtp
def test_a_bad_test_email_request_is_422_and_sends_nothing(as_role, survey, smtp_server):
    editor = as_role("editor")
    url = f"/dashboard/surveys/{survey['id']}/email/test"
    for form in ({"lang": "zz"}, {"reminder": "1"}, {"reminder": "yes"}):
        assert editor.post(url, form).status_code == 422, form
    assert smtp_server.envelopes == []


def test_the_brand_name_is_escaped(as_role, survey, brand, db):
    db.session.get(Brand, brand.id).name = "Bad <b>&</b> Co"
    db.session.commit()
    html = as_role("viewer").html(f"/dashboard/surveys/{survey['id']}/email")
    assert "<b>" not in html and "Bad &lt;b&gt;&amp;&lt;/b&gt; Co" in html


def test_another_brands_survey_is_a_404(as_role, other_brand):
    viewer = as_role("viewer")
    assert viewer.get(f"/dashboard/surveys/{other_brand['survey_id']}/email").status_code == 404


def test_signed_out_is_sent_to_the_login(client, survey):
    response = client.get(f"/dashboard/surveys/{survey['id']}/email")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_preview_says_points_when_the_brand_gives_them(as_role, api, survey):
    response = api.put("/api/v1/loyalty/policy", json={"enabled": True, "points_per_answer": 10})
    assert response.status_code == 200, response.json
    html = as_role("viewer").html(f"/dashboard/surveys/{survey['id']}/email")
    assert "Voor je antwoord krijg je punten" in html


@pytest.mark.smtp
def test_an_editor_mails_the_preview_to_herself(
    as_role, survey, reminding, smtp_server, count_rows
):
    editor = as_role("editor")
    response = editor.post(
        f"/dashboard/surveys/{survey['id']}/email/test", {"lang": "en", "reminder": "1"}
    )
    assert response.status_code == 302
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["editor@testbad.example"]
    [message] = smtp_server.messages
    assert (
        message["Subject"] == "[Test] Testbad: we would still love to hear how it went (Delivery)"
    )
    html = message.get_body(("html",)).get_content()
    assert set(re.findall(r'href="([^"]*)"', html)) == {"#"}
    assert "was sent to editor@testbad.example" in editor.html(f"/dashboard/surveys/{survey['id']}")
    assert count_rows(Invitation) == 0


@pytest.mark.smtp
def test_a_mail_server_that_refuses_says_so(as_role, survey, mail_server):
    from tests.channels.helpers import Refusing

    mail_server(Refusing("550 5.7.1 relaying denied"))
    editor = as_role("editor")
    editor.post(f"/dashboard/surveys/{survey['id']}/email/test", {"lang": "nl", "reminder": "0"})
    page = editor.html(f"/dashboard/surveys/{survey['id']}")
    assert "The test invitation was not sent" in page and "relaying denied" in page


def test_a_viewer_cannot_mail_it_and_a_post_needs_its_token(as_role, survey, other_brand):
    viewer = as_role("viewer")
    assert viewer.post(f"/dashboard/surveys/{survey['id']}/email/test").status_code == 403
    editor = as_role("editor")
    url = f"/dashboard/surveys/{survey['id']}/email/test"
    assert editor.post(url, csrf=False).status_code == 400
    other = f"/dashboard/surveys/{other_brand['survey_id']}/email/test"
    assert editor.post(other).status_code == 404


def test_the_preview_shows_the_logo_and_lets_in_its_origin_only(as_role, api, survey):
    logo = "https://cdn.testbad.example:8443/logo.png"
    assert api.patch("/api/v1/brand", json={"logo_url": logo}).status_code == 200
    response = as_role("viewer").get(f"/dashboard/surveys/{survey['id']}/email?lang=nl")
    policy = response.headers["Content-Security-Policy"]
    assert "img-src data: https://cdn.testbad.example:8443;" in policy
    assert policy.startswith("default-src 'none'") and "script-src" not in policy
    assert f'<img src="{logo}" alt="Testbad"' in response.get_data(as_text=True)


OWN = {"nl": {"subject": "{first_name}, hoe is de bank?", "intro": "Dag {first_name} & co."}}


@pytest.mark.smtp
def test_the_preview_and_the_test_email_show_the_surveys_own_texts(
    as_role, api, survey, smtp_server
):
    assert (
        api.patch(f"/api/v1/surveys/{survey['id']}", json={"email_texts": OWN}).status_code == 200
    )
    editor = as_role("editor")
    named = editor.html(f"/dashboard/surveys/{survey['id']}/email?lang=nl&first_name=Anna")
    assert "<title>Anna, hoe is de bank?</title>" in named and "Dag Anna &amp; co." in named
    nameless = editor.html(f"/dashboard/surveys/{survey['id']}/email?lang=nl")
    assert "<title>Hoe is de bank?</title>" in nameless and "Dag &amp; co." in nameless
    url = f"/dashboard/surveys/{survey['id']}/email/test"
    assert editor.post(url, {"lang": "nl", "first_name": "Bram"}).status_code == 302
    message = smtp_server.messages[-1]
    assert message["Subject"] == "[Test] Bram, hoe is de bank?"
    assert "Dag Bram & co." in message.get_body(("plain",)).get_content()
    bad = editor.post(url, {"lang": "nl", "first_name": "Bram\u202e"})
    assert bad.status_code == 422 and len(smtp_server.messages) == 1


def test_the_survey_form_sets_and_clears_the_texts(as_role, survey, db):
    from app.models import Survey

    editor = as_role("editor")
    page = editor.html(f"/dashboard/surveys/{survey['id']}")
    assert (
        'name="email_texts.nl.subject"' in page and 'name="email_texts.en.reminder_intro"' in page
    )
    form = survey_form("Levering")
    texts = {
        f"email_texts.{lang}.{kind}": ""
        for lang in ("nl", "en")
        for kind in ("subject", "intro", "reminder_subject", "reminder_intro")
    }
    url = f"/dashboard/surveys/{survey['id']}"
    saved = editor.post(url, {**form, **texts, "email_texts.nl.intro": "Dag {first_name},\nfijn!"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).email_texts == {
        "nl": {"intro": "Dag {first_name},\nfijn!"}
    }
    assert "Dag {first_name},\nfijn!</textarea>" in editor.html(url).replace("\r\n", "\n")
    refused = editor.post(url, {**form, **texts, "email_texts.nl.subject": "Dag {voornaam}"})
    assert refused.status_code == 422
    assert "unknown placeholder {voornaam}" in refused.get_data(as_text=True)
    assert editor.post(url, {**form, **texts}).status_code == 302  # emptied: Phasewise's again
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).email_texts is None
