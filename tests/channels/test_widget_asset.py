"""/widget.js: gzip when accepted, ETags and conditional requests, cache lifetimes, versions."""

import gzip

from app.public.widget_build import bundle


def test_gzipped_with_etag_and_short_cache(client):
    response = client.get("/widget.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/javascript"
    assert response.headers["Vary"] == "Accept-Encoding"  # no Cookie: one copy for everyone
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"].startswith("public, max-age=3600")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(response.data) <= 6 * 1024
    source = gzip.decompress(response.data).decode()
    assert source.startswith("/*! Phasewise widget")
    assert response.headers["ETag"] == f'"{bundle().digest}-gz"'


def test_plain_for_clients_without_gzip(client):
    response = client.get("/widget.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == bundle().minified
    assert response.headers["ETag"] == f'"{bundle().digest}"'


def test_conditional_request_is_304(client):
    etag = client.get("/widget.js", headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    again = client.get("/widget.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_versioned_url_is_immutable(client):
    version = client.get("/widget.js").headers["X-Widget-Version"]
    response = client.get(f"/widget.{version}.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_old_version_redirects_to_the_current_widget(client):
    response = client.get("/widget.000000000000.js")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/widget.js")
    # a tag with crossorigin="anonymous" follows the redirect only with CORS on it too
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers


def test_demo_page_embeds_the_widget_under_the_csp(client, db):
    response = client.get("/demo/widget")
    assert response.status_code == 404  # no demo brand yet: the page says how to seed it
    assert "flask --app wsgi demo" in response.get_data(as_text=True)


def test_demo_page_with_the_demo_brand(client, db):
    from app.demo.seed import SLUG
    from app.services import brands, journeys, surveys

    brand, _ = brands.create_brand("Demo Bad", SLUG, "nl", ["http://127.0.0.1:5000"])
    journey = journeys.create_journey(
        brand, {"name": "Reis", "phases": [{"key": "levering", "name": "Levering"}]}
    )
    surveys.create_survey(
        brand,
        {
            "journey_id": journey.id,
            "phase": "levering",
            "locale": "nl",
            "questions": [{"key": "nps", "type": "nps", "text": "Aanraden?"}],
        },
    )
    response = client.get("/demo/widget")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'data-site-key="{brand.site_key}" nonce="{nonce}"' in html
    assert 'data-phase="levering"' in html
    # a visitor the seeded demo never asked: the first ask is a survey, the second a 204
    assert 'data-customer-id="demo-bezoeker"' in html
    signature = brand.sign_customer("demo-bezoeker")
    assert signature in html
    query = {"site_key": brand.site_key, "phase": "levering", "customer_id": "demo-bezoeker"}
    asked = client.get("/w/v1/survey", query_string={**query, "customer_sig": signature})
    assert asked.status_code == 200
    again = client.get("/w/v1/survey", query_string={**query, "customer_sig": signature})
    assert again.status_code == 204
    assert "&lt;script src=" in html  # the snippet is shown, escaped
