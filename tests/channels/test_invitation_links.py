"""Personal links the brand delivers itself: POST /api/v1/invitations with channel "link"
stores the invitation, sends nothing and answers with the customer's signed, single-use URL
(and a QR code of it) for the shop's own email or packing slip."""

from datetime import timedelta

import pytest

from app.models import Contact, Customer, Invitation, Response, Review, Survey
from app.models.base import utcnow
from app.services import invitations
from tests.channels.helpers import assert_error, form_fields, link_path
from tests.dashboard.conftest import Dashboard, users  # noqa: F401 — the fixture, for logins

pytestmark = pytest.mark.smtp


@pytest.fixture
def customer(api):
    response = api.post(
        "/api/v1/customers",
        json={"external_id": "order-1001", "email": "anna@example.nl", "locale": "nl"},
    )
    assert response.status_code == 201, response.json
    return response.json


def issue(api, survey, customer="order-1001", headers=None, **extra):
    return api.post(
        "/api/v1/invitations",
        json={"customer": customer, "survey_id": survey["id"], "channel": "link", **extra},
        headers=headers,
    )


def answer(client, url: str, **fields):
    """A customer opening the link and pressing Send."""
    path = link_path(url)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={**form_fields(page.get_data(as_text=True)), **fields})


def test_a_link_is_issued_not_sent(api, client, survey, customer, smtp_server, db):
    response = issue(api, survey)
    assert response.status_code == 202, response.json
    body = response.json
    assert body["channel"] == "link" and body["status"] == "issued"
    assert body["sent_at"] is None and body["skip_reason"] is None
    assert body["url"].startswith("http://") and "/s/" in body["url"]
    assert body["qr_url"] == body["url"] + "/qr.svg"
    assert body["remind_at"] is None and body["reminder_skip_reason"] is None
    assert smtp_server.messages == []  # the shop's own email carries it

    # the same URL whenever it is asked for: it may already be printed
    assert api.get(f"/api/v1/invitations/{body['id']}").json["url"] == body["url"]
    listing = api.get("/api/v1/invitations").json
    assert [item["url"] for item in listing["items"]] == [body["url"]]
    assert listing["counts"]["issued"] == 1 and listing["counts"]["sent"] == 0
    assert api.get("/api/v1/invitations", query_string={"status": "issued"}).json["items"]

    page = client.get(link_path(body["url"]))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Hoe waarschijnlijk" in page.get_data(as_text=True)

    qr = client.get(link_path(body["qr_url"]))
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store"  # one customer's, as her page
    assert b"<svg" in qr.data


def test_an_answer_through_the_link_counts_as_the_invitations(
    api, client, survey, customer, smtp_server, db, count_rows
):
    url = issue(api, survey).json["url"]
    hidden = form_fields(client.get(link_path(url)).get_data(as_text=True))
    thanks = client.post(
        link_path(url),
        data={**hidden, "q_nps": "9", "q_why": "Netjes geleverd", "review_consent": "yes"},
    )
    assert thanks.status_code == 200, thanks.get_data(as_text=True)
    assert "punten verdiend" in thanks.get_data(as_text=True)  # loyalty's default policy

    [stored] = db.session.query(Response).all()
    assert stored.channel == "link" and stored.customer.external_id == "order-1001"
    invitation = db.session.query(Invitation).one()
    assert invitation.response_id == stored.id and invitation.used_at is not None
    [review] = db.session.query(Review).all()
    assert review.verified and review.verified_by == "invitation_link"

    one = api.get(f"/api/v1/invitations/{invitation.id}").json
    assert one["answered"] is True and one["response_id"] == stored.id
    assert one["status"] == "issued"
    assert api.get("/api/v1/invitations").json["counts"]["answered"] == 1

    # single use: the link and its code are spent
    assert client.post(link_path(url), data={**hidden, "q_nps": "3"}).status_code == 409
    assert client.get(link_path(url)).status_code == 409
    assert client.get(link_path(url) + "/qr.svg").status_code == 404
    assert count_rows(Response) == 1
    assert smtp_server.messages == []


