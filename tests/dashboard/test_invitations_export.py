"""The invitations page's download: every email invitation (or one status's), with what became
of it and whether she answered, as CSV or for Dutch Excel; another brand's never."""

import csv
import io

import pytest

from app.models import Invitation
from app.services import customers, invitations


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def invited(api, survey, other_brand, db):
    """Two invitations of this brand (one skipped by the contact budget), one of another."""
    for customer in ("klant-1", "=HYPERLINK(1)"):
        api.post(
            "/api/v1/customers",
            json={"external_id": customer, "email": f"{len(customer)}@example.nl"},
        )
    for customer in ("klant-1", "klant-1", "=HYPERLINK(1)"):
        response = api.post(
            "/api/v1/invitations", json={"customer": customer, "survey_id": survey["id"]}
        )
        assert response.status_code == 202, response.json
    other = other_brand["brand"]
    customers.upsert(other, {"external_id": "ander", "email": "ander@example.nl"})
    invitations.create(other, {"customer": "ander", "survey_id": other_brand["survey_id"]})


def test_the_download_lists_the_brands_invitations(as_role, invited, db):
    found = rows(as_role("viewer").get("/dashboard/invitations.csv"))
    assert len(found) == 3 and db.session.query(Invitation).count() == 4  # one is another's
    # no mail server here: the two asked wait queued
    assert sorted(row["status"] for row in found) == ["queued", "queued", "skipped"]
    first = found[-1]  # oldest last
    assert first["customer"] == "klant-1" and first["email"] == "7@example.nl"
    assert first["phase"] == "levering" and first["answered"] == "False"
    assert "'=HYPERLINK(1)" in {row["customer"] for row in found}  # no formula for Excel


@pytest.mark.parametrize("batch", [1, 2])
def test_batches_list_every_invitation_once_newest_first(as_role, invited, db, monkeypatch, batch):
    """Read a batch at a time, each after the last row of the one before."""
    from app.services import exports

    monkeypatch.setattr(exports, "BATCH", batch)
    ids = [int(row["id"]) for row in rows(as_role("viewer").get("/dashboard/invitations.csv"))]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True)


def test_one_status_and_the_excel_form(as_role, invited):
    viewer = as_role("viewer")
    skipped = rows(viewer.get("/dashboard/invitations.csv?status=skipped"))
    assert [row["skip_reason"] for row in skipped] == ["min_days_between"]
    excel = viewer.get("/dashboard/invitations.csv?format=excel-nl")
    assert excel.status_code == 200
    assert "invitations-excel-nl.csv" in excel.headers["Content-Disposition"]
    header = excel.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.startswith("id;created_at;customer;email")


@pytest.mark.parametrize("query", ["status=lost", "format=xlsx"])
def test_a_bad_status_or_form_is_422(as_role, query):
    assert as_role("viewer").get(f"/dashboard/invitations.csv?{query}").status_code == 422


def test_signed_out_is_sent_to_the_login(client):
    response = client.get("/dashboard/invitations.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
