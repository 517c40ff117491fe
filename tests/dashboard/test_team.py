"""The Team page (owners add, re-role and remove logins; a welcome link, shown once, lets a new
login choose its password) and Your account (change your own password)."""

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.models import User
from app.services import brands, survey_tokens, users
from app.services.users import WELCOME_SALT
from tests.conftest import Contenders
from tests.dashboard.conftest import PASSWORD, TOKEN, Dashboard

NEW_PASSWORD = "a new password, long enough"
LINK = re.compile(r'id="new-link">([^<]+)<')


def welcome_path(response) -> str:
    """The welcome link a page shows once, as a path for the test client."""
    found = LINK.search(response.get_data(as_text=True))
    assert found, "no welcome link on the page"
    return urlsplit(found.group(1)).path


def invite(dash, email="new@testbad.example", role="editor") -> str:
    response = dash.post("/dashboard/team", {"email": email, "role": role})
    assert response.status_code == 201, response.get_data(as_text=True)
    return welcome_path(response)


def choose_password(app, path, password=NEW_PASSWORD, again=None, csrf=True):
    """A browser without a login opens the link and sends the form: (response, its client)."""
    newcomer = Dashboard(app.test_client())
    data = {"password": password, "password_again": password if again is None else again}
    if csrf:
        data["csrf_token"] = newcomer.token("/login")
    return newcomer.client.post(path, data=data), newcomer


def stored(email) -> User | None:
    db.session.expire_all()
    return db.session.query(User).filter_by(email=email).one_or_none()


@pytest.fixture
def other_user(db):
    """A login of another brand."""
    other, _ = brands.create_brand("Ander Bad")
    return users.create_user(other.slug, "someone@anderbad.example", "another password", "owner")


# --- the happy paths --------------------------------------------------------------------------


def test_an_owner_adds_an_editor_who_chooses_a_password_and_signs_in(dash, app, brand, count_rows):
    page = dash.html("/dashboard/team")
    assert 'href="/dashboard/team" aria-current="page">Team<' in page
    for email in ("owner@testbad.example", "editor@testbad.example", "viewer@testbad.example"):
        assert email in page

    added = dash.post("/dashboard/team", {"email": " An.Nieuw@TestBad.example ", "role": "editor"})
    assert added.status_code == 201
    assert added.headers["Cache-Control"] == "no-store"
    path = welcome_path(added)
    assert path.startswith("/dashboard/welcome/")
    assert LINK.search(added.get_data(as_text=True)).group(1).startswith("http://127.0.0.1:5000/")
    assert count_rows(User) == 4
    user = stored("an.nieuw@testbad.example")
    assert user.role == "editor" and user.brand_id == brand.id
    later = dash.html("/dashboard/team")
    assert path not in later and "not chosen yet" in later  # the link was shown once

    # no password yet: no password signs in
    assert Dashboard(app.test_client()).login("an.nieuw@testbad.example", "").status_code == 401
    # nor does the stored marker, typed as one
    assert Dashboard(app.test_client()).login(user.email, user.password_hash).status_code == 401

    newcomer = Dashboard(app.test_client())
    opened = newcomer.get(path)
    assert opened.status_code == 200
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert opened.headers["Cache-Control"] == "no-store"
    assert "an.nieuw@testbad.example" in opened.get_data(as_text=True)
    response = newcomer.client.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": newcomer.token(path),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"
    home = newcomer.html("/dashboard")
    assert "an.nieuw@testbad.example · editor" in home
    assert 'href="/dashboard/team"' not in home and 'href="/dashboard/account"' in home
    assert newcomer.get("/dashboard/team").status_code == 403
    assert newcomer.get("/dashboard/journeys/new").status_code == 200  # an editor edits

    elsewhere = Dashboard(app.test_client())
    assert elsewhere.login("an.nieuw@testbad.example", NEW_PASSWORD).status_code == 302
    used = Dashboard(app.test_client()).get(path)
    assert used.status_code == 410 and "has been used" in used.get_data(as_text=True)
    assert "not chosen yet" not in dash.html("/dashboard/team")


