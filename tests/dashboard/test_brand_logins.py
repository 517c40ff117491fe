"""One email, logins at several brands (an agency's marketer): each brand's owner adds the
address without learning of the others, login opens every login the password is that of,
the person chooses a brand and switches from any page, and logging out ends them all."""

import json
import re

import pytest

from app.models import User
from app.services import brands, users
from tests.dashboard.conftest import PASSWORD, PASSWORD_HASH, TOKEN, Dashboard

AGENCY = "marketeer@bureau.example"
CHOICE = re.compile(r'name="user" value="(\d+)">\s*<button type="submit"[^>]*>([^<]+)</button>')


@pytest.fixture
def other_brand(db):
    brand, _ = brands.create_brand("Ander Bad")
    return brand


@pytest.fixture
def agency(brand, other_brand, db):
    """The same email on both brands' teams, with the same password: editor here, viewer there."""
    logins = {
        "testbad": User(brand=brand, email=AGENCY, role="editor", password_hash=PASSWORD_HASH),
        "ander": User(brand=other_brand, email=AGENCY, role="viewer", password_hash=PASSWORD_HASH),
    }
    db.session.add_all(logins.values())
    db.session.commit()
    return logins


def choices(page: str) -> dict[str, int]:
    return {name: int(user_id) for user_id, name in CHOICE.findall(page)}


def choose(dashboard, user_id: int):
    """Post the choice as the page's button does (a session without a brand has no page with
    a token but the login's)."""
    page = dashboard.client.get("/dashboard/brands")
    found = page.status_code == 200 and TOKEN.search(page.get_data(as_text=True))
    data = {"user": str(user_id), "csrf_token": found.group(1) if found else dashboard.token()}
    return dashboard.client.post("/dashboard/brands", data=data)


def test_an_owner_adds_an_address_another_brand_has_without_learning_of_it(dash, other_brand, db):
    users.create_user(other_brand.slug, AGENCY, "the agency's password", "owner")
    added = dash.post("/dashboard/team", {"email": AGENCY.upper(), "role": "viewer"})
    assert added.status_code == 201, added.get_data(as_text=True)
    page = added.get_data(as_text=True)
    assert "Ander Bad" not in page and "another brand" not in page
    assert 'id="new-link"' in page
    again = dash.post("/dashboard/team", {"email": AGENCY, "role": "viewer"})
    assert again.status_code == 409  # twice on one team is still refused
    assert db.session.query(User).filter_by(email=AGENCY).count() == 2


def test_the_password_of_both_logins_lets_the_person_choose_and_switch(app, agency):
    marketer = Dashboard(app.test_client())
    logged_in = marketer.login(AGENCY)
    assert logged_in.status_code == 302
    assert logged_in.headers["Location"].endswith("/dashboard/brands")
    assert marketer.get("/dashboard").status_code == 302  # no brand open yet
    page = marketer.html("/dashboard/brands")
    assert choices(page) == {"Ander Bad": agency["ander"].id, "Testbad": agency["testbad"].id}

    opened = choose(marketer, agency["testbad"].id)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/dashboard/")
    journeys = marketer.html("/dashboard/journeys")
    assert "Testbad · marketeer@bureau.example · editor" in journeys
    assert 'href="/dashboard/brands">Switch brand</a>' in journeys

    assert choose(marketer, agency["ander"].id).status_code == 302
    there = marketer.html("/dashboard/journeys")
    assert "Ander Bad · marketeer@bureau.example · viewer" in there
    # the role is that brand's login's: a viewer there may not edit
    assert marketer.post("/dashboard/journeys/new", {"name": "Nieuw"}).status_code == 403
    switch = marketer.html("/dashboard/brands")
    assert re.search(r'class="primary" aria-current="true">Ander Bad<', switch)


def test_the_chosen_page_opens_after_the_choice(app, agency):
    marketer = Dashboard(app.test_client())
    token = marketer.token()
    form = {"email": AGENCY, "password": PASSWORD, "csrf_token": token}
    marketer.client.post("/login?next=/dashboard/surveys", data=form)
    assert choose(marketer, agency["ander"].id).headers["Location"] == "/dashboard/surveys"


