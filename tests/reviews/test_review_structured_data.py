"""JSON-LD read back with a real parser (extruct), field by field, and feeds with feedparser."""

import extruct
import feedparser
import pytest

from app import timestamps
from app.extensions import db
from app.models import Brand
from tests.reviews.helpers import answer, published, review_of, set_policy


def json_ld(html: str) -> list[dict]:
    return extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]


def configure_item(brand):
    brand = db.session.get(Brand, brand.id)
    brand.review_policy = {
        **brand.review_policy,
        "item": {"type": "Service", "name": "Badkamerrenovatie", "url": "https://testbad.example"},
    }
    db.session.commit()


def test_detail_page_review_json_ld(api, survey, brand, client):
    review = published(api, survey, brand, nps=7, review={"title": "Goed, niet perfect"})
    api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": "Dank voor uw eerlijkheid."})
    configure_item(brand)
    [data] = json_ld(client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Review"
    assert data["author"] == {"@type": "Person", "name": "Anna B."}
    assert data["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
    }
    # the day in the brand's time zone, as the page shows it (not UTC's, from 23:00 on)
    day = timestamps.local_day(review.published_at, brand.time_zone)
    assert data["datePublished"] == day.isoformat()
    assert data["reviewBody"] == "De monteurs waren op tijd en netjes."
    assert data["name"] == "Goed, niet perfect"
    assert data["inLanguage"] == "nl"
    assert data["itemReviewed"] == {
        "@type": "Service",
        "name": "Badkamerrenovatie",
        "url": "https://testbad.example",
    }
    assert data["comment"]["text"] == "Dank voor uw eerlijkheid."
    assert data["comment"]["author"] == {"@type": "Organization", "name": "Testbad"}
    assert "unverified" in data["keywords"]
    assert data["url"].endswith(f"/reviews/testbad/r/{review.id}")


def test_list_page_aggregate_rating_json_ld(api, survey, brand, client):
    set_policy(brand, "immediate")
    api.post("/api/v1/customers", json={"external_id": "k1"})
    answer(api, survey, nps=10, text="Heel goed gedaan allemaal.")
    answer(api, survey, nps=3, text="Slecht gecommuniceerd over de planning.", customer="k1")
    configure_item(brand)
    [data] = json_ld(client.get("/reviews/testbad").get_data(as_text=True))
    assert (data["@type"], data["name"]) == ("Service", "Badkamerrenovatie")
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 3.5,
        "reviewCount": 2,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert [item["reviewRating"]["ratingValue"] for item in data["review"]] == [2, 5]
    assert all(item["@type"] == "Review" for item in data["review"])


def test_without_a_configured_item_the_brand_is_the_item(api, survey, brand, client):
    published(api, survey, brand)
    [data] = json_ld(client.get("/reviews/testbad").get_data(as_text=True))
    assert (data["@type"], data["name"]) == ("Organization", "Testbad")


def test_labels_are_in_the_json_ld(api, survey, brand, client, journey):
    import loyalty

    api.post("/api/v1/customers", json={"external_id": "k1"})
    api.post(
        "/api/v1/events", json={"customer": "k1", "journey_id": journey["id"], "phase": "levering"}
    )
    review = published(api, survey, brand, customer="k1")
    assert review.incentivized is loyalty.offers_points(brand.id, review.customer_id)
    [data] = json_ld(client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True))
    assert "verified" in data["keywords"] and "verified-by-journey-event" in data["keywords"]
    assert "deze fase echt doorlopen" in data["disambiguatingDescription"]
    if review.incentivized:
        assert "incentivized" in data["keywords"]
        assert "punten aangeboden" in data["disambiguatingDescription"]


def test_empty_brand_has_no_aggregate_rating(brand, client):
    [data] = json_ld(client.get("/reviews/testbad").get_data(as_text=True))
    assert "aggregateRating" not in data and "review" not in data


# --- feeds ---------------------------------------------------------------------------------