def test_an_owner_changes_a_role_and_it_holds_at_once(dash, as_role):
    editor = as_role("editor")
    assert editor.get("/dashboard/journeys/new").status_code == 200
    user_id = stored("editor@testbad.example").id
    changed = dash.post(f"/dashboard/team/{user_id}/role", {"role": "viewer"})
    assert changed.status_code == 302
    assert changed.headers["Location"] == f"/dashboard/team#user-{user_id}"
    assert stored("editor@testbad.example").role == "viewer"
    assert editor.get("/dashboard/journeys/new").status_code == 403  # the same session
    assert "editor@testbad.example · viewer" in editor.html("/dashboard")
    assert dash.post(f"/dashboard/team/{user_id}/role", {"role": "owner"}).status_code == 302
    assert editor.get("/dashboard/team").status_code == 200


def test_removing_a_login_ends_its_access(dash, as_role, app, count_rows):
    editor = as_role("editor")
    user_id = stored("editor@testbad.example").id
    removed = dash.post(f"/dashboard/team/{user_id}/remove")
    assert removed.status_code == 302 and removed.headers["Location"] == "/dashboard/team"
    assert count_rows(User) == 2
    page = dash.html("/dashboard/team")
    assert "editor@testbad.example is removed" in page  # the flash
    assert '<th scope="row">editor@testbad.example' not in page
    assert editor.get("/dashboard").status_code == 302  # to /login: the session ended
    assert Dashboard(app.test_client()).login("editor@testbad.example").status_code == 401


def test_an_owner_leaves_when_another_owner_stays(dash, as_role):
    other = as_role("editor")
    editor_id = stored("editor@testbad.example").id
    assert dash.post(f"/dashboard/team/{editor_id}/role", {"role": "owner"}).status_code == 302
    owner_id = stored("owner@testbad.example").id
    demoted = dash.post(f"/dashboard/team/{owner_id}/role", {"role": "viewer"})
    assert demoted.status_code == 302 and demoted.headers["Location"] == "/dashboard/"
    assert dash.get("/dashboard/team").status_code == 403
    removed = other.post(f"/dashboard/team/{owner_id}/remove")  # by the owner who stays
    assert removed.status_code == 302
    assert stored("owner@testbad.example") is None


