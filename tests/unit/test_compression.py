"""Text responses are gzipped for clients that accept it; conditional GETs keep working."""

import gzip


def test_pages_and_static_files_are_gzipped(client, brand):
    page = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"Phasewise" in gzip.decompress(page.data)
    assert "Accept-Encoding" in page.headers["Vary"]
    css = client.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert b":root" in gzip.decompress(css.data)
    css.close()


def test_no_gzip_without_accept_encoding_or_for_tiny_bodies(client, brand):
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    assert b"Phasewise" in plain.data
    tiny = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers


def test_private_pages_with_secrets_are_never_compressed(client, brand, db):
    """BREACH: a page that reflects the request beside a secret (the settings page shows the
    identity secret and echoes ?phase=) must not be compressed; public pages still are."""
    from app.models import User
    from tests.dashboard.conftest import PASSWORD_HASH, Dashboard

    db.session.add(
        User(brand=brand, email="o@testbad.example", role="owner", password_hash=PASSWORD_HASH)
    )
    db.session.commit()
    dashboard = Dashboard(client)
    assert dashboard.login("o@testbad.example").status_code == 302
    page = client.get("/dashboard/settings?phase=levering", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "Content-Encoding" not in page.headers
    assert brand.identity_secret in page.get_data(as_text=True)
    public = client.get("/reviews/testbad", headers={"Accept-Encoding": "gzip"})
    assert public.headers["Content-Encoding"] == "gzip"


def test_a_compressed_page_still_answers_304(client, brand):

    first = client.get("/reviews/testbad", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith("W/")
    again = client.get(
        "/reviews/testbad", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
