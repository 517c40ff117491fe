"""An unsubscribe stops mail to the address, not only to one customer record."""

import pytest
from sqlalchemy import inspect

from app.extensions import queue
from app.models import EmailSuppression, Invitation
from app.models.review import ModerationEntry
from app.services import invitations, unsubscribes
from tests.channels.helpers import link_path
from tests.reviews.helpers import answer, review_of, set_policy

pytestmark = pytest.mark.smtp

NO_BUDGET = {"min_days_between": 0, "max_per_journey": 0, "same_phase_days": 0}


def _customer(api, external_id, email="Anna@Example.NL"):
    response = api.post("/api/v1/customers", json={"external_id": external_id, "email": email})
    assert response.status_code in (200, 201), response.json


def _invite(api, survey, customer):
    body = {"customer": customer, "survey_id": survey["id"], "channel": "email"}
    response = api.post("/api/v1/invitations", json=body)
    assert response.status_code == 202, response.json
    return response.json


def _unsubscribe(client, message):
    url = link_path(str(message["List-Unsubscribe"]).strip().strip("<>"))
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def _no_budget(db, brand):
    brand.contact_policy = NO_BUDGET
    db.session.commit()


def test_the_same_address_under_a_second_order_number_is_not_mailed(
    api, client, brand, survey, smtp_server, db
):
    _no_budget(db, brand)
    _customer(api, "order-1001")
    assert _invite(api, survey, "order-1001")["status"] == "sent"
    _unsubscribe(client, smtp_server.messages[0])

    _customer(api, "order-1002", email="  anna@example.nl ")  # one person, typed otherwise
    second = _invite(api, survey, "order-1002")
    assert (second["status"], second["skip_reason"]) == ("skipped", "unsubscribed")
    assert len(smtp_server.envelopes) == 1

    _customer(api, "order-1003", email="piet@example.nl")  # someone else still is
    assert _invite(api, survey, "order-1003")["status"] == "sent"


def test_the_link_suppresses_the_address_the_mail_went_to_though_it_changed_since(
    api, client, brand, survey, smtp_server, db
):
    _no_budget(db, brand)
    _customer(api, "order-2001", email="oud@example.nl")
    assert _invite(api, survey, "order-2001")["status"] == "sent"
    _customer(api, "order-2001", email="nieuw@example.nl")  # she moved before clicking
    _unsubscribe(client, smtp_server.messages[0])
    assert unsubscribes.is_suppressed(brand.id, "oud@example.nl")  # the one that asked
    assert unsubscribes.is_suppressed(brand.id, "nieuw@example.nl")  # and hers today


def test_invitations_waiting_for_the_address_are_skipped_and_rechecked_before_sending(
    api, client, brand, survey, smtp_server, db, monkeypatch
):
    _no_budget(db, brand)
    _customer(api, "order-1")
    _invite(api, survey, "order-1")
    held = []
    monkeypatch.setattr(queue, "enqueue", lambda *args, **kwargs: held.append(args) or True)
    _customer(api, "order-2")
    waiting = _invite(api, survey, "order-2")["id"]  # queued, not sent yet
    _unsubscribe(client, smtp_server.messages[0])
    db.session.expire_all()
    invitation = db.session.get(Invitation, waiting)
    assert (invitation.status, invitation.skip_reason) == ("skipped", "unsubscribed")

    # queued before the address was suppressed by another path: the sender checks again
    _customer(api, "order-3", email="kees@example.nl")
    late = _invite(api, survey, "order-3")["id"]
    unsubscribes.suppress(brand.id, "Kees@example.nl")
    db.session.commit()
    assert invitations.deliver(late) == "skipped"
    assert len(smtp_server.envelopes) == 1


def test_after_an_erasure_the_address_added_again_is_not_mailed(
    api, client, brand, survey, smtp_server, db
):
    _customer(api, "klant-1")
    _invite(api, survey, "klant-1")
    _unsubscribe(client, smtp_server.messages[0])
    assert api.delete("/api/v1/customers/klant-1").status_code == 200

    _customer(api, "klant-1")  # the brand's next import brings her back
    again = _invite(api, survey, "klant-1")
    assert (again["status"], again["skip_reason"]) == ("skipped", "unsubscribed")
    assert len(smtp_server.envelopes) == 1

    # what is kept is a keyed hash, never the address
    [row] = db.session.query(EmailSuppression).all()
    assert row.brand_id == brand.id
    assert len(row.address_hash) == 64 and "@" not in row.address_hash
    assert row.address_hash == unsubscribes.address_hash(brand.id, "anna@example.nl")
    columns = {column["name"] for column in inspect(db.engine).get_columns("email_suppression")}
    assert columns == {"id", "brand_id", "address_hash", "created_at"}


def test_suppression_is_per_brand(api, client, survey, smtp_server, db, other_brand):
    from tests.conftest import ApiClient

    _customer(api, "klant-1")
    _invite(api, survey, "klant-1")
    _unsubscribe(client, smtp_server.messages[0])
    other = ApiClient(api.client, other_brand["key"])
    _customer(other, "klant-1")
    mailed = _invite(other, {"id": other_brand["survey_id"]}, "klant-1")
    assert mailed["status"] == "sent"
    assert len(smtp_server.envelopes) == 2


def test_a_review_notice_to_a_suppressed_address_is_not_mailed(
    api, client, brand, survey, smtp_server, db
):
    _customer(api, "order-1")
    _invite(api, survey, "order-1")
    _unsubscribe(client, smtp_server.messages[0])
    set_policy(brand, "immediate")
    _customer(api, "order-2")  # the same address, answering under another order
    review = review_of(answer(api, survey, customer="order-2", text="Prima geleverd."))
    body = {"action": "remove", "reason": "spam"}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    entry = db.session.query(ModerationEntry).filter_by(action="remove").one()
    db.session.refresh(entry)
    assert entry.notice["status"] == "no_address"
    assert len(smtp_server.envelopes) == 1


def test_migration_suppresses_the_addresses_of_customers_unsubscribed_before_it(tmp_path):
    """0013 adds the list; a customer unsubscribed before it keeps her address suppressed."""
    from datetime import datetime

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db as _db
    from app.models import Customer
    from tests.unit.test_migrations import _fresh_database, insert_brand

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": _fresh_database(tmp_path)})
    with app.app_context():
        upgrade(revision="0012_sqlite_ids")
        customer = Customer.__table__
        with _db.engine.begin() as connection:
            insert_brand(connection)
            for external_id, email, unsubscribed in (
                ("gone", "weg@example.nl", datetime(2026, 1, 2)),
                ("gone-too", "weg@example.nl", datetime(2026, 1, 3)),  # the same address
                ("here", "hier@example.nl", None),
            ):
                connection.execute(
                    customer.insert().values(
                        brand_id=1,
                        external_id=external_id,
                        email=email,
                        unsubscribed_at=unsubscribed,
                    )
                )
        upgrade()
        hashes = [row.address_hash for row in _db.session.query(EmailSuppression)]
        assert hashes == [unsubscribes.address_hash(1, "weg@example.nl")]
        assert unsubscribes.is_suppressed(1, "WEG@example.nl")
        assert not unsubscribes.is_suppressed(1, "hier@example.nl")
        _db.session.remove()
        _db.engine.dispose()
