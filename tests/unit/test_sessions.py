"""Public, cacheable GETs never touch the session: no Vary: Cookie, no Set-Cookie."""

from flask import session

from app import create_app
from app.public.widget_build import bundle
from app.sessions import stateless
from tests.reviews.helpers import published


def _public_paths(review_id: int) -> list[str]:
    return [
        "/widget.js",
        f"/widget.{bundle().digest}.js",
        "/reviews.js",
        "/feeds/testbad/badge.json",
        "/feeds/testbad/reviews.json",
        "/feeds/testbad/reviews.atom",
        "/feeds/testbad/reviews.rss",
        "/robots.txt",
        "/favicon.ico",
        "/sitemap.xml",
        "/sitemaps/pages.xml",
        "/reviews/testbad",
        "/reviews/testbad/levering",
        f"/reviews/testbad/r/{review_id}",
        "/reviews/testbad/about",
        "/static/app.css",
    ]


def test_public_assets_and_pages_send_no_vary_cookie_nor_set_cookie(client, api, survey, brand):
    review = published(api, survey, brand)
    login = client.get("/login")  # a visitor who also has a session cookie, e.g. a brand user
    assert "Cookie" in login.headers["Vary"] and "Set-Cookie" in login.headers
    cookie = client.get_cookie("session").value
    for path in _public_paths(review.id):
        for encoding in ("gzip", "identity"):
            response = client.get(path, headers={"Accept-Encoding": encoding})
            assert response.status_code == 200, path
            assert "Cookie" not in response.headers.get("Vary", ""), (path, response.headers)
            assert "Set-Cookie" not in response.headers, path
            response.close()
    assert client.get_cookie("session").value == cookie  # left as it was, not cleared
    missing = client.get("/feeds/nobrand/badge.json")  # an error page from a public URL too
    assert missing.status_code == 404 and "Cookie" not in missing.headers.get("Vary", "")


def test_the_favicon_is_a_cacheable_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.cache_control.public and response.cache_control.max_age >= 3600
    assert response.data.startswith(b"<svg")
    response.close()
    # revalidated by its ETag, as the static file was
    again = client.get("/favicon.ico", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_stateless_view_sees_an_empty_session_and_saves_nothing():
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.get("/sign-in")
    def sign_in():
        session["who"] = "anna"
        return ""

    @app.get("/who")
    def who():
        return {"who": session.get("who")}

    @app.get("/public")
    @stateless
    def public():
        seen = dict(session)
        session["who"] = "mallory"  # dropped, never sent back
        return {"seen": seen}

    client = app.test_client()
    assert "Set-Cookie" in client.get("/sign-in").headers
    response = client.get("/public")
    assert response.json == {"seen": {}}
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    head = client.head("/public")
    assert "Set-Cookie" not in head.headers and "Cookie" not in head.headers.get("Vary", "")
    assert client.get("/who").json == {"who": "anna"}


def test_the_api_uses_no_cookie_session(client, api, survey):
    """Keys, never cookies: a caller that also holds a session cookie gets no Set-Cookie and no
    Vary: Cookie back, from a GET or an answer, and its cookie is left as it was."""
    client.get("/login")
    cookie = client.get_cookie("session").value
    for reply in (
        api.get("/api/v1/journeys"),
        api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}}),
        api.get("/api/v1/nothing-here"),
    ):
        assert reply.status_code in (200, 202, 404), reply.json
        assert "Set-Cookie" not in reply.headers
        assert "Cookie" not in reply.headers.get("Vary", "")
    assert client.get_cookie("session").value == cookie
