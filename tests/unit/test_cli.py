"""The flask commands of CONTRACT.md."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.models import ApiKey, Brand, Contact, FollowUpHandled, Invitation, Response, User
from app.services import follow_up
from tests.conftest import Contenders


def test_brand_create_prints_the_key_once(app, db):
    result = app.test_cli_runner().invoke(
        args=["brand", "create", "--name", "Mooi Bad", "--origin", "https://www.mooibad.nl/"]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert set(created) >= {"id", "slug", "api_key", "site_key"}
    assert created["slug"] == "mooi-bad" and created["api_key"].startswith("sk_")
    brand = db.session.get(Brand, created["id"])
    assert brand.allowed_origins == ["https://www.mooibad.nl"]
    key = db.session.query(ApiKey).one()
    assert created["api_key"] not in (key.key_hash, key.prefix)  # only a hash is kept


def test_brand_create_refuses_bad_input(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["brand", "create", "--name", "Mooi Bad"])
    duplicate = runner.invoke(args=["brand", "create", "--name", "Mooi Bad"])
    assert duplicate.exit_code != 0 and "exists" in duplicate.output
    bad_origin = runner.invoke(args=["brand", "create", "--name", "X", "--origin", "ftp://x"])
    assert bad_origin.exit_code != 0
    assert db.session.query(Brand).count() == 1


def test_refusals_read_as_sentences_for_the_operator(app, db, brand, monkeypatch):
    """No API JSON in a terminal; the slug that was not found is named (operator walkthrough)."""
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["brand", "create", "--name", "X", "--slug", brand.slug])
    assert taken.exit_code == 1
    assert taken.output.strip().endswith("exists (slug: taken)") and "{" not in taken.output
    nobody = runner.invoke(args=["user", "reset", "--email", "nobody@example.nl"])
    assert nobody.output.strip() == "Error: no login with the email 'nobody@example.nl'"
    unknown = runner.invoke(
        args=["user", "create", "--brand", "nope", "--email", "a@b.nl", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert unknown.output.strip() == "Error: no brand with the slug 'nope'"
    quiet = runner.invoke(args=["pipeline", "failed"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and "nothing failed" in quiet.stderr
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    demo = runner.invoke(args=["demo", "--responses", "0"])
    assert demo.exit_code == 1 and "--in-production" in demo.output
    assert db.session.query(Brand).count() == 1


def test_an_operator_lists_creates_and_revokes_keys(app, db, brand, client):
    """Without an owner's login a leaked key could not be revoked (operator walkthrough)."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["key", "create", "--brand", brand.slug, "--name", "shop"])
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    secret = created["api_key"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/brand", headers=bearer).status_code == 200
    listed = [
        json.loads(line)
        for line in runner.invoke(args=["key", "list", "--brand", brand.slug]).output.splitlines()
    ]
    assert [key["name"] for key in listed] == ["default", "shop"]
    assert secret not in json.dumps(listed) and listed[1]["revoked_at"] is None
    revoked = runner.invoke(
        args=["key", "revoke", "--brand", brand.slug, "--id", str(created["id"])]
    )
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/brand", headers=bearer).status_code == 401
    again = runner.invoke(args=["key", "list", "--brand", brand.slug]).output.splitlines()
    assert json.loads(again[1])["revoked_at"].endswith("Z")
    # another brand's key id, or none at all: said, and nothing revoked
    other = runner.invoke(args=["key", "revoke", "--brand", brand.slug, "--id", "999"])
    assert other.exit_code == 1 and "has no key with id 999" in other.output
    nope = runner.invoke(args=["key", "list", "--brand", "nope"])
    assert nope.output.strip() == "Error: no brand with the slug 'nope'"
    # what an operator typed is named; a public 404 does not echo a visitor's path back
    public = client.get("/feeds/Call-0800-123/badge.json")
    assert public.status_code == 404 and public.json["error"]["message"] == "brand not found"


def test_user_create_reads_the_password_from_stdin(app, db, brand):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--brand",
            brand.slug,
            "--email",
            "Anna@Example.nl",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).one()
    assert user.email == "anna@example.nl" and user.role == "editor"
    assert user.check_password("correct horse battery")
    short = runner.invoke(
        args=["user", "create", "--brand", brand.slug, "--email", "b@x.nl", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0
    unknown = runner.invoke(
        args=["user", "create", "--brand", "nope", "--email", "c@x.nl", "--password-stdin"],
        input="long enough password\n",
    )
    assert unknown.exit_code != 0
    assert db.session.query(User).count() == 1


def test_demo_seeds_once_and_reissues_credentials(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--responses", "300"])
    assert first.exit_code == 0, first.output
    assert "API key      sk_" in first.output and "demo@phasewise.local" in first.output
    responses = db.session.query(Response).count()
    assert 250 <= responses <= 300
    assert db.session.query(Response).filter(Response.status != "processed").count() == 0
    # Every email answer came from a sent invitation to that customer and survey; others
    # went unanswered, a few were held back, and no one was asked twice about one phase.
    emailed = db.session.query(Response).filter_by(channel="email").all()
    used = {
        i.response_id: i
        for i in db.session.query(Invitation).filter(Invitation.used_at.isnot(None))
    }
    assert emailed and set(used) == {r.id for r in emailed}
    assert all(
        (used[r.id].customer_id, used[r.id].survey_id) == (r.customer_id, r.survey_id)
        for r in emailed
    )
    assert all(used[r.id].sent_at < r.created_at for r in emailed)
    statuses = {status for (status,) in db.session.query(Invitation.status).distinct()}
    assert statuses == {"sent", "skipped", "failed"}
    pairs = db.session.query(Invitation.customer_id, Invitation.phase_id).all()
    assert len(pairs) == len(set(pairs))
    # stored in the order they were made: the Invitations page's newest-first reads as dates
    made = [row.created_at for row in db.session.query(Invitation).order_by(Invitation.id)]
    assert made == sorted(made)
    # a link works to the end of the brand's day, as a sent one's does
    ends = {(i.expires_at + timedelta(microseconds=1)).time() for i in db.session.query(Invitation)}
    assert len(ends) <= 2  # midnight in Amsterdam: 23:00 or 22:00 UTC (summer time)
    # the contact budget counts them: each invitation it did not hold back and that did not
    # fail (a failed one gave its ask back), each widget ask
    emails = db.session.query(Contact).filter_by(channel="email").count()
    asked = Invitation.status.not_in(("skipped", "failed"))
    assert emails == db.session.query(Invitation).filter(asked).count()
    failed = db.session.query(Invitation).filter_by(status="failed")
    assert {invitation.failure for invitation in failed} == {"refused"}
    widget = (
        db.session.query(Response)
        .filter_by(channel="widget")
        .filter(Response.customer_id.isnot(None))
    )
    assert db.session.query(Contact).filter_by(channel="widget").count() == widget.count()
    # the older answers that needed a follow-up were mostly handled; the recent ones are open
    handled = {row.response_id: row for row in db.session.query(FollowUpHandled)}
    flagged = db.session.query(Response).filter(follow_up.condition()).all()
    assert handled and set(handled) < {r.id for r in flagged}
    assert all(handled[r.id].handled_at > r.created_at for r in flagged if r.id in handled)
    # the seeded replies keep their reviewers' notices in the log, unmailed, as its removal does
    from app.models import ModerationEntry

    replies = db.session.query(ModerationEntry).filter_by(action="reply").all()
    assert replies and {e.notice["status"] for e in replies} <= {"not_sent", "no_address"}
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "exists" in second.output
    assert db.session.query(Response).count() == responses  # not seeded twice
    live = db.session.query(ApiKey).filter(ApiKey.name == "demo", ApiKey.revoked_at.is_(None))
    assert live.count() == 1  # the first run's key was revoked


def _at_once(app, make):
    """A call for Contenders: `make` in an app context of its own; what it returned, or the
    code of the AppError it raised, or the exception a command would have shown as a trace."""

    def call():
        from app.errors import AppError
        from app.extensions import db

        with app.app_context():
            try:
                return make()
            except AppError as error:
                return error.code
            except Exception as error:  # noqa: BLE001 — the unfixed outcome, to assert on
                return error
            finally:
                db.session.remove()

    return call


def _one_made_one_conflict(replies: list) -> None:
    made = [reply for reply in replies if reply != 409]
    assert replies.count(409) == 1 and len(made) == 1 and isinstance(made[0], int), replies


@pytest.mark.postgres
def test_two_brand_creates_of_one_slug_at_once_make_one_and_a_conflict(app, db):
    """Both checked the slug before either inserted: the second INSERT failed the unique key,
    and `flask brand create` showed a traceback instead of "a brand with slug … exists"."""
    from app.services import brands

    make = _at_once(app, lambda: brands.create_brand("Twin", "twin", "nl")[0].id)
    held = (  # another writer's uncommitted brand of this slug: both INSERTs wait on it
        "INSERT INTO brand (name, slug, default_locale, locales, allowed_origins, site_key, "
        "identity_secret, primary_color, contact_policy, review_policy, retention_days, "
        "created_at) VALUES ('x', 'twin', 'nl', '[]', '[]', 'pk_hold', 'id_hold', '#000', "
        "'{}', '{}', 1, now())",
        {},
    )
    with Contenders([make, make], *held) as race:  # it takes the row back: the two race
        race.holding.execute(text("DELETE FROM brand WHERE slug = 'twin'"))
    _one_made_one_conflict(race.replies)
    assert db.session.query(Brand).filter(Brand.slug == "twin").count() == 1


@pytest.mark.postgres
def test_two_user_creates_of_one_email_at_once_make_one_and_a_conflict(app, db, brand):
    from app.services import users

    make = _at_once(
        app, lambda: users.create_user(brand.slug, "a@x.example", "long enough pw", "owner").id
    )
    held = (
        "INSERT INTO user_account (brand_id, email, password_hash, role, created_at) "
        "VALUES (:brand, 'a@x.example', 'x', 'viewer', now())",
        {"brand": brand.id},
    )
    with Contenders([make, make], *held) as race:
        race.holding.execute(text("DELETE FROM user_account WHERE email = 'a@x.example'"))
    _one_made_one_conflict(race.replies)
    assert db.session.query(User).count() == 1


def test_the_demo_delivery_survey_invites_on_reach_without_mailing_its_history(app, db):
    """The seeded history schedules nothing; the delivery survey invites on reach from now."""
    from app.models import Invitation, Survey

    result = app.test_cli_runner().invoke(args=["demo", "--responses", "300"])
    assert result.exit_code == 0, result.output
    inviting = db.session.query(Survey).filter(Survey.invite_after_hours.is_not(None)).all()
    assert [(survey.phase.key, survey.invite_after_hours) for survey in inviting] == [
        ("levering", 48)
    ]
    assert db.session.query(Invitation).filter_by(status="scheduled").count() == 0


def test_the_demo_shows_reminders_sent_and_has_none_to_come(app, db):
    """The delivery survey reminds after three days: its history shows reminders that went
    (some answered after them), and none is left to mail to the demo's made-up addresses."""
    from app.models import Invitation, Survey

    result = app.test_cli_runner().invoke(args=["demo", "--responses", "300"])
    assert result.exit_code == 0, result.output
    [reminding] = db.session.query(Survey).filter(Survey.remind_after_days.is_not(None)).all()
    assert (reminding.phase.key, reminding.remind_after_days) == ("levering", 3)
    reminded = db.session.query(Invitation).filter(Invitation.reminded_at.is_not(None)).all()
    assert reminded and all(i.survey_id == reminding.id for i in reminded)
    assert all(i.reminded_at - i.sent_at == timedelta(days=3) for i in reminded)
    assert any(i.used_at is not None and i.used_at > i.reminded_at for i in reminded)
    assert db.session.query(Invitation).filter(Invitation.remind_at.is_not(None)).count() == 0


def test_the_demo_reviews_are_dated_by_their_answers(app, db):
    """The seeding's pipeline makes every review at once: their pages, feeds and moderation
    log said "today" for 90 days of answers; a reply comes a day after its review."""
    from app.models import Review
    from app.models.base import utcnow

    result = app.test_cli_runner().invoke(args=["demo", "--responses", "300"])
    assert result.exit_code == 0, result.output
    made = db.session.query(Review).order_by(Review.id).all()
    assert made and all(r.created_at == r.answered_at for r in made)
    # made in the order their answers came: the newest-first lists read as dates
    assert [r.created_at for r in made] == sorted(r.created_at for r in made)
    published = [r for r in made if r.published_at is not None]
    assert all(r.published_at == r.answered_at for r in published)
    assert min(r.published_at for r in published) < utcnow() - timedelta(days=30)
    replied = [r for r in made if r.replied_at is not None]
    assert replied and all(r.replied_at > r.answered_at for r in replied)
    assert all(e.created_at >= r.answered_at for r in made for e in r.moderation)


def test_the_demo_seeds_with_no_answers_at_all(app, db):
    """--responses 0 (the option's own lower bound) ended in an IntegrityError: with no
    answers there were no invitations, and an empty insert is one row of defaults."""
    from app.models import Journey

    result = app.test_cli_runner().invoke(args=["demo", "--responses", "0"])
    assert result.exit_code == 0, result.output
    assert "0 responses" in result.output and db.session.query(Journey).count() == 1
    assert db.session.query(Invitation).count() == 0
