"""A brand's journey: ordered phases (chapters), their touchpoints, and personas."""

from app.extensions import db
from app.models.base import KEYED_ONLY, JsonType, utcnow

MAX_PHASES = 20  # a journey's phases: what a map can show side by side, and a position's bound


class Journey(db.Model):
    __tablename__ = "journey"
    __table_args__ = (
        db.Index(
            "ix_journey_brand_idempotency_key",
            "brand_id",
            "idempotency_key",
            unique=True,
            **KEYED_ONLY,
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name = db.Column(db.String(120), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # the API's Idempotency-Key: a retried create finds this row (services.idempotency)
    idempotency_key = db.Column(db.String(128))
    request_hash = db.Column(db.String(64))
    # Archived: out of the dashboard's choices and asking nobody, its history kept
    # (services.journey_archive). The surveys it switched off, switched on again by a restore.
    archived_at = db.Column(db.DateTime)
    # The database's default only: migration tests insert journeys into schemas before 0038.
    surveys_to_resume = db.Column(JsonType, nullable=False, server_default="[]")

    phases = db.relationship(
        "Phase", back_populates="journey", order_by="Phase.position", cascade="all, delete-orphan"
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def phase(self, key: str) -> "Phase | None":
        return next((phase for phase in self.phases if phase.key == key), None)


class Phase(db.Model):
    __tablename__ = "phase"
    __table_args__ = (
        db.UniqueConstraint("journey_id", "key"),
        {"sqlite_autoincrement": True},  # ids are rollup keys: never handed out twice
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    key = db.Column(db.String(48), nullable=False)
    name = db.Column(JsonType, nullable=False)  # {"nl": "Levering & montage", "en": "Delivery …"}
    position = db.Column(db.Integer, nullable=False)
    expected_days = db.Column(db.Integer)
    hypothesis = db.Column(
        JsonType, nullable=False, default=dict
    )  # journey 1.0: nps/csat/conversion
    # False: outside the funnel (a service or returns phase only some customers reach): its
    # answers and reach are its own, but conversion neither goes on from it nor drops off
    # before it (conversion.Order). The database's default only: migration tests insert
    # phases into schemas before 0044 (the services always give it).
    in_funnel = db.Column(db.Boolean, nullable=False, server_default=db.true())

    journey = db.relationship("Journey", back_populates="phases")
    touchpoints = db.relationship(
        "Touchpoint", back_populates="phase", order_by="Touchpoint.id", cascade="all, delete-orphan"
    )

    def display_name(self, locale: str | None = None) -> str:
        names = self.name or {}
        return names.get(locale or "", "") or next(iter(names.values()), self.key)


class Touchpoint(db.Model):
    __tablename__ = "touchpoint"
    __table_args__ = (
        db.UniqueConstraint("phase_id", "name"),
        {"sqlite_autoincrement": True},  # ids are rollup keys: never handed out twice
    )

    CHANNELS = ("web", "email", "store", "phone", "showroom", "onsite", "app", "print", "other")

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    channel = db.Column(db.String(24), nullable=False)
    # Names it had before a rename, newest first: snippets and API calls that still send one
    # keep reaching it (journeys.find_touchpoint), instead of losing the whole answer to a 422.
    former_names = db.Column(JsonType, nullable=False, default=list, server_default="[]")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    phase = db.relationship("Phase", back_populates="touchpoints")


class Persona(db.Model):
    __tablename__ = "persona"
    __table_args__ = (
        db.UniqueConstraint("brand_id", "key"),
        {"sqlite_autoincrement": True},  # ids are rollup keys: never handed out twice
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(48), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    description = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
