"""Form keys for pages a signed link opens (the hosted survey, the loyalty page): a hidden
field holding the page's token signed with a time, so only a POST made from a page that was
opened is taken, not one a scanner or another site makes up.

They need no cookie, unlike Flask-WTF's session-bound CSRF token, which a browser that blocks
cookies never sends back: the token in the URL is what authorises the page and its POST.
"""

import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.security import signing_keys


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=salt)


def _page_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def make(token: str, salt: str) -> str:
    return _serializer(salt).dumps(_page_digest(token))


def valid(token: str, key: str | None, salt: str, max_age: int) -> bool:
    try:
        signed = _serializer(salt).loads(key or "", max_age=max_age)
    except BadSignature:  # SignatureExpired is one: a page open longer than max_age
        return False
    return secrets.compare_digest(str(signed), _page_digest(token))
