"""The customer lookup: customer service finds one customer by exact email or external id and
reads on one page what Phasewise holds about them; exports and erases them by role."""

import json

import pytest

from app.extensions import db
from app.models import Customer, PrivacyRequest
from tests.dashboard.conftest import answer


def find(dash, text):
    return dash.post("/dashboard/customers", data={"q": text})


def page_of(dash, text) -> str:
    """The customer page the search leads to (one match redirects to it)."""
    found = find(dash, text)
    assert found.status_code == 302, found.status_code
    assert "/dashboard/customers/" in found.headers["Location"]
    return dash.html(found.headers["Location"])


@pytest.fixture
def anna(api, journey, survey):
    """A customer with an answer that needs a follow-up, an invitation, a journey event and
    points."""
    body = {"external_id": "klant-7", "email": "Anna.B@Example.nl", "value": 2500}
    body["first_name"] = "Anna"
    assert api.post("/api/v1/customers", json=body).status_code == 201
    event = {"customer": "klant-7", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    answer(api, survey, 9, 5, "Keurig geleverd", customer="klant-7")
    answer(api, survey, 2, 1, "Tegels kapot <b>echt</b> slecht", customer="klant-7")
    invited = {"customer": "klant-7", "survey_id": survey["id"], "channel": "link"}
    assert api.post("/api/v1/invitations", json=invited).status_code in (201, 202)
    return db.session.query(Customer).filter_by(external_id="klant-7").one()


def test_an_external_id_or_an_address_in_any_case_opens_the_customers_page(dash, anna):
    html = page_of(dash, "klant-7")
    assert "Customer klant-7" in html and "anna.b@example.nl" in html
    assert "<dt>First name</dt><dd>Anna</dd>" in html
    # answers newest first, with phase, scores, text (escaped), sentiment and follow-up state
    assert html.index("Tegels kapot") < html.index("Keurig geleverd")
    assert "Tegels kapot &lt;b&gt;echt&lt;/b&gt; slecht" in html and "<b>echt</b>" not in html
    assert "score 2 · detractor" in html and "CSAT 1" in html and "negative" in html
    assert "Needs a follow-up (NPS detractor (0-6)" in html and "open" in html
    assert "Balance: <strong>" in html and "answered" in html
    assert "issued" in html  # the personal link, not answered
    assert 'Journey events <span class="muted">(1)</span>' in html
    assert "Customer klant-7" in page_of(dash, "  ANNA.b@example.NL ")  # pasted with spaces


def test_only_exact_matches_are_found(dash, anna):
    for text in ("anna", "example.nl", "klant", "klant-", "KLANT-7", "%", "_"):
        found = find(dash, text)
        assert found.status_code == 200, text
        assert "No customer found" in found.get_data(as_text=True), text


def test_bad_input_is_a_422_next_to_the_field_and_is_escaped(dash, anna):
    for text in ("", "   ", "x" * 255, "klant\n7", "tab\tin"):
        found = find(dash, text)
        assert found.status_code == 422, repr(text)
        html = found.get_data(as_text=True)
        assert 'aria-invalid="true"' in html and 'id="err-q"' in html
    # a NUL meets the app's own guard first: its 422 page names the field too
    found = find(dash, "a\x00b")
    assert found.status_code == 422 and "<code>q</code>" in found.get_data(as_text=True)
    html = find(dash, '<script>alert("x")</script>').get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_several_customers_with_one_address_are_listed(api, dash, anna):
    body = {"external_id": "klant-8", "email": "anna.b@example.nl"}
    assert api.post("/api/v1/customers", json=body).status_code == 201
    found = find(dash, "anna.b@example.nl")
    assert found.status_code == 200
    html = found.get_data(as_text=True)
    assert "2 customers" in html and "klant-7" in html and "klant-8" in html


def test_another_brands_customer_is_a_404(dash, anna, other_brand):
    from app.services import customers

    theirs = customers.upsert(other_brand["brand"], {"external_id": "zijn-1", "email": "z@x.nl"})[0]
    assert "No customer found" in find(dash, "zijn-1").get_data(as_text=True)
    assert "No customer found" in find(dash, "z@x.nl").get_data(as_text=True)
    base = f"/dashboard/customers/{theirs.id}"
    assert dash.get(base).status_code == 404
    assert dash.post(f"{base}/export").status_code == 404
    assert dash.get(f"{base}/erase").status_code == 404
    assert dash.post(f"{base}/erase").status_code == 404
    db.session.expire_all()
    assert db.session.get(Customer, theirs.id).erased_at is None


def test_roles_viewers_read_editors_export_owners_erase(as_role, anna):
    base = f"/dashboard/customers/{anna.id}"
    viewer = as_role("viewer")
    html = page_of(viewer, "klant-7")
    assert "Tegels kapot" in html  # customer service reads, as on the follow-up list
    assert "privacy export" not in html.split("<main", 1)[1].split("</h1>", 1)[1][:400]
    assert "Erase this customer" not in html
    assert viewer.post(f"{base}/export").status_code == 403
    assert viewer.get(f"{base}/erase").status_code == 403
    editor = as_role("editor")
    html = editor.html(base)
    assert "Download privacy export" in html and "Erase this customer" not in html
    assert editor.post(f"{base}/export").status_code == 200
    assert editor.get(f"{base}/erase").status_code == 403
    assert editor.post(f"{base}/erase").status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, anna.id).erased_at is None
    assert "Erase this customer" in as_role("owner").html(base)


