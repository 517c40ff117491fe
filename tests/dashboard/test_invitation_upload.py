"""Inviting a list of customers from the dashboard, end to end with a real SMTP server: the
list is taken whole or not at all, known customers are found by address, the contact budget
and unsubscribes still decide, and a viewer may look but not send."""

import io
import re
from html import unescape

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


def upload(dash, survey_id, text, as_file=True, encoding="utf-8-sig"):
    """Post the list as a file (by default as Excel's "CSV UTF-8" saves it, BOM first), or
    pasted."""
    data = {"survey_id": str(survey_id)}
    if as_file:
        data["file"] = (io.BytesIO(text.encode(encoding)), "klanten.csv")
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
    assert "line 4 repeats a customer or address and was left out" in page
    assert "1 new customer;" in page
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
    assert upload(dash, survey["id"], text, encoding="cp1252").status_code == 302
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


def test_a_viewer_sees_the_list_but_cannot_send(as_role, survey, count_rows, smtp_server):
    viewer = as_role("viewer")
    page = viewer.html(URL)
    assert "Invitations so far" in page
    assert "Invite the list" not in page
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
    from tests.channels.helpers import serious_violations, until
    from tests.dashboard.test_browser import open_page

    problems: list[str] = []
    page = open_page(browser, server, "desktop", problems)
    page.goto(f"{server}{URL}")
    page.select_option("#f-survey_id", str(survey["id"]))
    page.fill("#list", "anna@example.nl\ngeen-adres\n")
    page.click("#invite button[type=submit]")
    # focused once the page has loaded (autofocus), not at the instant the click returns
    until(page, "document.activeElement && document.activeElement.id === 'invite-errors'")
    assert "Line 2" in page.locator("#invite-errors").inner_text()
    assert page.input_value("#list") == "anna@example.nl\ngeen-adres\n"  # kept to fix
    assert serious_violations(page) == []
    page.fill("#list", "anna@example.nl\n")
    page.click("#invite button[type=submit]")
    assert "1 invitation queued" in page.locator("main").inner_text()
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna@example.nl"]]


def test_an_orders_export_invites_each_address_once(dash, survey, smtp_server, db):
    """A repeat buyer is on the list once per order: one email per address, and a line with
    only the address means the customer another line names."""
    text = (
        "klantnummer;email\n"
        "K-7;dup@example.nl\n"
        "K-8;DUP@example.nl\n"  # another number, the same address: left out
        ";nieuw@example.nl\n"  # no number here…
        "N-1;nieuw@example.nl\n"  # …but this line gives one: the same customer
    )
    assert upload(dash, survey["id"], text).status_code == 302
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "dup@example.nl",
        "nieuw@example.nl",
    ]
    assert sorted(c.external_id for c in db.session.query(Customer)) == ["K-7", "N-1"]
    assert "lines 3, 5 repeat a customer or address" in dash.html(URL)


def test_a_new_address_for_a_known_customer_is_said(dash, api, survey, smtp_server):
    api.post("/api/v1/customers", json={"external_id": "K-1", "email": "oud@example.nl"})
    assert (
        upload(dash, survey["id"], "klantnummer;email\nK-1;nieuw@example.nl\n").status_code == 302
    )
    assert "1 known customer has a new address" in dash.html(URL)


def test_a_real_shop_export_of_2000_customers_fits(
    dash, survey, count_rows, smtp_server, monkeypatch
):
    """About 150 KB: over the app's 64 KB body limit, under this page's own."""
    from app.services import invitations

    monkeypatch.setattr(invitations, "enqueue", lambda ids: len(ids))  # no 2,000 SMTP sessions
    header = "klantnummer;email;naam;adres;postcode;plaats;waarde;besteldatum\n"
    lines = [
        f"K-{n:05d};klant{n}@voorbeeld.nl;Klant {n};Dorpsstraat {n};1234 AB;Utrecht;1.250,00;"
        f"2026-11-{1 + n % 28:02d}"
        for n in range(2000)
    ]
    text = header + "\n".join(lines) + "\n"
    assert 100_000 < len(text.encode()) < 500_000
    response = upload(dash, survey["id"], text)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert count_rows(Customer) == 2000
    assert "2,000 invitations queued" in dash.html(URL)  # grouped, as the dashboard counts


