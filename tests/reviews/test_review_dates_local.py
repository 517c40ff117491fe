"""A review published at 00:30 in Amsterdam (23:30 UTC) is dated that day wherever a reader or
a search engine meets it: its page, the list, its structured data, the badge and the notice."""

import json
from datetime import datetime

from app.extensions import db
from app.models import Brand
from tests.reviews.helpers import published

LATE = datetime(2026, 12, 31, 23, 30)  # 1 January 2027, 00:30 in Amsterdam


def _published_late(api, survey, brand):
    review = published(api, survey, brand)
    review.published_at = review.answered_at = LATE
    db.session.commit()
    return review


def test_a_review_is_dated_by_the_brands_day(client, api, survey, brand):
    review = _published_late(api, survey, brand)
    page = client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True)
    assert '<time datetime="2027-01-01">1 januari 2027</time>' in page
    structured = page.split('<script type="application/ld+json">', 1)[1].split("</script>")[0]
    assert json.loads(structured)["datePublished"] == "2027-01-01"
    listing = client.get("/reviews/testbad").get_data(as_text=True)
    assert '<time datetime="2027-01-01">1 januari 2027</time>' in listing
    badge = client.get("/feeds/testbad/badge.json?lang=en").get_json()
    assert badge["reviews"][0]["date"] == "1 January 2027"


def test_a_brand_elsewhere_dates_it_by_its_own_day(client, api, survey, brand):
    review = _published_late(api, survey, brand)
    db.session.get(Brand, brand.id).time_zone = "America/Curacao"  # UTC−4: still 31 December
    db.session.commit()
    page = client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True)
    assert '<time datetime="2026-12-31">31 december 2026</time>' in page
    structured = page.split('<script type="application/ld+json">', 1)[1].split("</script>")[0]
    assert json.loads(structured)["datePublished"] == "2026-12-31"


def test_a_new_time_zone_is_a_new_etag(client, api, survey, brand):
    """The pages' validators would keep the old dates in every cache."""
    review = _published_late(api, survey, brand)
    url = f"/reviews/testbad/r/{review.id}"
    etag = client.get(url).headers["ETag"]
    assert api.patch("/api/v1/brand", json={"time_zone": "America/Curacao"}).status_code == 200
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "31 december 2026" in again.get_data(as_text=True)
