"""Inviting a list as personal links from the dashboard: "Personal links: download, no email"
issues each customer's link as POST /api/v1/invitations with "channel": "link" does, mails
nothing, and answers with a CSV to merge into the shop's own mailing tool or packing slips."""

import csv
import io
import re

import pytest

from app.models import Contact, Customer, Invitation
from app.services.exports import PERSONAL_LINK_COLUMNS
from tests.channels.helpers import link_path

pytestmark = pytest.mark.smtp

URL = "/dashboard/invitations"
BOM = "\ufeff"


def links(dash, survey_id, text, form="csv", **extra):
    data = {
        "survey_id": str(survey_id),
        "channel": "link",
        "format": form,
        "file": (io.BytesIO(text.encode("utf-8-sig")), "klanten.csv"),
        **extra,
    }
    return dash.post(URL, data, content_type="multipart/form-data")


def rows_of(response, delimiter=","):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)  # Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def stored(count_rows) -> tuple[int, int, int]:
    return count_rows(Customer), count_rows(Invitation), count_rows(Contact)


def test_the_list_comes_back_as_personal_links_and_nothing_is_mailed(
    dash, api, client, survey, smtp_server, db
):
    api.post("/api/v1/customers", json={"external_id": "K-1", "email": "anna@example.nl"})
    text = (
        "klantnummer;email;voornaam;taal\n"
        ";ANNA@example.nl;Anna;en\n"  # only the address: K-1, found by it
        "K-2;bram@example.nl;;\n"
        "K-3;;Cor;\n"  # no address at all: a link needs none
    )
    response = links(dash, survey["id"], text)
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="personal-links-survey-\d+-\d{4}-\d\d-\d\d-\d{4}\.csv"', disposition
    )
    rows = rows_of(response)
    assert list(rows[0]) == list(PERSONAL_LINK_COLUMNS)
    assert [(r["line"], r["external_id"], r["email"], r["first_name"]) for r in rows] == [
        ("2", "K-1", "anna@example.nl", "Anna"),
        ("3", "K-2", "bram@example.nl", ""),
        ("4", "K-3", "", "Cor"),
    ]
    assert {r["status"] for r in rows} == {"issued"} and {r["skip_reason"] for r in rows} == {""}
    assert smtp_server.messages == []

    for row in rows:
        # the link the API gives for the same invitation, with its QR code and last day
        shown = api.get(f"/api/v1/invitations/{row['invitation_id']}").json
        assert shown["channel"] == "link" and shown["status"] == "issued"
        assert (row["url"], row["qr_url"]) == (shown["url"], shown["qr_url"])
        assert row["qr_url"] == row["url"] + "/qr.svg"
        assert row["expires"] == shown["expires_at"][:10]  # the brand's day (UTC in tests)
        assert shown["remind_at"] is None
    assert rows[0]["locale"] == "en"  # hers, which the survey speaks
    assert client.get(link_path(rows[2]["url"])).status_code == 200  # it opens her survey
    assert db.session.query(Contact).filter_by(channel="link").count() == 3  # each an ask

    page = dash.html(URL)  # the summary waits for the page's next view
    assert "3 personal links issued, in the download; 2 new customers" in page
    assert page.count("personal link, not mailed") == 3


def test_excel_nl_form_and_the_formula_guard(dash, survey, smtp_server):
    text = (
        "external_id;email;first_name\n"
        '=HYPERLINK("http://evil.example");anna@example.nl;@SUM(A1)\n'
        '"K;2";bram@example.nl;"Bram ""B"" de Vries"\n'
    )
    plain = rows_of(links(dash, survey["id"], text))
    assert plain[0]["external_id"] == '\'=HYPERLINK("http://evil.example")'
    assert plain[0]["first_name"] == "'@SUM(A1)"
    assert plain[1]["external_id"] == "K;2" and plain[1]["first_name"] == 'Bram "B" de Vries'

    # Excel (NL): split on ";", quoted where a cell holds one; the same guard
    text = "email,voornaam\ncor@example.nl,Cor;Jan\n-1@example.nl,\n"
    other = links(dash, survey["id"], text, form="excel-nl")
    assert other.headers["Content-Disposition"].endswith('-excel-nl.csv"')
    assert '"Cor;Jan"' in other.get_data(as_text=True)
    rows = rows_of(other, delimiter=";")
    assert [(r["external_id"], r["email"]) for r in rows] == [
        ("cor@example.nl", "cor@example.nl"),
        ("'-1@example.nl", "'-1@example.nl"),  # a new customer named by the address
    ]
    assert rows[0]["first_name"] == "Cor;Jan"
    assert rows[0]["url"].startswith("http") and rows[0]["invitation_id"].isdigit()