def test_the_export_downloads_the_apis_export_and_is_logged_by_the_login(as_role, anna):
    response = as_role("editor").post(f"/dashboard/customers/{anna.id}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "klant" not in response.headers["Content-Disposition"]  # no id in a file name
    data = json.loads(response.get_data(as_text=True))
    assert data["customer"]["email"] == "anna.b@example.nl"
    assert len(data["responses"]) == 2
    logged = db.session.query(PrivacyRequest).filter_by(kind="export").one()
    assert logged.actor == "dashboard"
    assert logged.details["by"] == "editor@testbad.example"


def test_opening_a_customers_page_is_logged_by_the_login_once_per_look(as_role, anna, api):
    """Who looked at a customer's data: the page shows what the export holds, so it is logged
    as the export is; paging through older answers is the same look."""
    viewer = as_role("viewer")
    viewer.html(f"/dashboard/customers/{anna.id}")
    [logged] = db.session.query(PrivacyRequest).filter_by(kind="view").all()
    assert logged.actor == "dashboard" and logged.details == {"by": "viewer@testbad.example"}
    assert "klant-7" not in json.dumps(logged.details) and logged.subject  # a keyed hash only
    assert viewer.get(f"/dashboard/customers/{anna.id}?answers=bm9wZQ").status_code == 422
    assert db.session.query(PrivacyRequest).filter_by(kind="view").count() == 1
    kinds = [item["kind"] for item in api.get("/api/v1/privacy/requests").get_json()["items"]]
    assert kinds == ["view"]


def test_erasure_asks_first_then_erases_with_the_privacy_service(dash, anna):
    base = f"/dashboard/customers/{anna.id}"
    html = dash.html(f"{base}/erase")
    assert "cannot be undone" in html
    assert "2 answers" in html and "written text of 2 answers" in html
    assert "1 journey event" in html and "1 invitation" in html
    # without the CSRF token nothing happens
    assert dash.post(f"{base}/erase", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(Customer, anna.id).erased_at is None
    done = dash.post(f"{base}/erase")
    assert done.status_code == 302 and done.headers["Location"].endswith(base)
    html = dash.html(base)
    assert "Erased. 2 answers kept only their scores" in html
    assert "An erased customer" in html
    for personal in ("klant-7", "anna.b@example.nl", "Tegels kapot", "Keurig"):
        assert personal not in html, personal
    assert "Download privacy export" not in html and "Erase this customer" not in html
    logged = db.session.query(PrivacyRequest).filter_by(kind="erasure").one()
    assert logged.actor == "dashboard" and logged.details["by"] == "owner@testbad.example"
    assert logged.details["counts"]["responses"] == 2
    # again: nothing more happens
    again = dash.post(f"{base}/erase")
    assert again.status_code == 302
    assert "erased already" in dash.html(base)
    assert db.session.query(PrivacyRequest).filter_by(kind="erasure").count() == 1
    assert dash.post(f"{base}/export").status_code == 409
    # the old id says it was erased, without naming anything of the customer
    html = find(dash, "klant-7").get_data(as_text=True)
    assert "No customer found" in html and "was <strong>erased</strong>" in html
    assert "No customer found" in find(dash, "anna.b@example.nl").get_data(as_text=True)
    # the tombstone's own id opens the tombstone
    tombstone = logged.tombstone
    assert "An erased customer" in page_of(dash, tombstone)


def test_long_histories_are_paged(api, dash, anna, survey):
    for number in range(22):
        answer(api, survey, number % 11, None, f"antwoord {number}", customer="klant-7")
    base = f"/dashboard/customers/{anna.id}"
    html = dash.html(base)
    assert 'Answers <span class="muted">(24)</span>' in html
    assert "antwoord 21" in html and "antwoord 1<" not in html
    assert html.count("<blockquote") == 20
    cursor = html.split(f"{base}?answers=", 1)[1].split("#", 1)[0]
    older = dash.html(f"{base}?answers={cursor}")
    assert older.count("<blockquote") == 4
    assert "Keurig geleverd" in older and "antwoord 21" not in older
    response = dash.get(f"{base}?answers=bm9wZQ")
    assert response.status_code == 422


def test_the_follow_up_list_links_to_the_customer(dash, anna, journey):
    url = f"/dashboard/journeys/{journey['id']}/phases/levering?show=follow_up"
    assert f'href="/dashboard/customers/{anna.id}"' in dash.html(url)
    assert f'href="/dashboard/customers/{anna.id}"' in dash.html("/dashboard/invitations")


def test_the_page_costs_the_same_queries_for_a_long_history(api, dash, anna, survey):
    from tests.dashboard.test_queries import counted

    def queries() -> int:
        with counted() as statements:
            assert dash.get(f"/dashboard/customers/{anna.id}").status_code == 200
        return len(statements)

    before = queries()
    for number in range(25):
        answer(api, survey, 3, 1, f"weer kapot {number}", customer="klant-7")
        event = {"customer": "klant-7", "journey_id": survey["journey_id"], "phase": "aankoop"}
        api.post("/api/v1/events", json=event)
    assert queries() == before


def test_an_order_number_finds_its_customer_and_the_page_shows_the_orders(
    api, dash, anna, journey, survey
):
    """Customer service is asked about order 1001: the number finds the customer whose
    events named it, and her page shows which event, invitation and answer were about it."""
    event = {"customer": "klant-7", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json={**event, "order": "1001"}).status_code == 201
    invited = {"customer": "klant-7", "survey_id": survey["id"], "channel": "link"}
    assert (
        api.post("/api/v1/invitations", json={**invited, "order": "<b>1002</b>"}).status_code == 422
    )
    assert api.post("/api/v1/invitations", json={**invited, "order": "1002"}).status_code == 202
    answer(api, survey, 8, 4, "Tweede levering prima", customer="klant-7")  # her latest: 1001
    html = page_of(dash, " 1001 ")
    assert "Customer klant-7" in html
    assert html.count("<code>1001</code>") == 2  # the event and the answer
    assert "<code>1002</code>" in html  # the invitation
    for text in ("100", "1003", "%"):
        assert "No customer found" in find(dash, text).get_data(as_text=True), text


def test_the_answers_and_invitations_csv_end_with_the_order(api, dash, anna, journey, survey):
    """A column added last: a spreadsheet that reads the columns before it by place is not
    moved."""
    import csv
    import io

    event = {"customer": "klant-7", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json={**event, "order": "NL-1001"}).status_code == 201
    invited = {"customer": "klant-7", "survey_id": survey["id"], "channel": "link"}
    assert api.post("/api/v1/invitations", json={**invited, "order": "NL-1002"}).status_code == 202
    answer(api, survey, 8, 4, "Prima", customer="klant-7")

    def rows(path):
        reply = dash.get(path)
        assert reply.status_code == 200, reply.status_code
        return list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))

    header, *lines = rows("/dashboard/invitations.csv")
    assert header[-2:] == ["channel", "order"]
    assert sorted(line[-1] for line in lines) == ["", "NL-1002"]
    header, *lines = rows(f"/dashboard/journeys/{journey['id']}/phases/levering/responses.csv")
    assert header[-1] == "order"
    assert sorted(line[-1] for line in lines) == ["", "", "NL-1001"]  # anna's two before it
