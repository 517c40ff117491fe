"""SECRET_KEY_FALLBACKS: after a routine key change, what was signed or hashed with the old key
still works while the old key is listed, and nothing does once it is taken out."""

import pytest

import loyalty
from app.models import Customer
from app.services import survey_tokens, unsubscribes

OLD = "o" * 16 + "0123456789abcdef0123"
NEW = "n" * 16 + "fedcba9876543210fedc"


@pytest.fixture
def keyed(app, monkeypatch):
    """Sets the app's keys: keyed(current, *fallbacks)."""

    def use(current, *fallbacks):
        monkeypatch.setitem(app.config, "SECRET_KEY", current)
        monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", list(fallbacks))

    return use


def test_links_signed_with_a_fallback_still_open(app, db, keyed):  # db: an app context
    keyed(OLD)
    claims = survey_tokens.InvitationClaims(1, 2, 3, 4, 5)
    survey, opt_out = survey_tokens.invitation_token(claims), survey_tokens.unsubscribe_token(2, 3)
    points = loyalty.customer_token(2, 3)
    keyed(NEW, OLD)
    assert survey_tokens.read(survey) == claims
    assert survey_tokens.read_unsubscribe(opt_out)[:2] == (2, 3)
    assert loyalty.read_token(points) == (2, 3)
    fresh = survey_tokens.invitation_token(claims)
    keyed(NEW)  # the old key taken out: its links end, the new key's open
    assert survey_tokens.read(fresh) == claims
    with pytest.raises(survey_tokens.TokenInvalid):
        survey_tokens.read(survey)
    with pytest.raises(survey_tokens.TokenInvalid):
        survey_tokens.read_unsubscribe(opt_out)
    with pytest.raises(loyalty.BadToken):
        loyalty.read_token(points)


def test_an_address_suppressed_under_the_old_key_is_still_left_alone(app, db, brand, keyed):
    keyed(OLD)
    unsubscribes.suppress(brand.id, "Anna@Example.nl")
    db.session.commit()
    keyed(NEW, OLD)
    assert unsubscribes.is_suppressed(brand.id, "anna@example.nl")
    anna = Customer(brand_id=brand.id, external_id="anna", email="anna@example.nl")
    bob = Customer(brand_id=brand.id, external_id="bob", email="bob@example.nl")
    db.session.add_all([anna, bob])
    db.session.commit()
    assert unsubscribes.may_email_many([anna, bob]) == {bob.id}
    keyed(NEW)  # without the fallback the old list is unreadable: documented
    assert not unsubscribes.is_suppressed(brand.id, "anna@example.nl")


def test_a_repeated_erasure_is_recognised_across_a_key_change(api, keyed):
    keyed(OLD)
    assert api.post("/api/v1/customers", json={"external_id": "weg"}).status_code in (200, 201)
    assert api.delete("/api/v1/customers/weg").status_code == 200
    keyed(NEW, OLD)
    again = api.delete("/api/v1/customers/weg")
    assert again.status_code == 200 and again.json["status"] == "already_erased"