def test_skipped_lines_are_listed_with_their_reason_and_no_link(dash, api, survey, smtp_server, db):
    api.post("/api/v1/customers", json={"external_id": "K-9", "email": "weg@example.nl"})
    db.session.query(Customer).filter_by(external_id="K-9").one().unsubscribed_at = db.func.now()
    db.session.commit()
    first = rows_of(links(dash, survey["id"], "email\nanna@example.nl\nweg@example.nl\n"))
    assert [(r["status"], r["skip_reason"], r["url"]) for r in first[1:]] == [
        ("skipped", "unsubscribed", "")
    ]
    assert first[0]["status"] == "issued"

    # The same list again (the first file lost, say): a link still open is listed again, the
    # same URL, asking nothing anew; nobody gets a second one.
    again = rows_of(links(dash, survey["id"], "email\nanna@example.nl\nweg@example.nl\n"))
    assert [(r["status"], r["skip_reason"], r["url"], r["expires"]) for r in again] == [
        ("issued", "", first[0]["url"], first[0]["expires"]),
        ("skipped", "unsubscribed", "", ""),
    ]
    assert again[0]["invitation_id"] == first[0]["invitation_id"]
    page = dash.html(URL)
    assert "1 personal link issued, in the download (1 still open from an earlier list, " in page
    assert db.session.query(Contact).count() == 1  # no ask spent again, nor on a skip
    issued = db.session.query(Invitation).filter_by(status="issued")
    assert issued.count() == 1  # hers, once; each upload keeps a skipped row for the other
    assert smtp_server.messages == []


def test_an_answered_link_is_not_listed_again(dash, client, survey, smtp_server, db):
    """Answered (or expired), a link is no longer open: the list's second upload asks the
    contact budget anew, which holds her back as it would an email."""
    from tests.channels.helpers import form_fields

    first = rows_of(links(dash, survey["id"], "email\nanna@example.nl\n"))
    page = client.get(link_path(first[0]["url"])).get_data(as_text=True)
    answered = client.post(link_path(first[0]["url"]), data={**form_fields(page), "q_nps": "9"})
    assert answered.status_code == 200
    again = rows_of(links(dash, survey["id"], "email\nanna@example.nl\n"))
    assert [(r["status"], r["url"]) for r in again] == [("skipped", "")]


def test_the_email_choice_is_todays_behaviour(dash, survey, smtp_server, db):
    data = {"survey_id": str(survey["id"]), "channel": "email", "list": "anna@example.nl"}
    response = dash.post(URL, data)
    assert response.status_code == 302
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna@example.nl"]]
    assert db.session.query(Invitation).one().channel == "email"
    assert "1 invitation queued" in dash.html(URL)


def test_the_reminder_box_changes_nothing_for_links(dash, survey, smtp_server, db):
    rows = rows_of(links(dash, survey["id"], "email\nanna@example.nl\n", no_reminder="on"))
    assert rows[0]["status"] == "issued"
    assert db.session.query(Invitation).one().reminder_skip_reason is None


@pytest.mark.parametrize(
    ("text", "extra", "shown"),
    [
        ("email\nanna@example.nl\ngeen-adres\n", {}, "Line 3"),
        ("email;persona\nanna@example.nl;onbekend\n", {}, "unknown persona"),
        ("email\nanna@example.nl\n", {"channel": "sms"}, "choose Email them or Personal links"),
        ("email\nanna@example.nl\n", {"format": "xlsx"}, "choose CSV or Excel (NL)"),
        ("email\nanna@example.nl\n", {"no_reminder": "yes"}, "tick the box or leave it"),
    ],
)
def test_a_bad_list_issues_nothing_and_names_the_line(
    dash, survey, smtp_server, count_rows, text, extra, shown
):
    before = stored(count_rows)
    response = links(dash, survey["id"], text, **extra)
    assert response.status_code == 422
    assert response.mimetype == "text/html"  # the page to fix it on, not a file
    page = response.get_data(as_text=True)
    assert "Nobody was invited" in page and shown in page
    assert stored(count_rows) == before


def test_the_limits_apply_to_links_too(dash, survey, count_rows, smtp_server):
    before = stored(count_rows)
    text = "email\n" + "\n".join(f"k{n}@example.nl" for n in range(2001)) + "\n"
    response = links(dash, survey["id"], text)
    assert response.status_code == 422
    assert "at most 2,000 customers per list" in response.get_data(as_text=True)
    assert stored(count_rows) == before


def test_a_viewer_cannot_and_csrf_is_needed(as_role, dash, survey, smtp_server, count_rows):
    before = stored(count_rows)
    viewer = as_role("viewer")
    assert "Personal links: download, no email" not in viewer.html(URL)
    assert links(viewer, survey["id"], "anna@example.nl\n").status_code == 403
    data = {"survey_id": survey["id"], "channel": "link", "list": "anna@example.nl"}
    assert dash.post(URL, data, csrf=False).status_code == 400
    assert stored(count_rows) == before
    editor = as_role("editor")  # editors invite lists, as they send them
    assert rows_of(links(editor, survey["id"], "anna@example.nl\n"))[0]["status"] == "issued"
