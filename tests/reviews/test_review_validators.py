"""The public pages' ETag and Last-Modified move with what they show of phases and policies."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Brand, Journey, LoyaltyPolicy
from app.models.base import utcnow
from app.models.review import Review
from app.services import journey_editor
from tests.reviews.helpers import published

URLS = (
    "/reviews/testbad",
    "/reviews/testbad/levering",
    "/reviews/testbad/r/{id}",
    "/reviews/testbad/about",
    "/feeds/testbad/reviews.json",
    "/feeds/testbad/reviews.atom",
    "/feeds/testbad/badge.json",
)


def _aged(brand_id: int) -> None:
    """Every moment behind Last-Modified two days back, so a change now is later to the second."""
    long_ago = utcnow() - timedelta(days=2)
    db.session.execute(update(Review).values(updated_at=long_ago))
    db.session.execute(update(Brand).where(Brand.id == brand_id).values(updated_at=long_ago))
    db.session.execute(update(Journey).values(created_at=long_ago))
    db.session.execute(update(LoyaltyPolicy).values(updated_at=long_ago))
    db.session.commit()


def _validators(client, urls):
    found = {}
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200, url
        found[url] = (first.headers["ETag"], first.headers["Last-Modified"], first.data)
        assert client.get(url, headers={"If-None-Match": found[url][0]}).status_code == 304
    return found


def _assert_all_stale(client, before):
    for url, (etag, modified, _body) in before.items():
        by_etag = client.get(url, headers={"If-None-Match": etag})
        assert by_etag.status_code == 200, url
        assert by_etag.headers["ETag"] != etag, url
        by_date = client.get(url, headers={"If-Modified-Since": modified})
        assert by_date.status_code == 200, url


@pytest.fixture
def public(api, survey, brand):
    review = published(api, survey, brand)
    _aged(brand.id)
    return [url.format(id=review.id) for url in URLS]


def test_a_phase_rename_is_never_not_modified(client, brand, journey, public):
    before = _validators(client, public)
    journey_editor.update_phase(
        db.session.get(Brand, brand.id),
        journey["id"],
        "levering",
        {"name": {"nl": "Bezorging & plaatsing", "en": "Delivery"}},
    )
    _assert_all_stale(client, before)
    assert "Bezorging &amp; plaatsing" in client.get("/reviews/testbad").get_data(as_text=True)


def test_a_phase_move_changes_the_validators(client, brand, journey, public):
    before = _validators(client, public)
    journey_editor.update_phase(
        db.session.get(Brand, brand.id),
        journey["id"],
        "levering",
        {"name": {"nl": "Levering & montage", "en": "Delivery"}, "position": 1},
    )
    _assert_all_stale(client, before)


def test_a_loyalty_policy_change_refreshes_the_disclosure(client, api, brand, public):
    about = "/reviews/testbad/about"
    before = _validators(client, [about])
    changed = api.put("/api/v1/loyalty/policy", json={"points_per_answer": 50, "review_bonus": 0})
    assert changed.status_code == 200, changed.json
    _assert_all_stale(client, before)
    assert "50" in client.get(about).get_data(as_text=True)


def test_a_contact_policy_change_refreshes_the_disclosure(client, api, brand, public):
    about = "/reviews/testbad/about"
    before = _validators(client, [about])
    changed = api.patch("/api/v1/brand", json={"contact_policy": {"max_per_journey": 7}})
    assert changed.status_code == 200, changed.json
    _assert_all_stale(client, before)


def test_an_imported_journey_moves_last_modified(client, api, journey, public):
    about = "/reviews/testbad/about"
    before = _validators(client, [about])
    document = api.get(f"/api/v1/journeys/{journey['id']}/export").json
    document["journey"]["name"] = "Badkamer (kopie)"
    assert api.post("/api/v1/journeys/import", json=document).status_code == 201
    _assert_all_stale(client, before)
