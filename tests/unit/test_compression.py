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


def test_a_compressed_page_still_answers_304(client, brand):

    first = client.get("/reviews/testbad", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith("W/")
    again = client.get(
        "/reviews/testbad", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
