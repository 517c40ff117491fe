"""Inviting a list of customers from the dashboard, end to end with a real SMTP server: the
list is taken whole or not at all, known customers are found by address, the contact budget
and unsubscribes still decide, and a viewer may look but not send."""

import io

import pytest

from app.models import Contact, Customer, Invitation

pytestmark = pytest.mark.smtp

URL = "/dashboard/invitations"


@pytest.fixture
def known(api):
    """A customer the shop's developer already sent, under the shop's own number."""
    response = api.post(
        "/api/v1/customers",
        json={"external_id": "K-1", "email": "Anna@Example.NL", "locale": "en"},
    )
    assert response.status_code == 201, response.json
    assert (
        api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"}).status_code
        == 201
    )


def upload(dash, survey_id, text, as_file=True):
    data = {"survey_id": str(survey_id)}
    if as_file:
        data["file"] = (io.BytesIO(text.encode("utf-8-sig")), "klanten.csv")  # Excel's BOM
    else:
        data["list"] = text
    return dash.post(URL, data, content_type="multipart/form-data")


def stored(count_rows) -> tuple[int, int, int]:
    return count_rows(Customer), count_rows(Invitation), count_rows(Contact)


def test_an_excel_list_invites_each_customer_once(dash, survey, known, smtp_server, db):
    text = (
        "E-mailadres;Naam;Persona;Waarde\n"
        "anna@example.nl;Anna;senioren;1.250,00\n"  # K-1, found by address
        "bram@example.nl;Bram;;\n"
        "ANNA@example.nl;Anna again;;\n"  # the same customer: left out
    )
    response = upload(dash, survey["id"], text)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = dash.html(URL)
    assert "2 invitations queued" in page
    assert "lines 4 repeat a customer" in page
    assert "columns left out: Naam" in page

    customers = {c.external_id: c for c in db.session.query(Customer)}
    assert set(customers) == {"K-1", "bram@example.nl"}  # no second Anna
    assert customers["K-1"].persona.key == "senioren"
    assert str(customers["K-1"].value) == "1250.00"
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "anna@example.nl",
        "bram@example.nl",
    ]
    languages = {
        m["To"].addresses[0].addr_spec: m["Content-Language"] for m in smtp_server.messages
    }
    assert languages == {"anna@example.nl": "en", "bram@example.nl": "nl"}  # hers, the survey's
    assert page.count('<span class="tag positive">sent</span>') == 2


def test_a_list_saved_by_an_older_excel_in_windows_1252_reads_right(dash, survey, smtp_server, db):
    text = "klantnummer;e-mailadres;persona\nZoë-1;zoe@example.nl;\n"
    data = {"survey_id": str(survey["id"]), "file": (io.BytesIO(text.encode("cp1252")), "a.csv")}
    assert dash.post(URL, data, content_type="multipart/form-data").status_code == 302
    assert db.session.query(Customer).one().external_id == "Zoë-1"


def test_the_same_list_again_is_held_back_by_the_contact_budget(dash, survey, smtp_server, db):
    assert (
        upload(dash, survey["id"], "anna@example.nl\nbram@example.nl\n", False).status_code == 302
    )
    assert (
        upload(dash, survey["id"], "anna@example.nl\nbram@example.nl\n", False).status_code == 302
    )
    assert len(smtp_server.envelopes) == 2
    assert "0 invitations queued; 2 skipped (2 asked too recently" in dash.html(URL)
    assert db.session.query(Invitation).filter_by(status="skipped").count() == 2


def test_an_unsubscribed_customer_is_skipped(dash, api, survey, smtp_server, db):
    api.post("/api/v1/customers", json={"external_id": "K-2", "email": "cor@example.nl"})
    db.session.query(Customer).filter_by(external_id="K-2").one().unsubscribed_at = db.func.now()
    db.session.commit()
    assert upload(dash, survey["id"], "email\ncor@example.nl\n").status_code == 302
    assert "1 skipped (1 unsubscribed)" in dash.html(URL)
    assert smtp_server.envelopes == []