def test_an_owner_removing_their_own_login_is_logged_out(dash, as_role):
    editor_id = stored("editor@testbad.example").id
    assert dash.post(f"/dashboard/team/{editor_id}/role", {"role": "owner"}).status_code == 302
    owner_id = stored("owner@testbad.example").id
    response = dash.post(f"/dashboard/team/{owner_id}/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert dash.get("/dashboard").status_code == 302
    assert stored("owner@testbad.example") is None


def test_changing_your_password_ends_your_other_sessions(dash, as_role, app):
    elsewhere = as_role("owner")
    page = dash.html("/dashboard/account")
    assert 'aria-current="page">Your account<' in page
    response = dash.post(
        "/dashboard/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/account"
    assert "Your password is changed" in dash.html("/dashboard/account")  # still logged in here
    assert elsewhere.get("/dashboard").status_code == 302  # logged out there
    assert Dashboard(app.test_client()).login("owner@testbad.example").status_code == 401
    assert (
        Dashboard(app.test_client()).login("owner@testbad.example", NEW_PASSWORD).status_code == 302
    )


def test_every_role_has_its_account_page_and_only_owners_a_team_link(as_role):
    for role in ("viewer", "editor"):
        dashboard = as_role(role)
        page = dashboard.html("/dashboard/account")
        assert f"{role}@testbad.example" in page and 'href="/dashboard/team"' not in page
        assert dashboard.get("/dashboard/team").status_code == 403
        user_id = stored(f"{role}@testbad.example").id
        refused = dashboard.post(f"/dashboard/team/{user_id}/role", {"role": "owner"})
        assert refused.status_code == 403
    assert stored("viewer@testbad.example").role == "viewer"


def test_a_new_link_replaces_the_old_one(dash, app):
    first = invite(dash)
    user_id = stored("new@testbad.example").id
    again = dash.post(f"/dashboard/team/{user_id}/welcome-link")
    assert again.status_code == 201
    second = welcome_path(again)
    assert second != first
    old = Dashboard(app.test_client()).get(first)
    assert old.status_code == 410 and "replaced by a newer one" in old.get_data(as_text=True)
    page = Dashboard(app.test_client()).html(second)
    assert "Welcome to Phasewise" in page and "made a dashboard login" in page
    response, _ = choose_password(app, second)
    assert response.status_code == 302
    # once the password is chosen, a new link resets it (a colleague who forgot it): the
    # password and the sessions it opened end at once, the new link chooses another
    _, colleague = response, Dashboard(app.test_client())
    assert colleague.login("new@testbad.example", NEW_PASSWORD).status_code == 302
    reset = dash.post(f"/dashboard/team/{user_id}/welcome-link")
    assert reset.status_code == 201
    # her link says what happened: a reset, not a stranger's welcome; a second link too
    page = Dashboard(app.test_client()).html(welcome_path(reset))
    assert "<h1>Choose a new password</h1>" in page and "Welcome to Phasewise" not in page
    reset = dash.post(f"/dashboard/team/{user_id}/welcome-link")
    assert "<h1>Choose a new password</h1>" in Dashboard(app.test_client()).html(
        welcome_path(reset)
    )
    team = dash.html("/dashboard/team")
    assert "reset, a new one not chosen yet" in team and "New reset link" in team
    assert colleague.get("/dashboard").status_code == 302  # signed out
    assert (
        Dashboard(app.test_client()).login("new@testbad.example", NEW_PASSWORD).status_code == 401
    )
    again, _ = choose_password(app, welcome_path(reset), "another long password")
    assert again.status_code == 302


def test_your_own_password_is_changed_on_your_account_not_reset(dash, as_role):
    own = stored("owner@testbad.example")
    mine = dash.post(f"/dashboard/team/{own.id}/welcome-link")
    assert mine.status_code == 409 and "Your account" in mine.get_data(as_text=True)
    assert not stored("owner@testbad.example").password_hash.startswith("!pending:")
    # another owner may reset it: the one who does stays an owner who can log in
    db.session.query(User).filter_by(email="editor@testbad.example").update({"role": "owner"})
    db.session.commit()
    reset = as_role("editor").post(f"/dashboard/team/{own.id}/welcome-link")
    assert reset.status_code == 201
    assert stored("owner@testbad.example").password_hash.startswith("!pending:")


# --- what is refused, with nothing stored -----------------------------------------------------


def test_bad_new_logins_are_refused_next_to_their_field(dash, other_user, count_rows):
    cases = [
        ({"email": "an@testbad.example", "role": "admin"}, 422, "err-role"),
        ({"email": "an@testbad.example"}, 422, "err-role"),
        ({"email": "not an email", "role": "viewer"}, 422, "err-email"),
        ({"email": "", "role": "viewer"}, 422, "err-email"),
        ({"email": "EDITOR@testbad.example", "role": "viewer"}, 409, "err-email"),
    ]
    for form, status, error_id in cases:
        response = dash.post("/dashboard/team", form)
        assert response.status_code == status, form
        page = response.get_data(as_text=True)
        assert f'id="{error_id}"' in page and 'aria-invalid="true"' in page, form
        assert "new-link" not in page
    duplicate = dash.post("/dashboard/team", {"email": "editor@testbad.example", "role": "viewer"})
    assert "is on this brand&#39;s team already" in duplicate.get_data(as_text=True)
    no_csrf = dash.post("/dashboard/team", {"email": "an@testbad.example", "role": "x"}, csrf=False)
    assert no_csrf.status_code == 400
    assert count_rows(User) == 4  # three of this brand, one of the other


def test_another_brands_logins_are_404(dash, other_user):
    page = dash.html("/dashboard/team")
    assert "someone@anderbad.example" not in page
    for url, form in (
        (f"/dashboard/team/{other_user.id}/role", {"role": "viewer"}),
        (f"/dashboard/team/{other_user.id}/role", {"role": "admin"}),
        (f"/dashboard/team/{other_user.id}/remove", {}),
        (f"/dashboard/team/{other_user.id}/welcome-link", {}),
        ("/dashboard/team/99999/remove", {}),
    ):
        assert dash.post(url, form).status_code == 404, url
    kept = stored("someone@anderbad.example")
    assert kept.role == "owner" and kept.check_password("another password")


def test_the_last_owner_cannot_leave(dash, count_rows):
    owner_id = stored("owner@testbad.example").id
    for url, form in (
        (f"/dashboard/team/{owner_id}/remove", {}),
        (f"/dashboard/team/{owner_id}/role", {"role": "editor"}),
        (f"/dashboard/team/{owner_id}/role", {"role": "viewer"}),
    ):
        response = dash.post(url, form)
        assert response.status_code == 409, url
        page = response.get_data(as_text=True)
        assert f'id="err-user-{owner_id}"' in page and "last owner of Testbad" in page
    # an owner without a password yet does not count: their link may expire unused
    invite(dash, "future@testbad.example", "owner")
    assert dash.post(f"/dashboard/team/{owner_id}/remove").status_code == 409
    assert count_rows(User) == 4
    assert stored("owner@testbad.example").role == "owner"
    # making yourself an owner again is no change, and never refused
    assert dash.post(f"/dashboard/team/{owner_id}/role", {"role": "owner"}).status_code == 302


def test_a_bad_role_change_is_422_and_changes_nothing(dash):
    user_id = stored("editor@testbad.example").id
    for form in ({"role": "admin"}, {}, {"role": "Owner"}):
        response = dash.post(f"/dashboard/team/{user_id}/role", form)
        assert response.status_code == 422, form
        page = response.get_data(as_text=True)
        assert 'id="err-role"' in page and 'aria-describedby="err-role"' in page
    no_csrf = dash.post(f"/dashboard/team/{user_id}/role", {"role": "owner"}, csrf=False)
    assert no_csrf.status_code == 400
    assert dash.post(f"/dashboard/team/{user_id}/remove", csrf=False).status_code == 400
    assert stored("editor@testbad.example").role == "editor"


def test_a_welcome_link_that_is_forged_or_not_ours_is_404_and_changes_nothing(dash, app, brand):
    path = invite(dash)
    user = stored("new@testbad.example")
    before = user.password_hash
    token = path.rsplit("/", 1)[1]
    payload, signature = token.rsplit(".", 1)
    ours = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=WELCOME_SALT)
    for url in (
        f"/dashboard/welcome/{payload}.{signature[::-1]}",  # tampered
        f"/dashboard/welcome/{token[:-3]}",  # cut short
        "/dashboard/welcome/nonsense",
        "/dashboard/welcome/" + "x" * 500,
        # signed by us, but for a survey link: another salt
        "/dashboard/welcome/" + survey_tokens.link_token(survey_tokens.LinkClaims(1, brand.id, 1)),
        # signed for a welcome, but not naming a login (or one that is gone)
        "/dashboard/welcome/" + ours.dumps(["x", brand.id, "y", "z"]),
        "/dashboard/welcome/" + ours.dumps([99999, brand.id, "y", "z"]),
        "/dashboard/welcome/" + ours.dumps([user.id, brand.id + 1, "y", "z"]),
        # the right id, but made for another login there (SQLite gives a removed id again)
        "/dashboard/welcome/" + ours.dumps([user.id, brand.id, "another login", "z"]),
    ):
        opened = Dashboard(app.test_client()).get(url)
        assert opened.status_code == 404, url
        assert "This link is not valid" in opened.get_data(as_text=True)
        newcomer = Dashboard(app.test_client())
        posted = newcomer.client.post(
            url,
            data={
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
                "csrf_token": newcomer.token("/login"),
            },
        )
        assert posted.status_code == 404, url
    assert stored("new@testbad.example").password_hash == before
    assert Dashboard(app.test_client()).get(path).status_code == 200  # the real one still works


def test_a_welcome_link_expires_after_seven_days(dash, app, monkeypatch):
    path = invite(dash, "late@testbad.example")
    before = stored("late@testbad.example").password_hash
    now = time.time()

    def days_later(days):
        # every signature's clock (sessions, CSRF tokens, links) moves on alike
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(now + days * 86400))

    days_later(6.9)
    assert Dashboard(app.test_client()).get(path).status_code == 200
    days_later(7.05)
    opened = Dashboard(app.test_client()).get(path)
    assert opened.status_code == 410 and "has expired" in opened.get_data(as_text=True)
    assert choose_password(app, path)[0].status_code == 410
    monkeypatch.undo()
    assert stored("late@testbad.example").password_hash == before
    # the owner makes a new one, which works
    user_id = stored("late@testbad.example").id
    fresh = welcome_path(dash.post(f"/dashboard/team/{user_id}/welcome-link"))
    assert choose_password(app, fresh)[0].status_code == 302


