"""GET/PATCH /api/v1/brand: the name, colour and form of address customers see."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Brand
from app.models.base import utcnow
from tests.channels.helpers import assert_error


def stored_profile(brand) -> tuple:
    db.session.expire_all()
    row = db.session.get(Brand, brand.id)
    return row.name, row.primary_color, row.formal_address, row.time_zone, row.privacy_url


def test_a_right_to_left_name_keeps_its_direction_marks(api, brand):
    name = "\u0645\u062a\u062c\u0631 \u200fBadkamer"  # an Arabic shop name with an RLM
    answer = api.patch("/api/v1/brand", json={"name": name})
    assert answer.status_code == 200 and answer.json["name"] == name


def test_the_brand_reads_and_changes_what_it_gives(api, brand):
    got = api.get("/api/v1/brand")
    assert got.status_code == 200
    assert got.json["slug"] == "testbad" and got.json["formal_address"] is False
    assert "identity_secret" not in got.json

    changed = api.patch("/api/v1/brand", json={"formal_address": True, "primary_color": "#1A2B3C"})
    assert changed.status_code == 200
    assert (changed.json["formal_address"], changed.json["primary_color"]) == (True, "#1a2b3c")
    renamed = api.patch("/api/v1/brand", json={"name": "  Testbad & Zonen  "})
    assert renamed.json["name"] == "Testbad & Zonen" and renamed.json["slug"] == "testbad"
    assert stored_profile(brand) == ("Testbad & Zonen", "#1a2b3c", True, "Europe/Amsterdam", None)
    assert api.patch("/api/v1/brand", json={}).status_code == 200  # nothing to change
    assert stored_profile(brand) == ("Testbad & Zonen", "#1a2b3c", True, "Europe/Amsterdam", None)
    moved = api.patch("/api/v1/brand", json={"time_zone": "America/Curacao"})
    assert moved.status_code == 200 and moved.json["time_zone"] == "America/Curacao"
    assert stored_profile(brand)[3] == "America/Curacao"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"formal_address": "yes"}, "formal_address"),
        ({"formal_address": 1}, "formal_address"),
        ({"formal_address": None}, "formal_address"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Bad\nBcc: x@example.com"}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"primary_color": "red"}, "primary_color"),
        ({"primary_color": "#12345"}, "primary_color"),
        ({"primary_color": "#123456\n"}, "primary_color"),
        ({"slug": "other"}, "slug"),
        ({"time_zone": "Amsterdam"}, "time_zone"),
        ({"time_zone": "CET"}, "time_zone"),  # not a place: no DST rules a brand lives by
        ({"time_zone": "europe/amsterdam"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"time_zone": None}, "time_zone"),
        ({"time_zone": 1}, "time_zone"),
        ({"reply_to": "klantenservice"}, "reply_to"),
        ({"reply_to": "ks@example.nl\nBcc: x@example.com"}, "reply_to"),
        ({"reply_to": "a" * 250 + "@example.nl"}, "reply_to"),
        ({"reply_to": 1}, "reply_to"),
        ({"reply_to": "jürgen@example.de"}, "reply_to"),  # no ASCII form: arrives unreadable
        ({"default_locale": "de"}, "default_locale"),
        ({"default_locale": "EN"}, "default_locale"),
        ({"default_locale": None}, "default_locale"),
        ({"privacy_url": "javascript:alert(1)"}, "privacy_url"),  # a link customers click
        ({"privacy_url": "data:text/html,<b>x</b>"}, "privacy_url"),
        ({"privacy_url": "ftp://example.nl/privacy"}, "privacy_url"),
        ({"privacy_url": "www.example.nl/privacy"}, "privacy_url"),
        ({"privacy_url": "https://example.nl/" + "p" * 490}, "privacy_url"),
        ({"privacy_url": "https://example.nl/privacy\nX: y"}, "privacy_url"),
        ({"privacy_url": ""}, "privacy_url"),
        ({"privacy_url": 1}, "privacy_url"),
        # reversed every page, email and From header after it (a customer-copy review)
        ({"name": "Badkamer \u202eHuis"}, "name"),
        ({"name": "Badkamer \u2067Huis"}, "name"),
    ],
)
def test_bad_values_are_422_and_change_nothing(api, brand, body, field):
    before = stored_profile(brand)
    error = assert_error(api.patch("/api/v1/brand", json=body), 422)
    assert field in error["fields"]
    assert stored_profile(brand) == before


def test_the_brand_endpoint_needs_a_key_and_json(client, api, brand):
    assert client.get("/api/v1/brand").status_code == 401
    assert client.patch("/api/v1/brand", json={"name": "X"}).status_code == 401
    wrong = api.patch("/api/v1/brand", data="name=X", content_type="text/plain")
    assert wrong.status_code == 415
    assert stored_profile(brand)[0] == "Testbad"


def test_each_key_sees_its_own_brand(client, brand, other_brand):
    headers = {"Authorization": f"Bearer {other_brand['key']}"}
    assert client.patch("/api/v1/brand", json={"name": "Mine now"}, headers=headers).json[
        "slug"
    ] == ("ander-bad")
    assert stored_profile(brand)[0] == "Testbad"


def test_a_rename_is_not_answered_not_modified(client, api, brand):
    """The review pages' Last-Modified moves with the brand row, not with reviews alone."""
    first = client.get("/reviews/testbad/about")
    assert first.status_code == 200
    brand.updated_at = utcnow() - timedelta(days=2)  # the brand's last change, long ago
    db.session.commit()
    api.patch("/api/v1/brand", json={"name": "Testbad & Zonen"})
    since = (utcnow() - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    again = client.get("/reviews/testbad/about", headers={"If-Modified-Since": since})
    assert again.status_code == 200 and "Testbad &amp; Zonen" in again.text
    stale = client.get("/reviews/testbad/about", headers={"If-None-Match": first.headers["ETag"]})
    assert stale.status_code == 200


def test_the_contact_budget_and_review_policy_are_set_in_parts(api, brand, db, journey):
    got = api.get("/api/v1/brand").json
    assert got["contact_policy"] == {
        "min_days_between": 14,
        "max_per_journey": 4,
        "same_phase_days": 60,
    }
    assert got["review_policy"] == {"publish": "moderate", "phases": {}}
    body = {"contact_policy": {"min_days_between": 2}, "review_policy": {"publish": "immediate"}}
    changed = api.patch("/api/v1/brand", json=body).json
    assert changed["contact_policy"]["min_days_between"] == 2
    assert changed["contact_policy"]["max_per_journey"] == 4  # left out: kept
    item = {"type": "Service", "name": "Badkamerrenovatie"}
    body = {"review_policy": {"phases": {"levering": "moderate"}, "item": item}}
    changed = api.patch("/api/v1/brand", json=body).json
    assert changed["review_policy"] == {
        "publish": "immediate",
        "phases": {"levering": "moderate"},
        "item": item,
    }
    db.session.expire_all()
    from app.services import reviews

    stored = db.session.get(Brand, brand.id)
    assert reviews.policy_mode(stored, "levering") == "moderate"
    assert reviews.policy_mode(stored, "aankoop") == "immediate"
    gone = api.patch("/api/v1/brand", json={"review_policy": {"item": None}}).json
    assert "item" not in gone["review_policy"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"contact_policy": {"min_days_between": -1}}, "contact_policy.min_days_between"),
        ({"contact_policy": {"min_days_between": "14"}}, "contact_policy.min_days_between"),
        ({"contact_policy": {"max_per_journey": True}}, "contact_policy.max_per_journey"),
        ({"contact_policy": {"same_phase_days": 3651}}, "contact_policy.same_phase_days"),
        ({"contact_policy": {"often": 1}}, "contact_policy.often"),
        ({"review_policy": {"publish": "always"}}, "review_policy.publish"),
        ({"review_policy": {"phases": {"Levering!": "immediate"}}}, "review_policy.phases"),
        ({"review_policy": {"phases": {"levering": "soon"}}}, "review_policy.phases"),
        # a key no phase of the brand has: a typo that would never apply
        ({"review_policy": {"phases": {"levring": "moderate"}}}, "review_policy.phases.levring"),
        ({"review_policy": {"item": {"type": "Person", "name": "X"}}}, "review_policy.item.type"),
        ({"review_policy": {"item": {"type": "Service"}}}, "review_policy.item.name"),
        (
            {"review_policy": {"item": {"type": "Service", "name": "X", "url": "javascript:x"}}},
            "review_policy.item.url",
        ),
    ],
)
def test_bad_policies_are_422_and_change_nothing(api, brand, db, journey, body, field):
    before = api.get("/api/v1/brand").json
    error = assert_error(api.patch("/api/v1/brand", json=body), 422)
    assert any(name.startswith(field) for name in error["fields"]), error["fields"]
    assert api.get("/api/v1/brand").json == before