def test_a_file_too_large_even_here_says_so(dash, survey, count_rows, smtp_server):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    before = stored(count_rows)
    fields = {
        "survey_id": str(survey["id"]),
        "csrf_token": dash.token("/dashboard/journeys"),
        "file": FileStorage(io.BytesIO(b"email\n" + b"x" * 1_200_000), "klanten.csv"),
    }
    boundary, body = encode_multipart(fields)
    # the encoded body as bytes: the test client spools a dict's files over 500 KB to a
    # temporary file that a refused request never reads, and so never closes
    response = dash.client.post(
        URL, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in response.get_data(as_text=True)
    assert stored(count_rows) == before


@pytest.mark.parametrize(
    "raw",
    [b"PK\x03\x04" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["xlsx", "png"],
)
def test_a_workbook_or_a_picture_is_not_a_list(dash, survey, count_rows, smtp_server, raw):
    before = stored(count_rows)
    data = {"survey_id": str(survey["id"]), "file": (io.BytesIO(raw), "klanten.xlsx")}
    response = dash.post(URL, data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Save as → CSV" in response.get_data(as_text=True)
    assert stored(count_rows) == before


def test_excels_unicode_text_is_read(dash, survey, smtp_server, db):
    text = "email\tklantnummer\r\nzoe@example.nl\tZoë\r\n"
    assert upload(dash, survey["id"], text, encoding="utf-16").status_code == 302
    assert db.session.query(Customer).one().external_id == "Zoë"


def test_older_invitations_are_a_page_away(dash, survey, smtp_server, monkeypatch):
    from app.services import invitations

    monkeypatch.setattr(invitations, "enqueue", lambda ids: len(ids))
    text = "\n".join(f"k{n}@example.nl" for n in range(55))
    assert upload(dash, survey["id"], text, as_file=False).status_code == 302
    first = dash.html(URL)
    older = re.search(r'href="([^"]+cursor=[^"]+)">Older invitations', first)
    assert older, "no link to older invitations"
    second = dash.html(unescape(older.group(1)))
    assert second.count('<th scope="row"><a href="/dashboard/customers/') == 5
    assert dash.get(f"{URL}?cursor=nonsense").status_code == 422


def test_a_customer_erased_while_the_list_is_stored_becomes_a_new_one(
    dash, api, survey, smtp_server, db, monkeypatch
):
    """An erasure that commits between finding a listed customer and locking it renames the
    row: the list then invites a new, bare customer under that number, not a 500."""
    from sqlalchemy import update

    from app.services import upserts

    api.post("/api/v1/customers", json={"external_id": "K-1", "email": "anna@example.nl"})
    real, erased = upserts.insert_ignore, []

    def insert_then_erase(model, conflict, values, returning=False):
        result = real(model, conflict, values, returning)
        if model is Customer and isinstance(values, list) and not erased:
            erased.append(True)
            db.session.execute(
                update(Customer)
                .where(Customer.external_id == "K-1")
                .values(external_id="erased-0001", email=None)
            )
        return result

    monkeypatch.setattr(upserts, "insert_ignore", insert_then_erase)
    text = "klantnummer;email\nK-1;anna@example.nl\n"
    assert upload(dash, survey["id"], text).status_code == 302
    assert erased
    fresh = db.session.query(Customer).filter_by(external_id="K-1").one()
    assert fresh.email == "anna@example.nl"
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna@example.nl"]]


def test_many_left_out_columns_are_named_in_short(dash, survey, smtp_server):
    header = "email;" + ";".join(f"kolom{n}" for n in range(15))
    assert upload(dash, survey["id"], f"{header}\nanna@example.nl\n").status_code == 302
    page = dash.html(URL)  # the flash shows once
    assert "columns left out: kolom0, kolom1" in page and "kolom9 and 5 more." in page


def test_a_first_name_column_is_read(dash, api, survey, smtp_server, db):
    """voornaam / first_name / First name: what the invitation greets her by."""
    for header in ("E-mailadres;Voornaam", "email,first_name", "Email\tFirst name"):
        separator = header[5] if header.startswith("email") else (";" if ";" in header else "\t")
        text = f"{header}\nvoor-{len(header)}@example.nl{separator} Anna \n"
        assert upload(dash, survey["id"], text).status_code == 302, header
        customer = db.session.query(Customer).filter_by(email=f"voor-{len(header)}@example.nl")
        assert customer.one().first_name == "Anna", header
    bad = "email;voornaam\nregel@example.nl;Anna\u202eB\n"
    page = upload(dash, survey["id"], bad).get_data(as_text=True)
    assert "Line 2, <code>first_name</code>" in page or "lines.2.first_name" in page