def test_a_used_link_cannot_set_the_password_again(dash, app):
    path = invite(dash)
    assert choose_password(app, path)[0].status_code == 302
    after = stored("new@testbad.example").password_hash
    newcomer = Dashboard(app.test_client())
    posted = newcomer.client.post(
        path,
        data={
            "password": "someone else's password",
            "password_again": "someone else's password",
            "csrf_token": newcomer.token("/login"),
        },
    )
    assert posted.status_code == 410 and "has been used" in posted.get_data(as_text=True)
    assert stored("new@testbad.example").password_hash == after
    assert newcomer.get("/dashboard").status_code == 302  # not signed in


def test_a_first_password_follows_the_rules(dash, app):
    path = invite(dash)
    before = stored("new@testbad.example").password_hash
    for password, again, error_id in (
        ("too short", "too short", "err-password"),
        ("", "", "err-password"),
        ("x" * 513, "x" * 513, "err-password"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "err-password_again"),
    ):
        response, newcomer = choose_password(app, path, password, again)
        assert response.status_code == 422, password
        page = response.get_data(as_text=True)
        assert f'id="{error_id}"' in page and 'aria-invalid="true"' in page
        assert newcomer.get("/dashboard").status_code == 302  # not signed in
    assert choose_password(app, path, csrf=False)[0].status_code == 400
    assert stored("new@testbad.example").password_hash == before
    # spaces are part of a password, not trimmed away
    spaced = "  spaces around it  "
    assert choose_password(app, path, spaced)[0].status_code == 302
    assert stored("new@testbad.example").check_password(spaced)


