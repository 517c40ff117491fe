"""Reusable survey links: API and CLI, the hosted page without JavaScript, QR codes, languages."""

import json
import re

import pytest

from app.models import Response, SurveyLink
from tests.channels.helpers import assert_error, form_fields, link_path


@pytest.fixture
def touchpoint(api, journey):
    response = api.post(
        f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints",
        json={"name": "Showroom Utrecht", "channel": "showroom"},
    )
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def link(api, journey, survey, touchpoint):
    response = api.post(
        "/api/v1/links",
        json={"journey_id": journey["id"], "phase": "levering", "touchpoint": "Showroom Utrecht"},
    )
    assert response.status_code == 201, response.json
    return response.json


def test_create_a_link_with_its_qr_code(link, api):
    assert link["phase"] == "levering"
    assert link["touchpoint"] == "Showroom Utrecht"
    assert link["active"] is True
    assert "/s/" in link["url"] and link["qr_url"] == link["url"] + "/qr.svg"
    assert link["name"] == "Levering & montage – Showroom Utrecht"
    listing = api.get("/api/v1/links").json["items"]
    assert [item["id"] for item in listing] == [link["id"]]
    assert api.get(f"/api/v1/links/{link['id']}").json["url"] == link["url"]


def test_qr_code_is_an_svg_of_the_link(client, link):
    response = client.get(link_path(link["qr_url"]))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<svg")
    assert b"<path" in response.data