def test_a_customer_without_an_address_gets_a_link(api, client, survey, db):
    api.post("/api/v1/customers", json={"external_id": "order-2002"})
    response = issue(api, survey, customer="order-2002")
    assert response.status_code == 202, response.json
    assert response.json["status"] == "issued" and response.json["url"]
    assert answer(client, response.json["url"], q_nps="7").status_code == 200
    assert db.session.query(Response).one().customer.external_id == "order-2002"


def test_a_link_spends_the_contact_budget_as_an_email_does(api, survey, customer, smtp_server, db):
    assert issue(api, survey).json["status"] == "issued"
    [contact] = db.session.query(Contact).all()
    assert contact.channel == "link"

    second = issue(api, survey)
    assert second.status_code == 202
    assert second.json["status"] == "skipped"
    assert second.json["skip_reason"] == "min_days_between"
    assert second.json["url"] is None and second.json["qr_url"] is None
    emailed = api.post(
        "/api/v1/invitations",
        json={"customer": "order-1001", "survey_id": survey["id"], "channel": "email"},
    )
    assert emailed.json["status"] == "skipped"  # one budget across channels
    assert smtp_server.messages == []
    counts = api.get("/api/v1/invitations").json["counts"]
    assert counts["issued"] == 1 and counts["skipped"] == 2
    assert counts["skipped_by_reason"] == {"min_days_between": 2}


def test_an_unsubscribed_customer_gets_no_link(api, survey, customer, db):
    from app.services import unsubscribes

    db.session.query(Customer).one().unsubscribed_at = utcnow()
    db.session.commit()
    response = issue(api, survey)
    assert response.json["status"] == "skipped"
    assert response.json["skip_reason"] == "unsubscribed"
    assert response.json["url"] is None
    assert db.session.query(Contact).count() == 0  # not asked

    # the address unsubscribed under another order number: not her either
    brand_id = db.session.query(Customer).one().brand_id
    unsubscribes.suppress(brand_id, "bert@example.nl")
    db.session.commit()
    api.post("/api/v1/customers", json={"external_id": "order-3003", "email": "Bert@example.nl"})
    assert issue(api, survey, customer="order-3003").json["skip_reason"] == "unsubscribed"


def test_an_idempotency_key_returns_the_same_invitation_and_url(api, survey, customer, count_rows):
    key = {"Idempotency-Key": "order-1001-slip"}
    first = issue(api, survey, headers=key)
    again = issue(api, survey, headers=key)
    assert again.status_code == 202
    assert again.json == first.json
    assert count_rows(Invitation) == 1 and count_rows(Contact) == 1
    other = issue(api, survey, headers=key, locale="en")
    assert_error(other, 409, "idempotency_conflict")
    emailed = api.post(
        "/api/v1/invitations",
        json={"customer": "order-1001", "survey_id": survey["id"]},
        headers=key,
    )
    assert_error(emailed, 409, "idempotency_conflict")  # the key named a link, not an email
    assert count_rows(Invitation) == 1


BAD_LINKS = [
    ({"remind": True}, 422, "remind"),
    ({"channel": "sms"}, 422, "channel"),
    ({"customer": "nobody"}, 422, "customer"),
    ({"locale": "de"}, 422, "locale"),
    ({"touchpoint": "Nergens"}, 422, "touchpoint"),
    ({"survey_id": 999_999}, 404, None),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_LINKS)
def test_bad_links_store_nothing(api, survey, customer, count_rows, body, status, field):
    error = assert_error(issue(api, survey, **body), status)
    if field:
        assert field in error["fields"], error
    assert count_rows(Invitation) == 0 and count_rows(Contact) == 0


def test_remind_false_is_no_error_and_no_reminder(api, survey, customer, db):
    db.session.get(Survey, survey["id"]).remind_after_days = 3
    db.session.commit()
    response = issue(api, survey, remind=False)
    assert response.status_code == 202, response.json
    assert response.json["remind_at"] is None and response.json["reminder_skip_reason"] is None


def test_another_brands_link_is_a_404(api, survey, customer, other_brand, count_rows):
    assert_error(issue(api, survey, survey_id=other_brand["survey_id"]), 404)
    mine = issue(api, survey).json["id"]
    from tests.conftest import ApiClient

    other = ApiClient(api.client, other_brand["key"])
    assert_error(other.get(f"/api/v1/invitations/{mine}"), 404)
    assert other.get("/api/v1/invitations").json["items"] == []
    assert count_rows(Invitation) == 1


