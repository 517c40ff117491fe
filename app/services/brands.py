"""Brands, their API keys and users."""

import hmac
import re
import unicodedata
from datetime import timedelta

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import ApiKey, Brand
from app.models.base import utcnow
from app.schemas.common import NAME, SUPPORTED_LOCALES


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64] or "brand"


def normalise_origin(origin: str) -> str:
    # Lower case first: schemes and hosts are case-insensitive (HTTP://Shop.NL is an origin).
    origin = origin.strip().rstrip("/").lower()
    match = re.fullmatch(r"https?://[a-z0-9.-]+(?::(\d{1,5}))?", origin)
    if not match or (match[1] and not 0 < int(match[1]) < 65536):
        raise AppError(
            422,
            f"{origin!r} is not an origin like https://shop.example",
            fields={"origin": ["not an origin"]},
        )
    # A browser's Origin never names its scheme's own port: "https://shop.nl:443" would
    # match no request at all.
    for scheme, port in (("http://", ":80"), ("https://", ":443")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin.removesuffix(port)
    return origin


def locales_first(locale: str) -> list[str]:
    """The brand's languages, its own first (the order the API shows)."""
    return [locale] + [other for other in SUPPORTED_LOCALES if other != locale]


def create_brand(
    name: str, slug: str | None = None, locale: str = "nl", origins: list[str] | None = None
) -> tuple[Brand, str]:
    """Create a brand with one secret API key; the key is returned once and stored hashed."""
    if not name or not name.strip():
        raise AppError(422, "a brand needs a name", fields={"name": ["required"]})
    try:  # one line: it goes into email headers (From, Subject), pages and feeds
        NAME(name.strip())
    except ValidationError as error:
        message = f"brand name: {error.messages[0]}"
        raise AppError(422, message, fields={"name": error.messages}) from None
    if locale not in SUPPORTED_LOCALES:
        raise AppError(
            422, f"locale must be one of {SUPPORTED_LOCALES}", fields={"locale": ["nl or en"]}
        )
    slug = slugify(slug or name)
    taken = select(Brand.id).where(Brand.slug == slug)
    conflict = AppError(409, f"a brand with slug {slug!r} exists", fields={"slug": ["taken"]})
    if db.session.scalar(taken):
        raise conflict
    brand = Brand(
        name=name.strip(),
        slug=slug,
        default_locale=locale,
        locales=locales_first(locale),
        allowed_origins=[normalise_origin(origin) for origin in origins or []],
        site_key=Brand.new_site_key(),
        identity_secret=Brand.new_identity_secret(),
    )
    key, secret = ApiKey.generate(brand)
    db.session.add_all([brand, key])
    commit_unless_taken(taken, conflict)
    return brand, secret


def commit_unless_taken(taken, conflict: AppError) -> None:
    """Commit, or raise `conflict` when `taken` finds the row a unique key refused ours for.

    The check before the INSERT decides one request at a time; one made at the same moment
    passes it too, and its INSERT then fails the unique key: the same conflict, told alike."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if db.session.scalar(taken):
            raise conflict from None
        raise


def create_api_key(brand: Brand, name: str = "default") -> tuple[ApiKey, str]:
    key, secret = ApiKey.generate(brand, name)
    db.session.add(key)
    db.session.commit()
    return key, secret


ROTATION_REPEAT = timedelta(minutes=1)


def rotate_identity_secret(brand: Brand) -> Brand:
    """A new identity secret; the one it replaces still verifies for Brand.IDENTITY_GRACE, so
    the brand's servers can move to the new one without refusing a customer meanwhile. A
    second rotation in that time drops the oldest (a leak is why one rotates twice), but not
    one within ROTATION_REPEAT of the last: that is a double click or a retried request, and
    would drop the secret the brand's servers still sign with for one nobody has seen."""
    locked = db.session.scalar(locks.locked(select(Brand).where(Brand.id == brand.id)))
    last = locked.identity_secret_rotated_at
    if last is not None and utcnow() - last < ROTATION_REPEAT:
        db.session.commit()
        return locked
    locked.previous_identity_secret = locked.identity_secret
    locked.identity_secret = Brand.new_identity_secret()
    locked.identity_secret_rotated_at = utcnow()
    db.session.commit()
    return locked


def revoke_api_key(brand: Brand, key_id: int) -> None:
    key = db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.brand_id == brand.id))
    if key is None:
        raise AppError(404, "API key not found")
    key.revoked_at = key.revoked_at or utcnow()
    db.session.commit()


def authenticate(secret: str | None) -> int | None:
    """The id of the brand whose live key this is, or None; one query on every API request.

    Lookup by hash, then a constant-time check. Only the id: most requests (answers above
    all) need no more of the brand, and the API loads the rest when asked (current_brand).
    """
    if not secret or not secret.startswith("sk_") or len(secret) > 128:
        return None
    digest = ApiKey.hash(secret)
    key = db.session.execute(
        select(ApiKey.key_hash, ApiKey.brand_id).where(
            ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None)
        )
    ).first()
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return key.brand_id


def key_owner(secret: str | None) -> tuple[str, int] | None:
    """(hash, brand id) of a key this process has seen live, without asking the database.

    Only for a caller that proves the key is still live in its own statement (intake's
    INSERT … WHERE the key is not revoked): a key never changes brand, so the pair can be held
    for the life of the process, and a revocation still counts at once. Unknown keys are
    looked up (and must be live then).
    """
    if not secret or not secret.startswith("sk_") or len(secret) > 128:
        return None
    digest = ApiKey.hash(secret)
    owners = current_app.extensions.setdefault("api_key_owners", {})
    brand_id = owners.get(digest)
    if brand_id is None:
        brand_id = authenticate(secret)
        if brand_id is None:
            return None
        if len(owners) > 10_000:
            owners.clear()  # keys are few; this only bounds a flood of made-up but live ones
        owners[digest] = brand_id
    return digest, brand_id


def key_is_live(digest: str) -> bool:
    """Whether the key with this hash exists unrevoked (intake's rare path: its INSERT stored
    nothing, and a revoked key must be told from a used Idempotency-Key)."""
    live = exists().where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    return bool(db.session.scalar(select(live)))


def forget_key(digest: str) -> None:
    current_app.extensions.get("api_key_owners", {}).pop(digest, None)


def by_slug(slug: str) -> Brand:
    brand = db.session.scalar(select(Brand).where(Brand.slug == slug))
    if brand is None:
        raise AppError(404, "brand not found")
    return brand


def by_site_key(site_key: str | None) -> Brand | None:
    if not site_key or len(site_key) > 64:
        return None
    return db.session.scalar(select(Brand).where(Brand.site_key == site_key))
