"""Surveys: one to three tiny questions asked in one phase, versioned once answered."""

from app.extensions import db
from app.models.base import KEYED_ONLY, JsonType, utcnow
from app.pipeline.nps import SCALES  # noqa: F401 (the answer scales, known by this name)

QUESTION_TYPES = ("nps", "csat", "ces", "emotion", "choice", "text")
EMOTIONS = ("delighted", "satisfied", "neutral", "disappointed", "frustrated")
TEXT_MAX_LENGTH = 2000


class Survey(db.Model):
    __tablename__ = "survey"
    __table_args__ = (
        db.Index("ix_survey_phase_active", "phase_id", "active"),
        db.Index(
            "ix_survey_brand_idempotency_key",
            "brand_id",
            "idempotency_key",
            unique=True,
            **KEYED_ONLY,
        ),
        {"sqlite_autoincrement": True},  # ids are rollup keys: never handed out twice
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(120))
    default_locale = db.Column(db.String(8), nullable=False, default="nl")
    locales = db.Column(JsonType, nullable=False, default=list)
    # All versions of one survey share a family id (the id of version 1).
    family_id = db.Column(db.Integer, index=True)
    version = db.Column(db.Integer, nullable=False, default=1)
    # Bumped by every edit of the questions in place (before the first answer): intake's INSERT
    # checks it, so no answer is stored against questions other than those it was checked by.
    revision = db.Column(db.Integer, nullable=False, default=1, server_default="1")
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Email this survey to a customer this many hours after a journey event first brings them
    # to its phase (invitations.schedule_on_reach); None: only when invited otherwise.
    invite_after_hours = db.Column(db.Integer)
    # Remind a customer who has not answered its emailed invitation this many days after it
    # was sent, once (app.services.reminders); None: no reminder.
    remind_after_days = db.Column(db.Integer)
    # Its emails' own words, plain text, per language: {"nl": {"subject", "intro",
    # "reminder_subject", "reminder_intro"}} (services.email_texts); None or a text left out:
    # Phasewise's own.
    email_texts = db.Column(JsonType)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # the API's Idempotency-Key: a retried create finds this row (services.idempotency)
    idempotency_key = db.Column(db.String(128))
    request_hash = db.Column(db.String(64))

    phase = db.relationship("Phase")
    questions = db.relationship(
        "Question",
        back_populates="survey",
        order_by="Question.position",
        cascade="all, delete-orphan",
    )

    def question(self, key: str) -> "Question | None":
        return next((q for q in self.questions if q.key == key), None)

    def first_of_type(self, kind: str) -> "Question | None":
        return next((q for q in self.questions if q.type == kind), None)

    @property
    def makes_reviews(self) -> bool:
        """A review needs stars, from an NPS or CSAT answer, and a written answer
        (services.reviews.candidate): a survey without both never asks for consent, which a
        customer gave for a review that could never come."""
        kinds = {question.type for question in self.questions}
        return "text" in kinds and bool(kinds & {"nps", "csat"})


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (db.UniqueConstraint("survey_id", "key"),)

    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(
        db.Integer, db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False
    )
    key = db.Column(db.String(48), nullable=False)
    type = db.Column(db.String(16), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    text = db.Column(JsonType, nullable=False)  # {"nl": "…", "en": "…"}
    required = db.Column(db.Boolean, nullable=False, default=False)
    options = db.Column(JsonType)  # choice: [{"key": "price", "label": {"nl": "…", "en": "…"}}]
    max_length = db.Column(db.Integer)

    survey = db.relationship("Survey", back_populates="questions")

    def text_for(self, locale: str | None) -> str:
        texts = self.text or {}
        return texts.get(locale or "", "") or next(iter(texts.values()), "")

    def option_keys(self) -> list[str]:
        return [option["key"] for option in self.options or []]
