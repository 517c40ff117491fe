"""Signed survey and unsubscribe tokens: bound to their ids, tamper-evident, expiring."""

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.services import survey_tokens as tokens

CLAIMS = tokens.InvitationClaims(1, 2, 3, 4, 5)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_invitation_round_trip(ctx):
    assert tokens.read(tokens.invitation_token(CLAIMS)) == CLAIMS


def test_link_round_trip(ctx):
    claims = tokens.LinkClaims(7, 2, 5)
    assert tokens.read(tokens.link_token(claims)) == claims


@pytest.mark.parametrize("mutate", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: t[:10]])
def test_tampered_tokens_are_invalid(ctx, mutate):
    with pytest.raises(tokens.TokenInvalid):
        tokens.read(mutate(tokens.invitation_token(CLAIMS)))


def test_a_token_signed_with_another_key_is_invalid(ctx):
    forged = URLSafeTimedSerializer("not-our-secret", salt=tokens.INVITATION_SALT).dumps(
        [1, 2, 3, 4, 5]
    )
    with pytest.raises(tokens.TokenInvalid):
        tokens.read(forged)


def test_an_unsubscribe_token_is_not_a_survey_token(ctx):
    with pytest.raises(tokens.TokenInvalid):
        tokens.read(tokens.unsubscribe_token(2, 3))
    assert tokens.read_unsubscribe(tokens.unsubscribe_token(2, 3)) == (2, 3, None)  # older mails
    digest = "ab" * 32
    assert tokens.read_unsubscribe(tokens.unsubscribe_token(2, 3, digest)) == (2, 3, digest)
    forged = tokens._plain(tokens.UNSUBSCRIBE_SALT).dumps([2, 3, "not a hash"])
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_unsubscribe(forged)
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_unsubscribe(tokens.link_token(tokens.LinkClaims(1, 2, 3)))


def test_expired_invitation_keeps_its_claims(ctx, monkeypatch):
    token = tokens.invitation_token(CLAIMS)
    # the token's own bound is two days past the link's days (the stored expiry decides)
    monkeypatch.setitem(ctx.config, "INVITATION_TOKEN_DAYS", -3)
    with pytest.raises(tokens.TokenExpired) as expired:
        tokens.read(token)
    assert expired.value.payload == CLAIMS


def test_wrong_payload_shape_is_invalid(ctx):
    signed = URLSafeTimedSerializer(ctx.config["SECRET_KEY"], salt=tokens.INVITATION_SALT).dumps(
        ["1", 2, 3, 4, 5]
    )
    with pytest.raises(tokens.TokenInvalid):
        tokens.read(signed)
