"""The tenant (Brand), its secret API keys and its marketer logins."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import JsonType, utcnow
from app.security import keyed_hash

DEFAULT_CONTACT_POLICY = {"min_days_between": 14, "max_per_journey": 4, "same_phase_days": 60}
DEFAULT_REVIEW_POLICY = {"publish": "moderate", "phases": {}}


class Brand(db.Model):
    __tablename__ = "brand"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are rollup keys: never handed out twice

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    slug = db.Column(db.String(64), nullable=False, unique=True)
    default_locale = db.Column(db.String(8), nullable=False, default="nl")
    locales = db.Column(JsonType, nullable=False, default=lambda: ["nl", "en"])
    allowed_origins = db.Column(JsonType, nullable=False, default=list)
    site_key = db.Column(db.String(64), nullable=False, unique=True)
    # Brands sign customer ids with this (HMAC-SHA256) so the widget can trust an identity;
    # API keys are only stored hashed, so they cannot serve as that key.
    identity_secret = db.Column(db.String(128), nullable=False)
    # After a rotation the previous secret still verifies for IDENTITY_GRACE, while the
    # brand's servers move to the new one (services.brands.rotate_identity_secret).
    previous_identity_secret = db.Column(db.String(128))
    identity_secret_rotated_at = db.Column(db.DateTime)
    primary_color = db.Column(db.String(16), nullable=False, default="#0b6e4f")
    contact_policy = db.Column(
        JsonType, nullable=False, default=lambda: dict(DEFAULT_CONTACT_POLICY)
    )
    review_policy = db.Column(JsonType, nullable=False, default=lambda: dict(DEFAULT_REVIEW_POLICY))
    retention_days = db.Column(db.Integer, nullable=False, default=730)
    # Dutch texts say "u" to customers instead of "je" (app.form_of_address).
    formal_address = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # The IANA zone of the brand's days (app.timestamps): a review's date, the last day an
    # invitation's link works, the loyalty page's lines and daily cap, the dashboard's days.
    time_zone = db.Column(
        db.String(64), nullable=False, default="Europe/Amsterdam", server_default="Europe/Amsterdam"
    )
    # Where a customer's reply to an invitation or a review notice goes (Reply-To): the brand,
    # who holds their data, not the operator's MAIL_FROM mailbox. None: REVIEWS_REPLY_TO for
    # notices, nothing for invitations.
    reply_to = db.Column(db.String(254))
    # The hours of the brand's day in which emails it did not send by hand go out (invitations
    # on reach, reminders): from send_from_hour to send_until_hour o'clock, in time_zone. Both
    # None: any hour (app.services.send_hours).
    send_from_hour = db.Column(db.Integer)
    send_until_hour = db.Column(db.Integer)
    # The brand's privacy statement (http or https): linked wherever customers give their
    # answers, names and addresses (widget, hosted pages, invitations, review pages). None: no link.
    privacy_url = db.Column(db.String(500))
    # The brand's logo (https only), atop its invitations and reminders. A remote image: the
    # mail client fetches it from the brand's host when the email is opened. None: its name.
    logo_url = db.Column(db.String(500))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Any change to the row: the public review pages' Last-Modified must move with the name.
    updated_at = db.Column(db.DateTime, onupdate=utcnow)

    @staticmethod
    def new_site_key() -> str:
        return "pk_" + secrets.token_urlsafe(18)

    @staticmethod
    def new_identity_secret() -> str:
        return "id_" + secrets.token_urlsafe(32)

    IDENTITY_GRACE = timedelta(days=7)

    def sign_customer(self, customer_id: str, secret: str | None = None) -> str:
        key = secret or self.identity_secret
        return hmac.new(key.encode(), customer_id.encode(), hashlib.sha256).hexdigest()

    def previous_secret_until(self) -> datetime | None:
        """Until when the secret before the last rotation still verifies (None: it does not)."""
        if not self.previous_identity_secret or self.identity_secret_rotated_at is None:
            return None
        until = self.identity_secret_rotated_at + self.IDENTITY_GRACE
        return until if utcnow() < until else None

    def verify_customer(self, customer_id: str | None, signature: str | None) -> bool:
        if not customer_id or not signature:
            return False
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
        given = signature.lower().encode("utf-8", "replace")
        secrets_now = [self.identity_secret]
        if self.previous_secret_until() is not None:
            secrets_now.append(self.previous_identity_secret)
        # Every secret is checked, so the time does not tell which one matched.
        matches = [
            hmac.compare_digest(self.sign_customer(customer_id, secret).encode(), given)
            for secret in secrets_now
        ]
        return any(matches)


class ApiKey(db.Model):
    __tablename__ = "api_key"

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(80), nullable=False, default="default")
    prefix = db.Column(db.String(16), nullable=False)  # shown in the dashboard to tell keys apart
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime)
    last_used_at = db.Column(db.DateTime)

    brand = db.relationship("Brand")

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls, brand: Brand, name: str = "default") -> tuple["ApiKey", str]:
        secret = "sk_" + secrets.token_urlsafe(32)
        return cls(brand=brand, name=name, prefix=secret[:10], key_hash=cls.hash(secret)), secret


class User(UserMixin, db.Model):
    """A login to one brand's dashboard. An email has one per brand whose team it is on (an
    agency's marketer works for several brands), each with its own role and password; logging
    in with one password opens each of them it is the password of (dashboard/access.py)."""

    __tablename__ = "user_account"
    __table_args__ = (db.UniqueConstraint("brand_id", "email"),)

    ROLES = ("owner", "editor", "viewer")

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    email = db.Column(db.String(254), nullable=False, index=True)  # login looks it up
    password_hash = db.Column(db.String(256), nullable=False)
    role = db.Column(db.String(16), nullable=False, default="viewer")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Follow-up alerts (services.follow_up): an email when an answer needs a follow-up, for
    # the brand's phase keys in alert_phases, or for every phase when it is empty.
    alerts_on = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    alert_phases = db.Column(JsonType, nullable=False, default=list, server_default="[]")
    # The weekly report (services.weekly_report): Monday's email about the week that ended.
    weekly_report_on = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )
    # Moved on by logging out: part of session_check, so every session of this login ends.
    session_epoch = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    brand = db.relationship("Brand")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def session_check(self) -> str:
        """Bound to this user's email, password hash and session epoch: a session made for
        this user is refused once the password changes, once they log out (anywhere), or once
        the row is gone and SQLite gives its id to a new user."""
        return keyed_hash(f"{self.email}\n{self.password_hash}\n{self.session_epoch or 0}")[:32]

    def get_id(self) -> str:
        """What Flask-Login keeps in the session (services' session loader reads it back)."""
        return f"{self.id}.{self.session_check()}"

    def can(self, action: str) -> bool:
        """viewer reads; editor also edits; owner also manages keys, users and webhooks."""
        needed = {"read": 0, "edit": 1, "manage": 2}[action]
        return self.ROLES[::-1].index(self.role) >= needed
