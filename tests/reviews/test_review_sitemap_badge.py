"""The sitemap (lastmod, split into an index past the limit) and the badge script and data."""

import gzip
import re
import xml.etree.ElementTree as ET

from app.public import assets
from tests.reviews.helpers import answer, set_policy

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def parse(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)  # noqa: S314 — our own sitemap output, not untrusted input


def locs(xml: bytes) -> list[str]:
    return [node.text for node in parse(xml).iterfind(".//s:loc", NS)]


def test_sitemap_lists_public_pages_with_lastmod(api, survey, brand, client):
    set_policy(brand, "immediate")
    answer(api, survey)
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = parse(response.data)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    urls = locs(response.data)
    assert urls == [
        "http://127.0.0.1:5000/reviews/testbad",
        "http://127.0.0.1:5000/reviews/testbad/about",
        "http://127.0.0.1:5000/reviews/testbad/levering",
        "http://127.0.0.1:5000/reviews/testbad/r/1",
    ]
    lastmods = [node.text for node in root.iterfind(".//s:lastmod", NS)]
    assert len(lastmods) == 4
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value) for value in lastmods)


def test_sitemap_splits_into_an_index_past_the_limit(api, survey, brand, client, app):
    set_policy(brand, "immediate")
    for n in range(5):
        answer(api, survey, text=f"Sitemap review nummer {n}.")
    app.config["REVIEW_SITEMAP_MAX_URLS"] = 2
    try:
        index = client.get("/sitemap.xml")
        assert parse(index.data).tag.endswith("sitemapindex")
        parts = locs(index.data)
        assert parts == [
            "http://127.0.0.1:5000/sitemaps/pages.xml",
            "http://127.0.0.1:5000/sitemaps/reviews-1.xml",
            "http://127.0.0.1:5000/sitemaps/reviews-2.xml",
            "http://127.0.0.1:5000/sitemaps/reviews-3.xml",
        ]
        reviews = []
        for part in parts[1:]:
            urls = locs(client.get(part.replace("http://127.0.0.1:5000", "")).data)
            assert len(urls) <= 2
            reviews += urls
        assert reviews == [f"http://127.0.0.1:5000/reviews/testbad/r/{n}" for n in range(1, 6)]
        assert "/reviews/testbad/about" in client.get("/sitemaps/pages.xml").get_data(as_text=True)
        assert client.get("/sitemaps/reviews-4.xml").status_code == 404
        assert client.get("/sitemaps/reviews-0.xml").status_code == 404
    finally:
        app.config.pop("REVIEW_SITEMAP_MAX_URLS")


def test_badge_script_is_small_minified_and_cacheable(client):
    response = client.get("/reviews.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert len(gzip.compress(response.data)) <= 6 * 1024
    assert assets.gzipped_size("reviews.js") <= 6 * 1024
    assert len(response.data) < len(assets.SOURCES.joinpath("reviews.js").read_bytes())
    assert "attachShadow" in response.get_data(as_text=True)
    again = client.get("/reviews.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_badge_data_cors_only_for_the_brands_origins(api, survey, brand, client):
    set_policy(brand, "immediate")
    answer(api, survey)
    allowed = client.get("/feeds/testbad/badge.json", headers={"Origin": "https://shop.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Origin" in allowed.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    stranger = client.get("/feeds/testbad/badge.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    data = allowed.json
    assert data["count"] == 1 and data["reviews"][0]["rating"] == 5
    assert data["texts"]["verified"] == "Geverifieerde klant"
    assert "geverifieerd" in data["labels_text"]
    english = client.get("/feeds/testbad/badge.json?lang=en&phase=levering").json
    assert english["texts"]["incentivized"] == "Points offered"
    assert client.get("/feeds/testbad/badge.json?lang=fr").status_code == 400
    assert client.get("/feeds/testbad/badge.json?phase=nope").status_code == 404
