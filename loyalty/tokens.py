"""The signed link to a customer's loyalty page: /loyalty/<token>.

The token names the brand and the customer and is signed with the app's SECRET_KEY; it expires
after MAX_AGE so a forwarded old email does not show a ledger forever.
"""

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.security import signing_keys
from loyalty.errors import BadToken, ExpiredToken

SALT = "phasewise.loyalty-page"
MAX_AGE = 180 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=SALT)


def customer_token(brand_id: int, customer_id: int) -> str:
    return _serializer().dumps([int(brand_id), int(customer_id)])


def read_token(token: str, max_age: int | None = None) -> tuple[int, int]:
    """(brand_id, customer_id); BadToken for a forged or garbled token, ExpiredToken when old."""
    if not token or len(token) > 300:
        raise BadToken("this loyalty link is not valid")
    try:
        value = _serializer().loads(token, max_age=MAX_AGE if max_age is None else max_age)
    except SignatureExpired as error:
        raise ExpiredToken("this loyalty link has expired") from error
    except BadSignature as error:
        raise BadToken("this loyalty link is not valid") from error
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    ):
        raise BadToken("this loyalty link is not valid")
    return value[0], value[1]