def test_a_change_made_meanwhile_is_kept_not_written_over(api, brand, db):
    """Two changes at once, each to one rule: the policy is merged into what is stored now,
    not into the copy this request loaded (the row is locked and read again)."""
    from sqlalchemy import text

    from app.services import brand_settings, contact_budget

    stale = db.session.get(Brand, brand.id)
    assert contact_budget.policy(stale)["min_days_between"] == 14  # loaded before the other
    other = '{"min_days_between": 3, "max_per_journey": 4, "same_phase_days": 60}'
    with db.engine.begin() as connection:  # another request's committed change
        connection.execute(
            text("UPDATE brand SET contact_policy = :p WHERE id = :id"),
            {"p": other, "id": brand.id},
        )
    shown = brand_settings.set_profile(stale, {"contact_policy": {"max_per_journey": 2}})
    assert shown["contact_policy"] == {
        "min_days_between": 3,
        "max_per_journey": 2,
        "same_phase_days": 60,
    }


def test_the_reply_address_is_set_and_taken_away(api, brand):
    assert api.get("/api/v1/brand").json["reply_to"] is None
    changed = api.patch("/api/v1/brand", json={"reply_to": "klantenservice@testbad.example"})
    assert (
        changed.status_code == 200 and changed.json["reply_to"] == "klantenservice@testbad.example"
    )
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).reply_to == "klantenservice@testbad.example"
    assert api.patch("/api/v1/brand", json={"reply_to": None}).json["reply_to"] is None
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).reply_to is None


