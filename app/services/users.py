"""A brand's dashboard logins: the team its owners manage, welcome links, and passwords.

A login made on the Team page has no password: its owner chooses one through a welcome link
(itsdangerous, keyed by SECRET_KEY) that names the user and a digest of their password hash.
Choosing the password changes the hash, and so does a newer link: either ends the link.
"""

import hmac
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import Brand, User
from app.schemas.team import PASSWORD
from app.security import keyed_hash
from app.services import brands
from app.services.brands import commit_unless_taken

# Checked when no login has the email, so a wrong email costs what a wrong password costs.
_DUMMY_HASH = generate_password_hash("phasewise-not-a-password")

WELCOME_SALT = "phasewise.welcome.v1"
DEFAULT_WELCOME_DAYS = 7
# The hash of a login whose password is not chosen yet. Werkzeug refuses a hash that is not
# "method$salt$hash", so no password matches it; the random part is new with every link.
# RESET marks a login that had a password: its link's page says "choose a new password", not
# "welcome", which to someone who only forgot theirs would read as a stranger's doing.
PENDING = "!pending:"
RESET = PENDING + "reset:"


def team(brand: Brand) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.brand_id == brand.id).order_by(User.created_at, User.id)
        )
    )


def has_password(user: User) -> bool:
    return not user.password_hash.startswith(PENDING)


def resetting(user: User) -> bool:
    """Whether the login's link is one to choose a new password (it had one), not a first."""
    return user.password_hash.startswith(RESET)


def welcome_days() -> int:
    return int(current_app.config.get("WELCOME_LINK_DAYS", DEFAULT_WELCOME_DAYS))


def member(brand: Brand, user_id: int, lock: bool = False) -> User:
    """One of the brand's logins; another brand's is a 404, as if it did not exist."""
    query = select(User).where(User.id == user_id, User.brand_id == brand.id)
    query = locks.locked(query) if lock else query.execution_options(populate_existing=True)
    user = db.session.scalar(query)
    if user is None:
        raise AppError(404, "user not found")
    return user


def on_team(brand: Brand, email: str) -> tuple[str, object, AppError]:
    """The address as stored, the query that finds it on this brand's team, and the 409 for
    a second login there. A login at another brand is no conflict, and nothing here tells
    this brand that one exists."""
    email = email.strip().lower()
    taken = select(User.id).where(User.brand_id == brand.id, User.email == email)
    conflict = AppError(
        409, f"{email} is on this brand's team already", fields={"email": ["on the team already"]}
    )
    if db.session.scalar(taken):
        raise conflict
    return email, taken, conflict


def authenticate(email: str, password: str) -> list[User]:
    """The logins this email and password open: one per brand whose team has the email and
    whose password it is (each login has its own)."""
    logins = db.session.scalars(
        select(User).where(User.email == email.strip().lower()).order_by(User.id)
    ).all()
    chosen = [user for user in logins if has_password(user)]
    if not chosen:
        # As long as a real check: the time taken must not tell which emails have a login,
        # or which of them wait for their welcome link.
        check_password_hash(_DUMMY_HASH, password)
        return []
    return [user for user in chosen if user.check_password(password)]


def create_user(brand_slug: str, email: str, password: str, role: str) -> User:
    """`flask user create`: a login with its password, for a brand's first owner."""
    brand = brands.by_slug(brand_slug)
    if role not in User.ROLES:
        raise AppError(422, f"role must be one of {User.ROLES}", fields={"role": ["invalid"]})
    try:  # the dashboard's welcome and account pages take the same rule
        PASSWORD(password)
    except ValidationError as error:
        message = f"password: {error.messages[0]}"
        raise AppError(422, message, fields={"password": error.messages}) from None
    email, taken, conflict = on_team(brand, email)
    user = User(brand=brand, email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    commit_unless_taken(taken, conflict)
    return user


def invite(brand: Brand, email: str, role: str) -> tuple[User, str]:
    """A new login without a password, and the welcome link's token (shown once)."""
    email, taken, conflict = on_team(brand, email)
    user = User(brand=brand, email=email, role=role, password_hash=_pending_hash())
    db.session.add(user)
    commit_unless_taken(taken, conflict)
    return user, _welcome_token(user)


def new_welcome_link(brand: Brand, user_id: int, actor_id: int) -> tuple[User, str]:
    """A fresh link with which the login chooses a (new) password; the previous link stops
    working. For a login that has a password this resets it, for a colleague who forgot
    theirs: the password stops working at once, and with it the sessions it opened."""
    if user_id == actor_id:
        raise AppError(409, "change your own password on Your account, with the current one")
    locks.lock_brand(brand.id)  # as a role change: the last owner who can log in stays
    user = member(brand, user_id, lock=True)
    if has_password(user):
        _keep_an_owner(brand, user, "have their password reset")
    user.password_hash = _pending_hash(reset=has_password(user) or resetting(user))
    db.session.commit()
    return user, _welcome_token(user)


def reset_link(email: str, brand_slug: str | None = None) -> tuple[User, str]:
    """For the server's operator (`flask user reset`): the welcome link of any login, by email
    (and brand, when the email has logins at several), its password reset as the Team page
    resets one. The way back in for a brand's last owner who forgot their password, whom no
    colleague can reset."""
    query = select(User).join(Brand).where(User.email == email.strip().lower())
    if brand_slug is not None:
        query = query.where(Brand.slug == brand_slug)
    found = db.session.scalars(query.order_by(Brand.slug)).all()
    if not found:
        at = f" at brand {brand_slug!r}" if brand_slug is not None else ""
        raise AppError(404, f"no login with the email {email.strip()!r}{at}")
    if len(found) > 1:
        slugs = ", ".join(user.brand.slug for user in found)
        raise AppError(
            409,
            f"{email.strip()} has a login at each of these brands: {slugs}; name one with --brand",
            fields={"brand": ["required"]},
        )
    [user] = found
    user.password_hash = _pending_hash(reset=has_password(user) or resetting(user))
    db.session.commit()
    return user, _welcome_token(user)


def change_role(brand: Brand, user_id: int, role: str) -> User:
    locks.lock_brand(brand.id)  # two owners demoting each other at once: one of them stays
    user = member(brand, user_id)
    if user.role == "owner" and role != "owner":
        _keep_an_owner(brand, user, "stop being an owner")
    user.role = role
    db.session.commit()
    return user


def remove(brand: Brand, user_id: int) -> str:
    """Delete the login (its sessions end with it); the email it had, for the message."""
    locks.lock_brand(brand.id)
    user = member(brand, user_id)
    if user.role == "owner":
        _keep_an_owner(brand, user, "be removed")
    email = user.email
    db.session.delete(user)
    db.session.commit()
    return email


def _keep_an_owner(brand: Brand, leaving: User, change: str) -> None:
    """409 unless another owner who can log in stays: only owners manage the team. One who
    has not chosen a password does not count: were their link to expire, nobody could make
    them a new one."""
    if not has_password(leaving):
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.brand_id == brand.id,
            User.role == "owner",
            User.id != leaving.id,
            User.password_hash.not_like(PENDING + "%"),
        )
    )
    if not others:
        raise AppError(
            409,
            f"{leaving.email} cannot {change}: they are the last owner of {brand.name} who can "
            "log in. Make another login an owner first (one who has chosen a password).",
        )


