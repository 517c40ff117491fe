"""Login, logout, roles, CSRF and brand scoping of the dashboard."""

import pytest

from app.models import ApiKey, Persona, Survey, Touchpoint, User
from tests.dashboard.conftest import PASSWORD, Dashboard

PAGES = [
    "/dashboard",
    "/dashboard/journeys",
    "/dashboard/journeys/new",
    "/dashboard/journeys/import",
    "/dashboard/personas",
    "/dashboard/surveys",
    "/dashboard/surveys/new",
    "/dashboard/settings",
    "/dashboard/jobs",
    "/dashboard/reviews",
    "/dashboard/loyalty",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_needs_a_login(client, page):
    response = Dashboard(client).get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_journey_pages_need_a_login_too(client, journey):
    client = Dashboard(client).client
    for page in (
        f"/dashboard/journeys/{journey['id']}",
        f"/dashboard/journeys/{journey['id']}/phases/levering",
        f"/dashboard/journeys/{journey['id']}/phases/levering/responses.csv",
        f"/dashboard/journeys/{journey['id']}/figures.csv",
        f"/dashboard/journeys/{journey['id']}/export.json",
    ):
        response = client.get(page)
        assert response.status_code == 302, page
    assert client.post("/dashboard/personas", data={"key": "x", "name": "X"}).status_code in (
        302,
        400,
    )


def test_login_with_a_wrong_password_is_401_and_says_why(client, users):
    dashboard = Dashboard(client)
    client = dashboard.client
    response = dashboard.login("owner@testbad.example", "wrong password!!")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    unknown = dashboard.login("nobody@testbad.example")
    assert unknown.status_code == 401
    assert client.get("/dashboard").status_code == 302


def test_login_goes_to_next_but_never_off_site(client, users):
    dashboard = Dashboard(client)
    client = dashboard.client
    token = dashboard.token()
    response = client.post(
        "/login?next=/dashboard/personas",
        data={"email": "OWNER@testbad.example ", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/personas"
    client.post("/logout", data={"csrf_token": dashboard.token("/dashboard")})
    for evil in (
        "https://evil.example/x",
        "//evil.example",
        "/login",
        "javascript:alert(1)",
        "/dashboard%0d%0aX-Evil:%20y",  # a line break: urlsplit dropped it, the redirect 500'd
        "/dashboard%09/x",
        "/dashboard\\evil.example",
    ):
        response = client.post(
            f"/login?next={evil}",
            data={
                "email": "owner@testbad.example",
                "password": PASSWORD,
                "csrf_token": dashboard.token(),
            },
        )
        assert response.headers["Location"] == "/dashboard/", evil
        client.post("/logout", data={"csrf_token": dashboard.token("/dashboard")})


def test_signed_in_a_login_link_with_a_line_break_in_next_goes_home(dash):
    response = dash.get("/login?next=/dashboard%0d%0aX-Evil:%20y")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"


def test_logout_is_a_post_with_csrf(dash):
    assert dash.client.get("/logout").status_code == 405
    assert dash.client.post("/logout").status_code == 400  # no CSRF token
    assert dash.get("/dashboard").status_code == 200
    response = dash.post("/logout")
    assert response.status_code == 302
    assert dash.get("/dashboard").status_code == 302


def test_logging_out_ends_a_copied_session_too(app, dash, journey, count_rows):
    """Sessions are signed cookies: without the epoch a copy kept working after logout."""
    token = dash.token("/dashboard")
    copied = dash.client.get_cookie("session").value
    other = Dashboard(app.test_client())
    assert other.login("owner@testbad.example").status_code == 302  # a second device
    assert dash.post("/logout").status_code == 302

    thief = Dashboard(app.test_client())
    thief.client.set_cookie("session", copied)
    assert thief.get("/dashboard/account").status_code == 302  # to the login page
    personas = count_rows(Persona)
    thief.client.post("/dashboard/personas", data={"key": "x", "name": "X", "csrf_token": token})
    assert count_rows(Persona) == personas
    # logging out ends the login's sessions everywhere: the second device logs in again
    assert other.get("/dashboard/account").status_code == 302
    assert other.login("owner@testbad.example").status_code == 302
    assert other.get("/dashboard/account").status_code == 200


def test_the_login_form_needs_its_csrf_token(client, users):
    client = Dashboard(client).client
    response = client.post("/login", data={"email": "owner@testbad.example", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_forms_without_csrf_token_are_rejected_and_store_nothing(dash, count_rows, journey):
    response = dash.post("/dashboard/personas", {"key": "nieuw", "name": "Nieuw"}, csrf=False)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert count_rows(Persona) == 0
    response = dash.post(
        f"/dashboard/journeys/{journey['id']}/phases/levering/touchpoints",
        {"name": "Bezorging", "channel": "onsite"},
        csrf=False,
    )
    assert response.status_code == 400
    assert count_rows(Touchpoint) == 0
    bad_token = dash.client.post(
        "/dashboard/personas", data={"key": "nieuw", "name": "N", "csrf_token": "forged"}
    )
    assert bad_token.status_code == 400
    assert count_rows(Persona) == 0


def test_a_viewer_reads_but_cannot_edit(as_role, journey, survey, count_rows):
    viewer = as_role("viewer")
    assert viewer.get("/dashboard").status_code == 200
    assert viewer.get(f"/dashboard/journeys/{journey['id']}").status_code == 200
    assert viewer.get(f"/dashboard/surveys/{survey['id']}").status_code == 200
    page = viewer.html("/dashboard/personas")
    assert "New persona" not in page  # no form to fill in that would only fail
    writes = [
        ("/dashboard/personas", {"key": "x", "name": "X"}),
        ("/dashboard/journeys/new", {"name": "J", "phases.0.key": "a", "phases.0.name.nl": "A"}),
        (f"/dashboard/journeys/{journey['id']}/rename", {"name": "Nieuw"}),
        (
            f"/dashboard/journeys/{journey['id']}/phases/levering/touchpoints",
            {"name": "x", "channel": "web"},
        ),
        (f"/dashboard/surveys/{survey['id']}/active", {"active": "0"}),
        (f"/dashboard/surveys/{survey['id']}", {"name": "changed"}),
        ("/dashboard/settings/api-keys", {"name": "k"}),
    ]
    for url, data in writes:
        assert viewer.post(url, data).status_code == 403, url
    for page in ("/dashboard/journeys/new", "/dashboard/surveys/new", "/dashboard/settings"):
        assert viewer.get(page).status_code == 403, page
    assert count_rows(Persona) == count_rows(Touchpoint) == 0
    assert count_rows(Survey) == 1 and count_rows(ApiKey) == 1


def test_an_editor_edits_but_does_not_manage_keys(as_role, count_rows):
    editor = as_role("editor")
    assert editor.post("/dashboard/personas", {"key": "x", "name": "X"}).status_code == 302
    assert count_rows(Persona) == 1
    assert editor.get("/dashboard/settings").status_code == 403
    assert editor.post("/dashboard/settings/api-keys", {"name": "k"}).status_code == 403
    assert editor.get("/dashboard/jobs").status_code == 403
    assert "API keys" not in editor.html("/dashboard")
    assert count_rows(ApiKey) == 1


def test_another_brands_rows_are_404(dash, other_brand, count_rows):
    from app.extensions import db
    from app.services import brands, journeys

    other = other_brand["brand"]
    persona = journeys.create_persona(other, {"key": "p", "name": "P"})
    touchpoint = journeys.add_touchpoint(
        other, other_brand["journey_id"], "levering", {"name": "T", "channel": "web"}
    )
    key, _ = brands.create_api_key(other, "theirs")
    ids = {"persona": persona.id, "touchpoint": touchpoint.id, "key": key.id}
    db.session.expire_all()
    journey_id, survey_id = other_brand["journey_id"], other_brand["survey_id"]
    for url in (
        f"/dashboard?journey={journey_id}",
        f"/dashboard/journeys/{journey_id}",
        f"/dashboard/journeys/{journey_id}/figures.csv",
        f"/dashboard/journeys/{journey_id}/export.json",
        f"/dashboard/journeys/{journey_id}/phases/levering",
        f"/dashboard/journeys/{journey_id}/phases/levering/responses.csv",
        f"/dashboard/journeys/{journey_id}/phases/levering/trend.csv",
        f"/dashboard/surveys/{survey_id}",
    ):
        assert dash.get(url).status_code == 404, url
    for url, data in (
        (f"/dashboard/journeys/{journey_id}/rename", {"name": "mine now"}),
        (f"/dashboard/journeys/{journey_id}/phases", {"key": "x", "name.nl": "X"}),
        (f"/dashboard/journeys/{journey_id}/phases/levering/edit", {"name.nl": "X"}),
        (
            f"/dashboard/journeys/{journey_id}/phases/levering/touchpoints",
            {"name": "x", "channel": "web"},
        ),
        (f"/dashboard/touchpoints/{ids['touchpoint']}/delete", {}),
        (f"/dashboard/personas/{ids['persona']}/edit", {"name": "mine"}),
        (f"/dashboard/surveys/{survey_id}", {"name": "mine"}),
        (f"/dashboard/surveys/{survey_id}/active", {"active": "0"}),
        (f"/dashboard/settings/api-keys/{ids['key']}/revoke", {}),
    ):
        assert dash.post(url, data).status_code == 404, url
    assert count_rows(Touchpoint) == 1 and count_rows(Persona) == 1
    assert db.session.get(ApiKey, ids["key"]).revoked_at is None
    assert db.session.get(Persona, ids["persona"]).name == "P"


def test_pages_are_private_and_carry_a_csp(dash):
    response = dash.get("/dashboard")
    assert response.headers["Cache-Control"] == "no-store"
    assert "nonce-" in response.headers["Content-Security-Policy"]
    assert "https://" not in response.get_data(as_text=True).split("<main")[0]  # no CDN


def test_the_session_cookie_is_httponly_and_samesite(client, users):
    dashboard = Dashboard(client)
    client = dashboard.client
    response = client.post(
        "/login",
        data={
            "email": "owner@testbad.example",
            "password": PASSWORD,
            "csrf_token": dashboard.token(),
        },
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_users_of_one_brand_are_not_logged_in_as_another(dash, db):
    assert db.session.query(User).count() == 3


def test_a_session_ends_with_its_user_and_with_its_password(as_role, users, other_brand, db):
    """The session named the user by id alone: on SQLite a removed user's id goes to the next
    user created, and the old cookie then opened that user's account (another brand's owner);
    and a new password left the sessions made with the old one working."""
    from tests.dashboard.conftest import PASSWORD_HASH

    viewer, editor = as_role("viewer"), as_role("editor")
    assert viewer.get("/dashboard/journeys").status_code == 200
    removed = users["viewer"].id  # the newest user: SQLite hands its id to the next one
    db.session.delete(users["viewer"])
    db.session.commit()
    successor = User(
        brand=other_brand["brand"],
        email="baas@ander.example",
        role="owner",
        password_hash=PASSWORD_HASH,
    )
    db.session.add(successor)
    db.session.commit()
    assert viewer.get("/dashboard/settings").status_code == 302  # to the login, not in
    assert successor.id == removed or db.engine.dialect.name == "postgresql"
    users["editor"].set_password("een heel ander wachtwoord")
    db.session.commit()
    assert editor.get("/dashboard/journeys").status_code == 302