@pytest.mark.parametrize(
    ("text", "field", "shown"),
    [
        ("email\nanna@example.nl\ngeen-adres\n", "lines.3.email", "Line 3"),
        ("email;persona\nanna@example.nl;onbekend\n", "lines.2.persona", "unknown persona"),
        ("external_id\nK-1\n", "lines.2.email", "none is known"),  # known, but no address
        ("", "list", "add at least one address"),
    ],
)
def test_a_bad_list_invites_nobody_and_names_the_line(
    dash, api, survey, smtp_server, count_rows, text, field, shown
):
    api.post("/api/v1/customers", json={"external_id": "K-1"})
    before = stored(count_rows)
    response = upload(dash, survey["id"], text, as_file=False)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nobody was invited" in page
    assert shown in page
    assert stored(count_rows) == before
    assert smtp_server.envelopes == []


def test_another_brands_or_an_inactive_survey_is_refused(
    dash, api, survey, other_brand, count_rows, smtp_server
):
    before = stored(count_rows)
    for survey_id in (other_brand["survey_id"], "x", "", "99999999999"):
        response = upload(dash, survey_id, "anna@example.nl\n", as_file=False)
        assert response.status_code == 422, survey_id
        assert "survey" in response.get_data(as_text=True).lower()
    api.patch(f"/api/v1/surveys/{survey['id']}", json={"active": False})
    assert upload(dash, survey["id"], "anna@example.nl\n", as_file=False).status_code == 422
    assert stored(count_rows) == before


def test_a_file_over_60_kb_is_refused(dash, survey, count_rows, smtp_server):
    before = stored(count_rows)
    big = "email\n" + "x" * 61_000
    assert upload(dash, survey["id"], big).status_code == 413
    assert stored(count_rows) == before


def test_a_viewer_sees_the_list_but_cannot_send(as_role, survey, count_rows, smtp_server):
    viewer = as_role("viewer")
    page = viewer.html(URL)
    assert "Invitations so far" in page
    assert "Send invitations" not in page
    before = stored(count_rows)
    assert upload(viewer, survey["id"], "anna@example.nl\n", False).status_code == 403
    assert stored(count_rows) == before


def test_without_csrf_nothing_is_sent(dash, survey, count_rows, smtp_server):
    before = stored(count_rows)
    response = dash.post(URL, {"survey_id": survey["id"], "list": "anna@example.nl"}, csrf=False)
    assert response.status_code == 400
    assert stored(count_rows) == before


def test_customer_text_in_the_list_is_escaped(dash, survey, smtp_server):
    text = "external_id,email\n<b>K&amp;1</b>,anna@example.nl\n"
    assert upload(dash, survey["id"], text).status_code == 302
    page = dash.html(URL)
    assert "&lt;b&gt;K&amp;amp;1&lt;/b&gt;" in page
    assert "<b>K&amp;1</b>" not in page


def test_status_filter_and_an_unknown_one(dash, survey, smtp_server):
    upload(dash, survey["id"], "anna@example.nl\n")
    assert "anna@example.nl" in dash.html(f"{URL}?status=sent")
    assert "No invitations skipped yet" in dash.html(f"{URL}?status=skipped")
    assert "anna@example.nl" in dash.html(f"{URL}?status=<script>")  # ignored, not an error


@pytest.mark.browser
def test_a_refused_list_in_a_browser(browser, server, users, survey, smtp_server):
    """The error summary is announced (focused), names the line, and axe finds nothing serious."""
    from tests.channels.helpers import serious_violations
    from tests.dashboard.test_browser import open_page

    problems: list[str] = []
    page = open_page(browser, server, "desktop", problems)
    page.goto(f"{server}{URL}")
    page.select_option("#f-survey_id", str(survey["id"]))
    page.fill("#list", "anna@example.nl\ngeen-adres\n")
    page.click("#invite button[type=submit]")
    # focused once the page has loaded (autofocus), not at the instant the click returns
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'invite-errors'"
    )
    assert "Line 2" in page.locator("#invite-errors").inner_text()
    assert page.input_value("#list") == "anna@example.nl\ngeen-adres\n"  # kept to fix
    assert serious_violations(page) == []
    page.fill("#list", "anna@example.nl\n")
    page.click("#invite button[type=submit]")
    assert "1 invitation queued" in page.locator("main").inner_text()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna@example.nl"]]
