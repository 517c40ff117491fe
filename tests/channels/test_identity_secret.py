"""The identity secret signs customer ids for the widget; an owner can change it, and the one it
replaces keeps verifying for a week while the brand's servers move to the new one."""

from datetime import timedelta

from app.extensions import db as _db
from app.models import Brand, Customer, User
from tests.channels.helpers import widget_post
from tests.dashboard.conftest import PASSWORD_HASH, Dashboard


def signed(brand: Brand, customer: str, secret: str) -> dict:
    return {"customer_id": customer, "customer_sig": brand.sign_customer(customer, secret)}


def identified(client, site, brand, customer, secret) -> bool:
    reply = widget_post(client, site, signed(brand, customer, secret))
    assert reply.status_code == 202, reply.json
    _db.session.expire_all()
    return _db.session.query(Customer).filter_by(external_id=customer).count() == 1


def test_rotating_keeps_the_old_secret_for_a_week(api, client, site, brand):
    old = brand.identity_secret
    response = api.post("/api/v1/brand/identity-secret")
    assert response.status_code == 200, response.json
    new = response.json["identity_secret"]
    assert new.startswith("id_") and new != old
    assert response.json["previous_valid_until"].endswith("Z")
    _db.session.refresh(brand)
    assert identified(client, site, brand, "klant-new", new)
    assert identified(client, site, brand, "klant-old", old)  # the grace period

    brand.identity_secret_rotated_at -= Brand.IDENTITY_GRACE + timedelta(seconds=1)
    _db.session.commit()
    assert not identified(client, site, brand, "klant-late", old)  # anonymous now
    assert identified(client, site, brand, "klant-new-2", new)


def test_a_double_click_or_a_retry_rotates_once(api, client, site, brand):
    """Two rotations in a row kept the unseen in-between secret as "previous": the one the
    brand's servers sign with stopped at once."""
    live = brand.identity_secret
    first = api.post("/api/v1/brand/identity-secret").json
    again = api.post("/api/v1/brand/identity-secret").json
    assert again == first
    _db.session.refresh(brand)
    assert brand.previous_identity_secret == live
    assert identified(client, site, brand, "klant-live", live)


def test_a_second_rotation_drops_the_oldest_secret(api, client, site, brand):
    first = brand.identity_secret
    second = api.post("/api/v1/brand/identity-secret").json["identity_secret"]
    brand.identity_secret_rotated_at -= timedelta(minutes=2)  # a real second change, later
    _db.session.commit()
    third = api.post("/api/v1/brand/identity-secret").json["identity_secret"]
    assert third != second
    _db.session.refresh(brand)
    assert not identified(client, site, brand, "klant-1", first)
    assert identified(client, site, brand, "klant-2", second)
    assert identified(client, site, brand, "klant-3", third)


def test_owners_change_it_on_the_settings_page(app, client, brand, db):
    for role in ("owner", "editor"):
        db.session.add(
            User(brand=brand, email=f"{role}@s.example", role=role, password_hash=PASSWORD_HASH)
        )
    db.session.commit()
    old = brand.identity_secret
    editor = Dashboard(app.test_client())
    assert editor.login("editor@s.example").status_code == 302
    assert editor.post("/dashboard/settings/identity-secret").status_code == 403
    owner = Dashboard(app.test_client())
    assert owner.login("owner@s.example").status_code == 302
    refused = owner.post("/dashboard/settings/identity-secret", csrf=False)
    assert refused.status_code == 400
    _db.session.refresh(brand)
    assert brand.identity_secret == old
    done = owner.post("/dashboard/settings/identity-secret")
    assert done.status_code == 302 and done.headers["Location"].endswith(
        "/dashboard/settings#widget"
    )
    _db.session.refresh(brand)
    assert brand.identity_secret != old and brand.previous_identity_secret == old
    page = owner.html("/dashboard/settings")
    assert "A new identity secret" in page and brand.identity_secret in page
    assert "still accepted until" in page
