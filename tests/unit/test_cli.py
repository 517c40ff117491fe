"""The flask commands of CONTRACT.md."""

import json

from app.models import ApiKey, Brand, Response, User


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
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "exists" in second.output
    assert db.session.query(Response).count() == responses  # not seeded twice
    live = db.session.query(ApiKey).filter(ApiKey.name == "demo", ApiKey.revoked_at.is_(None))
    assert live.count() == 1  # the first run's key was revoked