def test_a_password_change_is_refused_with_the_reason(dash):
    before = stored("owner@testbad.example").password_hash
    for form, error_id in (
        (
            {"current_password": "not my password", "password": NEW_PASSWORD},
            "err-current_password",
        ),
        ({"current_password": PASSWORD, "password": "short"}, "err-password"),
        ({"current_password": "", "password": NEW_PASSWORD}, "err-current_password"),
    ):
        form.setdefault("password_again", form["password"])
        response = dash.post("/dashboard/account/password", form)
        assert response.status_code == 422, form
        page = response.get_data(as_text=True)
        assert f'id="{error_id}"' in page and 'aria-invalid="true"' in page, form
    mismatch = dash.post(
        "/dashboard/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": "other one!"},
    )
    assert mismatch.status_code == 422 and 'id="err-password_again"' in mismatch.get_data(
        as_text=True
    )
    no_csrf = dash.post(
        "/dashboard/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        csrf=False,
    )
    assert no_csrf.status_code == 400
    assert stored("owner@testbad.example").password_hash == before
    assert dash.get("/dashboard").status_code == 200  # still logged in


def test_the_cli_keeps_the_same_password_rule(brand, db):
    from app.errors import AppError

    for password in ("short", "x" * 513):
        with pytest.raises(AppError) as refused:
            users.create_user(brand.slug, "cli@testbad.example", password, "viewer")
        assert refused.value.code == 422
    assert users.create_user(brand.slug, "cli@testbad.example", "x" * 10, "viewer").id