def test_an_english_brand_changes_its_language(client, api, brand):
    """A brand created without --locale is Dutch; its review pages, badge, plain phase names
    and dashboard follow the language it sets here."""
    changed = api.patch("/api/v1/brand", json={"default_locale": "en"})
    assert changed.status_code == 200 and changed.json["default_locale"] == "en"
    assert changed.json["locales"] == ["en", "nl"]  # its own first, as brand create orders them
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).default_locale == "en"
    assert '<html lang="en">' in client.get("/reviews/testbad").get_data(as_text=True)
    body = {"name": "Bikes", "phases": [{"key": "riding", "name": "Riding"}]}
    added = api.post("/api/v1/journeys", json=body)
    assert added.status_code == 201 and added.json["phases"][0]["name"] == {"en": "Riding"}


def test_the_privacy_statement_is_set_and_taken_away(api, brand):
    assert api.get("/api/v1/brand").json["privacy_url"] is None
    url = "https://www.testbad.example/privacy?lang=nl#klanten"
    changed = api.patch("/api/v1/brand", json={"privacy_url": url})
    assert changed.status_code == 200 and changed.json["privacy_url"] == url
    assert stored_profile(brand)[4] == url
    assert api.patch("/api/v1/brand", json={"privacy_url": None}).json["privacy_url"] is None
    assert stored_profile(brand)[4] is None
    # a scheme in capitals is taken, and kept in the lower case the widget's check reads
    shouted = api.patch("/api/v1/brand", json={"privacy_url": "HTTPS://Testbad.example/Privacy"})
    assert shouted.json["privacy_url"] == "https://Testbad.example/Privacy"


def test_a_unicode_domain_is_kept_in_its_ascii_form(api, brand):
    """As a Reply-To a raw Unicode domain is written as encoded words, which no mail program
    replies to; its IDNA form every one does."""
    changed = api.patch("/api/v1/brand", json={"reply_to": "klantenservice@bücher.de"})
    assert changed.status_code == 200
    assert changed.json["reply_to"] == "klantenservice@xn--bcher-kva.de"
