"""Signed tokens in survey and unsubscribe links (itsdangerous, keyed by SECRET_KEY).

An invitation token carries [invitation, brand, customer, survey, phase] and a timestamp, so it
expires; the row it names must agree on every id. A link token carries [link, brand, phase]
and never expires (it is printed on counters); a link is switched off with its `active` flag.
"""

import re
from datetime import UTC, datetime
from typing import NamedTuple

from flask import current_app
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)

from app.security import signing_keys

INVITATION_SALT = "phasewise.invitation.v1"
LINK_SALT = "phasewise.link.v1"
UNSUBSCRIBE_SALT = "phasewise.unsubscribe.v1"
HASH = re.compile(r"[0-9a-f]{64}")
DEFAULT_INVITATION_DAYS = 30


class TokenInvalid(Exception):
    """Tampered, truncated or of another kind."""


class TokenExpired(Exception):
    def __init__(self, payload):
        super().__init__("token expired")
        self.payload = payload


class InvitationClaims(NamedTuple):
    invitation_id: int
    brand_id: int
    customer_id: int
    survey_id: int
    phase_id: int


class LinkClaims(NamedTuple):
    link_id: int
    brand_id: int
    phase_id: int


def invitation_days() -> int:
    return int(current_app.config.get("INVITATION_TOKEN_DAYS", DEFAULT_INVITATION_DAYS))


class _SignedAt(TimestampSigner):
    """A timestamp signer that signs with a given moment instead of the clock."""

    def __init__(self, *args, at: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return self.at


def _timed(salt: str, signed_at: datetime | None = None) -> URLSafeTimedSerializer:
    if signed_at is None:
        return URLSafeTimedSerializer(signing_keys(), salt=salt)
    moment = int(signed_at.replace(tzinfo=UTC).timestamp())  # stored times are naive UTC
    return URLSafeTimedSerializer(
        signing_keys(), salt=salt, signer=_SignedAt, signer_kwargs={"at": moment}
    )


def _plain(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(signing_keys(), salt=salt)


def _ints(payload, size: int) -> list[int]:
    if (
        not isinstance(payload, list)
        or len(payload) != size
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in payload)
    ):
        raise TokenInvalid("unexpected payload")
    return payload


def invitation_token(claims: InvitationClaims, signed_at: datetime | None = None) -> str:
    """Signed now, or at `signed_at`: a personal link handed to the brand is signed at the
    moment it was made, so asking for it again gives the same URL, not a new one each time."""
    return _timed(INVITATION_SALT, signed_at).dumps(
        [
            claims.invitation_id,
            claims.brand_id,
            claims.customer_id,
            claims.survey_id,
            claims.phase_id,
        ]
    )


def link_token(claims: LinkClaims) -> str:
    return _plain(LINK_SALT).dumps([claims.link_id, claims.brand_id, claims.phase_id])


def unsubscribe_token(brand_id: int, customer_id: int, address_hash: str | None = None) -> str:
    """With the keyed hash of the address the mail went to: the customer's address may have
    changed by the time the link is used, and it is that address which asked to be left alone."""
    payload = [brand_id, customer_id] + ([address_hash] if address_hash else [])
    return _plain(UNSUBSCRIBE_SALT).dumps(payload)


def read(token: str) -> InvitationClaims | LinkClaims:
    """The claims of an invitation or link token; TokenExpired / TokenInvalid otherwise."""
    if not token or len(token) > 400:
        raise TokenInvalid("no token")
    timed = _timed(INVITATION_SALT)
    try:
        # Two days beyond the link's days: the stored expiry (the end of the last day where the
        # brand is, up to a day and a zone's offset later) decides; this only bounds it.
        max_age = (invitation_days() + 2) * 86400
        return InvitationClaims(*_ints(timed.loads(token, max_age=max_age), 5))
    except SignatureExpired as expired:
        try:
            payload = timed.load_payload(expired.payload)
            return_claims = InvitationClaims(*_ints(payload, 5))
        except Exception as error:  # a signed but unreadable payload: treat as tampered
            raise TokenInvalid("unreadable") from error
        raise TokenExpired(return_claims) from expired
    except BadSignature:
        pass
    try:
        return LinkClaims(*_ints(_plain(LINK_SALT).loads(token), 3))
    except BadSignature as error:
        raise TokenInvalid("bad signature") from error


def read_unsubscribe(token: str) -> tuple[int, int, str | None]:
    """(brand id, customer id, the keyed hash of the address mailed, or None in links mailed
    before it was carried)."""
    if not token or len(token) > 200:
        raise TokenInvalid("no token")
    try:
        payload = _plain(UNSUBSCRIBE_SALT).loads(token)
    except BadSignature as error:
        raise TokenInvalid("bad signature") from error
    address_hash = None
    if isinstance(payload, list) and len(payload) == 3:
        *payload, address_hash = payload
        if not (isinstance(address_hash, str) and HASH.fullmatch(address_hash)):
            raise TokenInvalid("unexpected payload")
    brand_id, customer_id = _ints(payload, 2)
    return brand_id, customer_id, address_hash