def test_hosted_page_works_without_javascript(client, link, count_rows):
    page = client.get(link_path(link["url"]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html
    assert 'lang="nl"' in html
    assert "Testbad" in html
    assert 'type="radio"' in html and 'name="q_nps"' in html
    assert 'name="form_key"' in html
    assert "Set-Cookie" not in page.headers  # nor cookies: a browser that blocks them answers
    assert '<label for="q-nps-10">' in html  # every choice is labelled
    assert "--brand:#0b6e4f" in html
    csp = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "nonce-" in csp
    assert count_rows(Response) == 0


def test_written_answers_and_the_name_follow_the_direction_of_what_is_typed(client, link):
    html = client.get(link_path(link["url"])).get_data(as_text=True)
    # an answer in Arabic or Hebrew reads right to left on a Dutch page, as it will on the
    # review pages (dir="auto")
    assert re.search(r'<textarea id="q-why"[^>]* dir="auto"', html)
    assert re.search(r'<input type="text" id="display-name"[^>]* dir="auto"', html)


def test_language_from_browser_or_switch(client, link):
    english = client.get(link_path(link["url"]), headers={"Accept-Language": "en-GB,en"})
    assert 'lang="en"' in english.get_data(as_text=True)
    assert "How likely" in english.get_data(as_text=True)
    switched = client.get(link_path(link["url"]) + "?lang=en").get_data(as_text=True)
    assert "would like your opinion" in switched
    assert "Nederlands" in switched  # a way back


def test_post_records_once_per_form(client, link, db):
    path = link_path(link["url"])
    fields = form_fields(client.get(path).get_data(as_text=True))
    first = client.post(path, data={**fields, "q_nps": "10", "q_csat": "5"})
    assert first.status_code == 200
    assert "Bedankt" in first.get_data(as_text=True)
    again = client.post(path, data={**fields, "q_nps": "10", "q_csat": "5"})  # a double click
    assert again.status_code == 200
    [stored] = db.session.query(Response).all()
    assert stored.channel == "link"
    assert stored.customer_id is None
    assert stored.touchpoint_id is not None
    # the next visitor at the counter gets a fresh form and is stored separately
    fields = form_fields(client.get(path).get_data(as_text=True))
    assert client.post(path, data={**fields, "q_nps": "4"}).status_code == 200
    assert db.session.query(Response).count() == 2


def test_review_consent_is_offered_on_the_page_whatever_the_score(client, link, db):
    path = link_path(link["url"])
    for score in ("0", "10"):
        html = client.get(path + f"?score={score}").get_data(as_text=True)
        assert 'name="review_consent"' in html
    fields = form_fields(html)
    client.post(
        path,
        data={
            **fields,
            "q_nps": "2",
            "q_why": "Slecht",
            "review_consent": "yes",
            "display_name": "Piet",
        },
    )
    assert db.session.query(Response).one().review_request == {
        "consent": True,
        "display_name": "Piet",
    }


def test_a_written_answer_fills_its_maxlength_whatever_its_line_breaks(api, client, journey, db):
    from tests.conftest import new_survey

    why = {"key": "why", "type": "text", "max_length": 40, "text": {"nl": "Waarom?"}}
    new_survey(api, journey["id"], phase="aankoop", questions=[why])
    made = api.post("/api/v1/links", json={"journey_id": journey["id"], "phase": "aankoop"})
    path = link_path(made.json["url"])
    html = client.get(path).get_data(as_text=True)
    assert 'maxlength="40"' in html
    typed = "Een\nTwee\nDrie\nVier\n"
    typed += "x" * (40 - len(typed))  # what the textarea holds: 40 characters, its maxlength
    # a browser posts the line breaks as CRLF (44 characters)
    posted = client.post(path, data={**form_fields(html), "q_why": typed.replace("\n", "\r\n")})
    assert posted.status_code == 200, posted.get_data(as_text=True)
    assert db.session.query(Response).one().answers == {"why": typed}


def test_invisible_control_characters_pasted_in_do_not_lose_the_answer(api, client, link, db):
    """A vertical tab pasted from Word made intake refuse the answer ('Dit antwoord is niet
    geldig'), with nothing the customer could see to take out (customer-copy review). The
    page's form drops them; the API still refuses them."""
    path = link_path(link["url"])
    html = client.get(path).get_data(as_text=True)
    form = {
        **form_fields(html),
        "q_nps": "8",
        "q_why": "Goed\x0bgeregeld,\tnetjes\x0c.\r\nDank!",
        "review_consent": "yes",
        "display_name": "An\x1bna",
    }
    assert client.post(path, data=form).status_code == 200
    stored = db.session.query(Response).one()
    assert stored.answers["why"] == "Goedgeregeld,\tnetjes.\nDank!"
    assert stored.review_request["display_name"] == "Anna"


def test_a_new_survey_version_is_picked_up_by_the_same_link(api, client, link, survey, db):
    path = link_path(link["url"])
    old_form = form_fields(client.get(path).get_data(as_text=True))
    api.post(
        "/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 5}}
    )  # answered, so an edit makes a new version
    new = api.patch(
        f"/api/v1/surveys/{survey['id']}",
        json={"questions": [{"key": "score", "type": "csat", "text": "Tevreden?"}]},
    )
    assert new.status_code == 200 and new.json["id"] != survey["id"]
    assert 'name="q_score"' in client.get(path).get_data(as_text=True)
    # a form shown before the change still answers the version it showed
    assert client.post(path, data={**old_form, "q_nps": "8"}).status_code == 200
    assert db.session.query(Response).order_by(Response.id.desc()).first().survey_id == survey["id"]


def test_deactivated_link_says_closed(api, client, link, count_rows):
    path = link_path(link["url"])
    fields = form_fields(client.get(path).get_data(as_text=True))
    assert api.delete(f"/api/v1/links/{link['id']}").json["active"] is False
    page = client.get(path)
    assert page.status_code == 410
    assert "gesloten" in page.get_data(as_text=True)
    assert client.post(path, data={**fields, "q_nps": "9"}).status_code == 410
    assert client.get(link_path(link["qr_url"])).status_code == 404
    assert count_rows(Response) == 0


def test_closed_link_falls_back_to_the_brands_language(client, db):
    """An English brand's closed link, for a browser speaking neither language: English."""
    from app.services import brands, journeys, surveys

    brand, key = brands.create_brand("Bathhouse", "bathhouse", "en")
    journey = journeys.create_journey(
        brand, {"name": "J", "phases": [{"key": "delivery", "name": {"en": "Delivery"}}]}
    )
    surveys.create_survey(
        brand,
        {
            "journey_id": journey.id,
            "phase": "delivery",
            "locale": "en",
            "questions": [{"key": "nps", "type": "nps", "text": {"en": "Recommend us?"}}],
        },
    )
    headers = {"Authorization": f"Bearer {key}"}
    link = client.post(
        "/api/v1/links", json={"journey_id": journey.id, "phase": "delivery"}, headers=headers
    ).get_json()
    path = link_path(link["url"])
    assert '<html lang="en">' in client.get(path, headers={"Accept-Language": "de-DE"}).text
    client.delete(f"/api/v1/links/{link['id']}", headers=headers)
    closed = client.get(path, headers={"Accept-Language": "de-DE"})
    assert closed.status_code == 410
    assert '<html lang="en">' in closed.text and "This survey is closed" in closed.text
    # the browser's language still wins over the brand's
    dutch = client.get(path, headers={"Accept-Language": "nl"})
    assert "Deze vragenlijst is gesloten" in dutch.text


def test_invalid_tokens_get_a_clear_page(client, db):
    for path in ["/s/nonsense", "/s/WzEsMSwxXQ.forged", "/s/" + "a" * 500]:
        page = client.get(path, headers={"Accept-Language": "nl"})
        assert page.status_code == 404
        assert "Deze link klopt niet" in page.get_data(as_text=True)
        assert client.get(path + "/qr.svg").status_code == 404


def test_qr_code_only_for_reusable_links(api, client, survey, db, smtp_server):
    api.post("/api/v1/customers", json={"external_id": "k", "email": "k@x.nl"})
    api.post("/api/v1/invitations", json={"customer": "k", "survey_id": survey["id"]})
    import re

    html = smtp_server.messages[0].get_body(("html",)).get_content()
    personal = link_path(re.search(r'href="([^"?]+/s/[^"?]+)\?score', html).group(1))
    assert client.get(personal + "/qr.svg").status_code == 404


def test_injected_score_is_ignored_and_escaped(client, link):
    html = client.get(link_path(link["url"]) + '?score="><script>x</script>').get_data(as_text=True)
    assert "<script>x" not in html
    assert "checked" not in html


# --- API bad input and tenancy ---------------------------------------------------------------


BAD_LINKS = [
    ({"phase": "onbekend"}, 404, None),
    ({"journey_id": 999_999}, 404, None),
    ({"touchpoint": "Nergens"}, 422, "touchpoint"),
    ({"phase": "Levering!"}, 422, "phase"),
    ({"locale": "fr"}, 422, "locale"),
    ({"name": ""}, 422, "name"),
]


def test_bad_links_store_nothing(api, journey, survey, count_rows):
    for body, status, field in BAD_LINKS:
        response = api.post(
            "/api/v1/links", json={"journey_id": journey["id"], "phase": "levering", **body}
        )
        error = assert_error(response, status)
        if field:
            assert field in error["fields"]
        assert count_rows(SurveyLink) == 0


def test_other_brands_link_is_404(api, link, other_brand):
    from tests.conftest import ApiClient

    other = ApiClient(api.client, other_brand["key"])
    assert_error(other.get(f"/api/v1/links/{link['id']}"), 404)
    assert_error(other.delete(f"/api/v1/links/{link['id']}"), 404)
    assert other.get("/api/v1/links").json["items"] == []


# --- CLI -------------------------------------------------------------------------------------


def test_cli_creates_a_link(app, survey, touchpoint):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "link",
            "create",
            "--brand",
            "testbad",
            "--phase",
            "levering",
            "--touchpoint",
            "Showroom Utrecht",
        ]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["url"].startswith("http") and created["qr_url"].endswith("/qr.svg")
    listed = runner.invoke(args=["link", "list", "--brand", "testbad"])
    assert created["url"] in listed.output
    bad = runner.invoke(args=["link", "create", "--brand", "testbad", "--phase", "nope"])
    assert bad.exit_code != 0 and "no phase" in bad.output


def test_brand_create_prints_the_widget_snippet(app, db, journey):
    result = app.test_cli_runner().invoke(
        args=["brand", "create", "--name", "Snippet Bad", "--origin", "https://snippet.example"]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    snippet = created["widget_snippet"]
    assert snippet.startswith("<script src=") and "/widget.js" in snippet
    assert f'data-site-key="{created["site_key"]}"' in snippet
    runner = app.test_cli_runner()
    result = runner.invoke(args=["widget", "snippet", "--brand", "testbad", "--phase", "levering"])
    assert result.exit_code == 0 and 'data-phase="levering"' in result.output
    # a phase the brand lacks would answer 404 on every page the tag is pasted in
    bad = runner.invoke(args=["widget", "snippet", "--brand", "testbad", "--phase", "nope"])
    assert bad.exit_code != 0 and "'nope' is not a phase of this brand" in bad.output
    assert "<script" not in bad.output
    placeholder = runner.invoke(args=["widget", "snippet", "--brand", "testbad"])
    assert 'data-phase="PHASE"' in placeholder.output
    assert "Replace PHASE by one of the brand's phases: orientatie, aankoop, levering" in (
        placeholder.stderr
    )


@pytest.mark.parametrize("score", ["²", "①", "99999999999999999999", " 7 "])
def test_a_score_in_other_digits_or_out_of_range_is_not_preselected(client, link, score):
    """str.isdigit() says yes to "²" and "①", which int() refuses: that was a 500."""
    page = client.get(link_path(link["url"]), query_string={"score": score})
    assert page.status_code == 200
    assert ("checked" in page.get_data(as_text=True)) is (score == " 7 ")


@pytest.mark.parametrize(
    ("field", "value"),
    [("q_nps", "²"), ("q_nps", "①"), ("survey_id", "²"), ("survey_id", "99999999999")],
)
def test_a_posted_form_with_other_digits_or_a_huge_id_is_no_500(
    client, link, count_rows, field, value
):
    path = link_path(link["url"])
    fields = form_fields(client.get(path).get_data(as_text=True))
    answer = {**fields, "q_nps": "9", field: value}
    page = client.post(path, data=answer)
    assert page.status_code in (200, 422)
    # A bad score is refused on the page; a bad survey_id falls back to the survey it shows.
    assert count_rows(Response) == (0 if field == "q_nps" else 1)
