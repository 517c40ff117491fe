"""Pre-aggregated counts that dashboards and stats read instead of raw responses."""

from app.extensions import db
from app.models.survey import EMOTIONS

ANSWER_KEY = ("brand_id", "phase_id", "day", "channel", "persona_id", "touchpoint_id", "locale")
CONVERSION_KEY = ("brand_id", "phase_id", "day", "persona_id")


# Sums a mean and its interval need; the dashboard's trends read only these.
SCORE_COUNTERS = (
    "responses",
    "promoters",
    "passives",
    "detractors",
    "csat_sum",
    "csat_sq",
    "csat_n",
    "ces_sum",
    "ces_sq",
    "ces_n",
    "sentiment_sum",
    "sentiment_sq",
    "sentiment_n",
)


class AnswerCounters:
    """The counters one processed answer adds, shared by every answer rollup table."""

    responses = db.Column(db.Integer, nullable=False, default=0)
    promoters = db.Column(db.Integer, nullable=False, default=0)
    passives = db.Column(db.Integer, nullable=False, default=0)
    detractors = db.Column(db.Integer, nullable=False, default=0)
    csat_sum = db.Column(db.Float, nullable=False, default=0)
    csat_sq = db.Column(db.Float, nullable=False, default=0)
    csat_n = db.Column(db.Integer, nullable=False, default=0)
    ces_sum = db.Column(db.Float, nullable=False, default=0)
    ces_sq = db.Column(db.Float, nullable=False, default=0)
    ces_n = db.Column(db.Integer, nullable=False, default=0)
    sentiment_sum = db.Column(db.Float, nullable=False, default=0)
    sentiment_sq = db.Column(db.Float, nullable=False, default=0)
    sentiment_n = db.Column(db.Integer, nullable=False, default=0)
    positive = db.Column(db.Integer, nullable=False, default=0)
    neutral = db.Column(db.Integer, nullable=False, default=0)
    negative = db.Column(db.Integer, nullable=False, default=0)
    emotion_delighted = db.Column(db.Integer, nullable=False, default=0)
    emotion_satisfied = db.Column(db.Integer, nullable=False, default=0)
    emotion_neutral = db.Column(db.Integer, nullable=False, default=0)
    emotion_disappointed = db.Column(db.Integer, nullable=False, default=0)
    emotion_frustrated = db.Column(db.Integer, nullable=False, default=0)

    COUNTERS = (
        *SCORE_COUNTERS,
        "positive",
        "neutral",
        "negative",
        *(f"emotion_{e}" for e in EMOTIONS),
    )


class Rollup(AnswerCounters, db.Model):
    """Per brand × phase × day × channel × persona × touchpoint × locale. 0 means "none"."""

    __tablename__ = "rollup"
    __table_args__ = (db.UniqueConstraint(*ANSWER_KEY, name="uq_rollup_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    persona_id = db.Column(db.Integer, nullable=False, default=0)
    touchpoint_id = db.Column(db.Integer, nullable=False, default=0)
    locale = db.Column(db.String(8), nullable=False)


class ConversionRollup(db.Model):
    """Per brand × phase × day first reached × persona: who reached it and who went on."""

    __tablename__ = "conversion_rollup"
    __table_args__ = (db.UniqueConstraint(*CONVERSION_KEY, name="uq_conversion_rollup_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    persona_id = db.Column(db.Integer, nullable=False, default=0)
    reached = db.Column(db.Integer, nullable=False, default=0)
    reached_value = db.Column(db.Float, nullable=False, default=0)
    converted = db.Column(db.Integer, nullable=False, default=0)
    converted_value = db.Column(db.Float, nullable=False, default=0)
    # time from reaching this phase to reaching the next, for those who went on
    dwell_hours_sum = db.Column(db.Float, nullable=False, default=0)

    COUNTERS = ("reached", "reached_value", "converted", "converted_value", "dwell_hours_sum")