def test_a_link_is_not_sent_again(api, survey, customer):
    mine = issue(api, survey).json["id"]
    error = assert_error(api.post(f"/api/v1/invitations/{mine}/retry"), 409)
    assert error["fields"] == {"status": ["issued"]}


def test_the_link_expires_as_an_emailed_one(app, api, client, brand, survey, customer, db):
    body = issue(api, survey).json
    invitation = db.session.get(Invitation, body["id"])
    assert invitation.expires_at == invitations.link_expiry(brand, invitation.created_at)
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link_path(body["url"])).status_code == 410
    assert client.get(link_path(body["qr_url"])).status_code == 404


def test_an_erased_customers_link_stops_working(api, client, survey, customer, count_rows):
    body = issue(api, survey).json
    assert api.delete("/api/v1/customers/order-1001").status_code == 200
    assert count_rows(Invitation) == 0
    assert client.get(link_path(body["url"])).status_code == 404
    assert client.get(link_path(body["qr_url"])).status_code == 404


def test_an_emailed_invitations_link_gets_no_qr_code(
    api, client, survey, customer, smtp_server, db
):
    api.post("/api/v1/invitations", json={"customer": "order-1001", "survey_id": survey["id"]})
    invitation = db.session.query(Invitation).one()
    token = invitations.token_for(invitation)
    assert client.get(f"/s/{token}").status_code == 200
    assert client.get(f"/s/{token}/qr.svg").status_code == 404


@pytest.mark.usefixtures("users")
def test_the_invitations_page_shows_the_link(app, api, client, survey, customer):
    issue(api, survey)
    dashboard = Dashboard(app.test_client())
    dashboard.login("viewer@testbad.example")
    page = dashboard.html("/dashboard/invitations")
    assert "1 issued" in page
    assert ">issued</span>" in page and "personal link, not mailed" in page
    assert "issued" in dashboard.html("/dashboard/invitations?status=issued")


def test_openapi_documents_the_link(client):
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    assert "link" in schemas["InvitationIn"]["properties"]["channel"]["enum"]
    assert {"url", "qr_url"} <= set(schemas["InvitationOut"]["properties"])
    assert "issued" in schemas["InvitationOut"]["properties"]["status"]["enum"]


@pytest.mark.usefixtures("users")
def test_the_download_lists_links_with_their_channel(app, api, survey, customer):
    import csv
    import io

    api.post("/api/v1/customers", json={"external_id": "k2", "email": "k2@example.nl"})
    api.post("/api/v1/invitations", json={"customer": "k2", "survey_id": survey["id"]})
    issue(api, survey)
    dashboard = Dashboard(app.test_client())
    dashboard.login("viewer@testbad.example")
    text = dashboard.get("/dashboard/invitations.csv").get_data(as_text=True).lstrip("\ufeff")
    found = [(row["status"], row["channel"]) for row in csv.DictReader(io.StringIO(text))]
    assert found[0] == ("issued", "link") and found[1][1] == "email"


@pytest.mark.usefixtures("users")
def test_the_phase_page_gives_links_their_own_response_rate(
    app, api, client, journey, survey, customer
):
    url = issue(api, survey).json["url"]
    answer(client, url, q_nps="8")
    dashboard = Dashboard(app.test_client())
    dashboard.login("viewer@testbad.example")
    page = dashboard.html(f"/dashboard/journeys/{journey['id']}/phases/levering")
    line = page.split(f'data-survey-link-rate="{survey["id"]}"')[1].split("</p>")[0]
    assert "1 issued, 1 answered" in line and "100" in line
    assert f'data-survey-rate="{survey["id"]}"' not in page  # no email invitations


def test_the_cli_prints_the_link(app, survey, customer, smtp_server):
    import json

    args = ["invitation", "send", "--brand", "testbad", "--customer", "order-1001"]
    result = app.test_cli_runner().invoke(args=[*args, "--survey", str(survey["id"]), "--link"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["status"] == "issued" and "/s/" in shown["url"] and shown["qr_url"]
    assert smtp_server.messages == []
