"""A customer's first name (`first_name`, optional): given through the API, shown back, in the
privacy export, and gone with an erasure. Bad values are a 422 and nothing is stored."""

import pytest

from app.extensions import db
from app.models import Customer
from tests.channels.helpers import assert_error


def stored(external_id):
    db.session.expire_all()
    row = db.session.query(Customer).filter_by(external_id=external_id).one_or_none()
    return row.first_name if row else "no such customer"


def test_a_first_name_is_kept_trimmed_and_shown(api):
    body = {"external_id": "fn-1", "email": "fn-1@example.nl", "first_name": "  Anna-Lotte "}
    created = api.post("/api/v1/customers", json=body)
    assert created.status_code == 201 and created.json["first_name"] == "Anna-Lotte"
    # left out keeps it; empty or null forgets it
    kept = api.post("/api/v1/customers", json={"external_id": "fn-1", "locale": "en"})
    assert kept.json["first_name"] == "Anna-Lotte"
    assert (
        api.post("/api/v1/customers", json={"external_id": "fn-1", "first_name": " "}).json[
            "first_name"
        ]
        is None
    )
    assert stored("fn-1") is None


@pytest.mark.parametrize(
    "name",
    [
        "Anna\r\nBcc: x@example.com",  # it goes into a Subject header
        "Anna\tB",
        "\u202eannA",
        "A" * 101,
        42,
    ],
)
def test_a_bad_first_name_is_422_and_nothing_is_stored(api, name):
    body = {"external_id": "fn-bad", "email": "fn-bad@example.nl", "first_name": name}
    error = assert_error(api.post("/api/v1/customers", json=body), 422, "validation_error")
    assert "first_name" in error["fields"]
    assert stored("fn-bad") == "no such customer"


def test_the_export_holds_it_and_erasure_removes_it(api):
    body = {"external_id": "fn-2", "email": "fn-2@example.nl", "first_name": "Bram"}
    assert api.post("/api/v1/customers", json=body).status_code == 201
    export = api.get("/api/v1/customers/fn-2/export")
    assert export.status_code == 200 and export.json["customer"]["first_name"] == "Bram"
    erased = api.delete("/api/v1/customers/fn-2")
    assert erased.status_code == 200, erased.json
    row = db.session.query(Customer).filter_by(external_id=erased.json["tombstone"]).one()
    db.session.refresh(row)
    assert row.first_name is None and row.email is None