def test_json_feed_format_since_and_tombstones(api, survey, brand, client):
    first = published(api, survey, brand, review={"title": "Eerste"})
    second = published(api, survey, brand, text="Tweede review, andere tekst.")
    api.post(f"/api/v1/reviews/{second.id}/reply", json={"body": "Bedankt!"})
    feed = client.get("/feeds/testbad/reviews.json").json
    assert feed["version"] == "phasewise-reviews/1"
    assert feed["brand"]["about"].endswith("/reviews/testbad/about")
    items = {item["id"]: item for item in feed["items"]}
    item = items[first.id]
    assert item["rating"] == 5 and item["scale"] == {"best": 5, "worst": 1}
    assert item["title"] == "Eerste" and item["author"] == {"name": "Anna B."}
    assert item["phase"]["key"] == "levering" and item["locale"] == "nl"
    assert item["channel"] == "api" and item["verified"] is False and item["verified_by"] is None
    assert item["incentivized"] is False and item["reply"] is None
    assert item["published_at"].endswith("Z") and item["updated_at"].endswith("Z")
    assert items[second.id]["reply"]["body"] == "Bedankt!"
    assert feed["tombstones"] == []

    since = feed["generated_at"]
    removal = {"action": "remove", "reason": "offensive"}
    api.post(f"/api/v1/reviews/{first.id}/moderation", json=removal)
    later = client.get(f"/feeds/testbad/reviews.json?since={since}").json
    assert later["items"] == []
    assert [tomb["id"] for tomb in later["tombstones"]] == [first.id]
    assert set(later["tombstones"][0]) == {"id", "deleted_at"}
    everything = client.get("/feeds/testbad/reviews.json").json
    assert [item["id"] for item in everything["items"]] == [second.id]


def test_json_feed_pages_on_with_next_and_revalidates(api, survey, brand, client, monkeypatch):
    from app.services import review_public

    monkeypatch.setattr(review_public, "FEED_LIMIT", 2)
    set_policy(brand, "immediate")
    for n in range(5):
        answer(api, survey, text=f"Feed review nummer {n}.")
    seen, url = [], "/feeds/testbad/reviews.json"
    while url:
        page = client.get(url.replace("http://127.0.0.1:5000", "")).json
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert seen == [1, 2, 3, 4, 5]
    first = client.get("/feeds/testbad/reviews.json")
    again = client.get(
        "/feeds/testbad/reviews.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("query", ["since=yesterday", "since=2026-13-01", "cursor=nonsense"])
def test_json_feed_rejects_bad_parameters(client, brand, query):
    response = client.get(f"/feeds/testbad/reviews.json?{query}")
    assert response.status_code == 400
    assert response.json["error"]["fields"]


def test_feeds_of_unknown_brand_are_404_json(client, db):
    response = client.get("/feeds/nobody/reviews.json")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_atom_and_rss_parse_without_errors(api, survey, brand, client, kind):
    review = published(api, survey, brand, review={"title": "Snel & netjes"})
    api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": "Dank u wel!"})
    gone = published(api, survey, brand, text="Wordt zo verwijderd.")
    api.post(f"/api/v1/reviews/{gone.id}/moderation", json={"action": "remove", "reason": "spam"})
    response = client.get(f"/feeds/testbad/reviews.{kind}")
    assert response.status_code == 200
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Reviews van Testbad"
    [entry] = parsed.entries
    assert entry.title == "Snel & netjes"
    assert entry.link.endswith(f"/reviews/testbad/r/{review.id}")
    assert "De monteurs waren op tijd en netjes." in entry.summary
    assert "Reactie van Testbad: Dank u wel!" in entry.summary
    assert "Niet geverifieerd" in entry.summary
    terms = {tag.term for tag in entry.tags}
    assert "unverified" in terms
    assert ("levering" if kind == "atom" else "Levering & montage") in terms  # RSS: the label
    if kind == "atom":
        assert b"deleted-entry" in response.data
        assert f"/reviews/testbad/r/{gone.id}".encode() in response.data


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_markup_in_a_review_reaches_feed_readers_as_text(api, survey, brand, client, kind):
    """A feed reader renders an RSS description as HTML and Atom content by its type: in
    both the reader gets the characters the customer wrote, not an element."""
    published(api, survey, brand, text="Top <img src=x onerror=alert(1)> & snel")
    [entry] = feedparser.parse(client.get(f"/feeds/testbad/reviews.{kind}").data).entries
    detail = entry.content[0] if kind == "atom" else entry.summary_detail
    if detail.type == "text/html":
        assert "&lt;img src=x onerror=alert(1)&gt; &amp; snel" in detail.value
        assert "<img" not in detail.value
    else:
        assert detail.type == "text/plain"
        assert "Top <img src=x onerror=alert(1)> & snel" in detail.value


def test_feed_of_a_brand_without_reviews_is_valid(client, brand):
    for kind in ("atom", "rss"):
        parsed = feedparser.parse(client.get(f"/feeds/testbad/reviews.{kind}").data)
        assert not parsed.bozo and parsed.entries == []


def test_review_of_another_brand_never_shows_in_its_feed(api, survey, brand, other_brand, client):
    published(api, survey, brand)
    assert client.get("/feeds/ander-bad/reviews.json").json["items"] == []
    assert review_of(1).brand_id == brand.id