def test_the_operator_resets_a_forgotten_password_from_the_cli(app, dash):
    """The last owner who forgot their password has no colleague to reset it."""
    import json

    from app.cli import user_reset

    result = app.test_cli_runner().invoke(user_reset, ["--email", "Owner@TestBad.example"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["email"] == "owner@testbad.example"
    assert shown["url"].startswith("http://127.0.0.1:5000/dashboard/welcome/")
    assert dash.get("/dashboard").status_code == 302  # the old password's session ended
    path = urlsplit(shown["url"]).path
    page = Dashboard(app.test_client()).html(path)
    assert "<h1>Choose a new password</h1>" in page and "was reset" in page
    response, newcomer = choose_password(app, path, "a fresh owner password")
    assert response.status_code == 302
    assert "Your new password is set" in newcomer.html("/dashboard")
    missing = app.test_cli_runner().invoke(user_reset, ["--email", "nobody@testbad.example"])
    assert missing.exit_code != 0 and "no login" in missing.output


# --- rate limits ------------------------------------------------------------------------------


@pytest.fixture
def limited(database_uri, app, db, users):
    """An app with rate limiting on; the shared limiter is switched back off afterwards."""
    from app import create_app
    from app.extensions import limiter
    from tests.conftest import _normalise

    limited = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": _normalise(database_uri), "RATELIMIT_ENABLED": True}
    )
    with limited.app_context():
        limiter.reset()
    yield limited
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()  # close its pool now, not whenever the garbage collector runs
    limiter.enabled = False


def test_password_and_welcome_posts_are_rate_limited(limited):
    with limited.app_context():
        owner = Dashboard(limited.test_client())
        assert owner.login("owner@testbad.example").status_code == 302
        wrong = {"current_password": "guess", "password": NEW_PASSWORD}
        wrong["password_again"] = NEW_PASSWORD
        statuses = [owner.post("/dashboard/account/password", wrong).status_code for _ in range(11)]
        assert statuses == [422] * 10 + [429]
        stranger = Dashboard(limited.test_client())
        token = stranger.token()
        guesses = [
            stranger.client.post(
                f"/dashboard/welcome/guess{number}", data={"csrf_token": token}
            ).status_code
            for number in range(11)
        ]
        assert guesses[-1] == 429 and set(guesses[:10]) == {404}


# --- two owners at once (PostgreSQL) ----------------------------------------------------------


@pytest.mark.postgres
def test_two_owners_demoting_each_other_at_once_leave_one_owner(users, app, db):
    """Each counted the other as the owner who stays: without the brand's lock, none stayed."""
    users["editor"].role = "owner"
    db.session.commit()
    ids = {role: users[role].id for role in ("owner", "editor")}
    requests = []
    for actor, target in (("owner", "editor"), ("editor", "owner")):
        client = app.test_client()  # its own: a thread has no `g` for the Dashboard to clear
        dashboard = Dashboard(client)
        assert dashboard.login(f"{actor}@testbad.example").status_code == 302
        data = {"role": "viewer", "csrf_token": dashboard.token("/dashboard/journeys")}
        url = f"/dashboard/team/{ids[target]}/role"
        requests.append(lambda client=client, url=url, data=data: client.post(url, data=data))
    db.session.commit()
    held = ("SELECT id FROM brand WHERE id = :id FOR UPDATE", {"id": users["owner"].brand_id})
    with Contenders(requests, *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [302, 409]
    db.session.expire_all()
    owners = db.session.query(User).filter_by(role="owner").count()
    assert owners == 1


def test_pages_carry_csrf_tokens(dash):
    page = dash.html("/dashboard/team")
    forms = page.count("<form")
    assert len(TOKEN.findall(page)) == forms  # every form, the logout one among them


def test_a_login_waiting_for_its_link_costs_a_password_check_like_any_other(dash, app, monkeypatch):
    """Its stored marker fails at once, so skipping the hash would tell by the time taken
    which emails have a login that waits for its welcome link."""
    from app.services import users as service

    invite(dash, "wacht@testbad.example")
    checked = []
    real = service.check_password_hash
    monkeypatch.setattr(
        service, "check_password_hash", lambda *args: checked.append(args[0]) or real(*args)
    )
    reply = Dashboard(app.test_client()).login("wacht@testbad.example", "a guess of ten")
    assert reply.status_code == 401
    assert checked == [service._DUMMY_HASH]
