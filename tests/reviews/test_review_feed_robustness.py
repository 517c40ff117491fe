"""The public pages and feeds never answer 500 to what a reader or an old row can hold."""

import feedparser
import pytest

from app.extensions import db
from app.models import Phase
from tests.reviews.helpers import published


@pytest.mark.parametrize("page", ["²", "①", "99999999999"])
def test_a_page_number_in_other_digits_or_too_large_is_404(client, brand, page):
    assert client.get(f"/reviews/{brand.slug}", query_string={"page": page}).status_code == 404


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_phase_name_with_a_control_character_still_makes_valid_xml(
    api, survey, brand, client, kind
):
    """The API refuses such names now; a row from before (or from SQL) must not break feeds."""
    published(api, survey, brand)
    phase = db.session.scalars(db.select(Phase).where(Phase.key == "levering")).one()
    phase.name = {"nl": "Leve\x0cring", "en": "Deli\x01very"}
    db.session.commit()
    feed = client.get(f"/feeds/{brand.slug}/reviews.{kind}")
    assert feed.status_code == 200
    parsed = feedparser.parse(feed.data)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed: no control character left
    assert "Levering" in parsed.entries[0].description


def test_the_api_refuses_a_name_with_a_control_character(api, journey, count_rows):
    body = {"name": "J", "phases": [{"key": "a", "name": {"nl": "A\x0cB"}}]}
    response = api.post("/api/v1/journeys", json=body)
    assert response.status_code == 422
    assert "phases.0.name" in response.json["error"]["fields"]


def test_a_renamed_brand_signs_its_feed_replies_with_its_new_name(api, survey, brand, client):
    from tests.reviews.helpers import published

    review = published(api, survey, brand)
    api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": "Dank u!"})
    api.patch("/api/v1/brand", json={"name": "Testbad & Zonen"})
    feed = client.get("/feeds/testbad/reviews.json").json
    [item] = [item for item in feed["items"] if item["id"] == review.id]
    assert item["reply"]["by"] == "Testbad & Zonen"


def test_since_with_an_offset_typed_unencoded_says_how_to_write_it(client, brand):
    """ "+01:00" in a URL arrives as " 01:00": the 400 says to write the + as %2B."""
    bad = client.get("/feeds/testbad/reviews.json?since=2026-11-01T00:00:00+01:00")
    assert bad.status_code == 400
    assert "%2B" in bad.json["error"]["message"] and bad.json["error"]["fields"] == {
        "since": ["not an ISO 8601 date-time"]
    }
    assert (
        client.get("/feeds/testbad/reviews.json?since=2026-11-01T00:00:00%2B01:00").status_code
        == 200
    )
    assert client.get("/feeds/testbad/reviews.json?since=2026-11-01").status_code == 200  # UTC