def welcome_user(token: str, lock: bool = False) -> User:
    """The login a welcome link is for, while the link works: 404 for a link that is not
    one of ours (or whose login is gone), 410 for one expired, used or replaced."""
    invalid = AppError(
        404,
        "This link is not valid. Check that it was copied whole, "
        "or ask an owner of your brand for a new one.",
    )
    if not token or len(token) > 400:
        raise invalid
    try:
        payload = _serializer().loads(token, max_age=welcome_days() * 86400)
    except SignatureExpired:
        raise AppError(
            410,
            f"This link has expired (links work for {welcome_days()} days). "
            "Ask an owner of your brand for a new one.",
        ) from None
    except BadSignature:
        raise invalid from None
    if not _claims(payload):
        raise invalid
    user_id, brand_id, who, marker = payload
    query = select(User).where(User.id == user_id, User.brand_id == brand_id)
    query = locks.locked(query) if lock else query.execution_options(populate_existing=True)
    user = db.session.scalar(query)
    # Another login at that id (SQLite hands a removed login's id out again) is not this one.
    if user is None or not hmac.compare_digest(who.encode(), _who(user).encode()):
        raise invalid
    if not hmac.compare_digest(marker.encode(), _marker(user).encode()):
        if has_password(user):
            raise AppError(
                410,
                "This link has been used: log in with your email and the password you chose.",
            )
        raise AppError(410, "This link was replaced by a newer one: use the latest link.")
    return user


def accept_welcome(token: str, password: str) -> User:
    """Set the first password; the link is used up by it (the hash it names changes)."""
    user = welcome_user(token, lock=True)  # a second submission waits, then finds it used
    user.set_password(password)
    db.session.commit()
    return user


def end_sessions(user_id: int) -> None:
    """Logging out: the next epoch ends every session of this login (User.session_check), a
    copied cookie as well; a signed-cookie session cannot be ended one at a time."""
    db.session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1)
    )
    db.session.commit()


def change_password(user_id: int, current: str, new: str) -> User:
    """The new hash ends the user's other sessions (User.session_check names the hash)."""
    user = db.session.scalar(locks.locked(select(User).where(User.id == user_id)))
    if user is None:
        raise AppError(404, "user not found")
    if not user.check_password(current):
        raise AppError(
            422,
            "That is not your current password.",
            fields={"current_password": ["is not your current password"]},
        )
    user.set_password(new)
    db.session.commit()
    return user


def _pending_hash(reset: bool = False) -> str:
    return (RESET if reset else PENDING) + secrets.token_urlsafe(24)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=WELCOME_SALT)


def _marker(user: User) -> str:
    # A digest, not the hash: a token's payload is signed, not secret.
    return keyed_hash(f"welcome\n{user.id}\n{user.email}\n{user.password_hash}")[:32]


def _who(user: User) -> str:
    """Which login, whatever its password: the id with the email it was made for."""
    return keyed_hash(f"login\n{user.id}\n{user.email}")[:16]


def _welcome_token(user: User) -> str:
    return _serializer().dumps([user.id, user.brand_id, _who(user), _marker(user)])


def _claims(payload) -> bool:
    return (
        isinstance(payload, list)
        and len(payload) == 4
        and all(isinstance(item, int) and not isinstance(item, bool) for item in payload[:2])
        and all(isinstance(item, str) for item in payload[2:])
    )