def test_a_login_whose_password_differs_is_not_opened(app, agency, db):
    agency["ander"].set_password("the other brand's own password")
    db.session.commit()
    marketer = Dashboard(app.test_client())
    logged_in = marketer.login(AGENCY)
    assert logged_in.headers["Location"].endswith("/dashboard/")  # straight in: one login
    assert "Switch brand" not in marketer.html("/dashboard/journeys")
    assert choose(marketer, agency["ander"].id).status_code == 404
    other = Dashboard(app.test_client())
    assert other.login(AGENCY, "the other brand's own password").status_code == 302
    assert "Ander Bad · " in other.html("/dashboard/journeys")


def test_only_the_sessions_own_logins_can_be_chosen(app, agency, dash, users):
    marketer = Dashboard(app.test_client())
    marketer.login(AGENCY)
    # the brand's owner, or any id: not among this session's logins
    assert choose(marketer, users["owner"].id).status_code == 404
    assert choose(marketer, 99999).status_code == 404
    assert marketer.get("/dashboard").status_code == 302
    # a session that opened none has nothing to choose from
    stranger = Dashboard(app.test_client())
    assert stranger.get("/dashboard/brands").headers["Location"].endswith("/login")
    assert choose(stranger, agency["testbad"].id).headers["Location"].endswith("/login")
    # an owner who logged in with one login is not offered a switch
    assert "Switch brand" not in dash.html("/dashboard/journeys")


def test_a_reset_at_one_brand_takes_that_brand_out_of_the_switch(app, agency, db):
    marketer = Dashboard(app.test_client())
    marketer.login(AGENCY)
    choose(marketer, agency["testbad"].id)
    brand = db.session.get(User, agency["ander"].id).brand
    users.reset_link(AGENCY, brand.slug)  # that brand's owner (or operator) reset it
    assert choices(marketer.html("/dashboard/brands")) == {"Testbad": agency["testbad"].id}
    assert choose(marketer, agency["ander"].id).status_code == 404
    assert marketer.get("/dashboard/journeys").status_code == 200  # this one holds


def test_changing_the_password_keeps_the_switch(app, agency):
    marketer = Dashboard(app.test_client())
    marketer.login(AGENCY)
    choose(marketer, agency["testbad"].id)
    new = "a new password for Testbad only"
    changed = marketer.post(
        "/dashboard/account/password",
        {"current_password": PASSWORD, "password": new, "password_again": new},
    )
    assert changed.status_code == 302
    assert "Switch brand" in marketer.html("/dashboard/journeys")
    assert choose(marketer, agency["ander"].id).status_code == 302
    assert choose(marketer, agency["testbad"].id).status_code == 302
    # from now on the two passwords differ: each opens its own brand only
    assert (
        Dashboard(app.test_client()).login(AGENCY, new).headers["Location"].endswith("/dashboard/")
    )


def test_logging_out_ends_every_brand_this_session_opened(app, agency):
    marketer = Dashboard(app.test_client())
    marketer.login(AGENCY)
    choose(marketer, agency["testbad"].id)
    # a copy of the cookie, as a stolen one would be, switched to the other brand
    copy = Dashboard(app.test_client())
    copy.client.set_cookie("session", marketer.client.get_cookie("session").value)
    choose(copy, agency["ander"].id)
    assert copy.get("/dashboard/journeys").status_code == 200
    out = marketer.post("/logout", {})
    assert out.status_code == 302
    assert copy.get("/dashboard/journeys").status_code == 302  # Ander Bad's session ended too
    assert marketer.get("/dashboard/brands").headers["Location"].endswith("/login")


def test_the_operator_names_the_brand_of_a_reset_when_there_are_several(app, agency, other_brand):
    from app.cli import user_reset

    runner = app.test_cli_runner()
    both = runner.invoke(user_reset, ["--email", AGENCY])
    assert both.exit_code != 0
    assert f"each of these brands: {other_brand.slug}, testbad" in both.output
    one = runner.invoke(user_reset, ["--email", AGENCY, "--brand", other_brand.slug])
    assert one.exit_code == 0, one.output
    assert json.loads(one.output)["id"] == agency["ander"].id
    none = runner.invoke(user_reset, ["--email", AGENCY, "--brand", "nope"])
    assert none.exit_code != 0 and "at brand 'nope'" in none.output
