"""What the journey analytics read besides the answer rollups.

A narrower copy of the answer rollup serves the journey map. Dwell-time buckets give a median
time in phase (a sum only gives a mean, which a few stalled customers drag far up). Per-survey
counts give response counts by channel, and choice counts how often each option was chosen.
The phase indexes serve verbatims, top words and exports newest first without scanning a
brand's rows.
"""

from app.extensions import db
from app.models.response import Response
from app.models.rollup import AnswerCounters

DWELL_KEY = ("brand_id", "phase_id", "day", "persona_id", "bucket")
SURVEY_KEY = ("brand_id", "survey_id", "day", "channel")
CHOICE_KEY = ("brand_id", "survey_id", "question", "option", "day")
MAP_KEY = ("brand_id", "phase_id", "day", "persona_id", "touchpoint_id")


class MapRollup(AnswerCounters, db.Model):
    """The answer rollup without its channel and locale: what the journey map reads.

    The map needs phase, day, persona and touchpoint for every view, and channel or locale only
    when one is filtered on; leaving those two out makes this table about 8× smaller than
    `rollup` once a brand has data on every channel, so the map's cost stays flat.
    """

    __tablename__ = "map_rollup"
    __table_args__ = (db.UniqueConstraint(*MAP_KEY, name="uq_map_rollup_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    persona_id = db.Column(db.Integer, nullable=False, default=0)
    touchpoint_id = db.Column(db.Integer, nullable=False, default=0)


class DwellRollup(db.Model):
    """Per brand × phase × day first reached × persona × dwell bucket: customers who went on."""

    __tablename__ = "dwell_rollup"
    __table_args__ = (db.UniqueConstraint(*DWELL_KEY, name="uq_dwell_rollup_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    persona_id = db.Column(db.Integer, nullable=False, default=0)
    bucket = db.Column(db.SmallInteger, nullable=False)  # index into services.dwell.EDGES_DAYS
    customers = db.Column(db.Integer, nullable=False, default=0)

    COUNTERS = ("customers",)


class SurveyRollup(db.Model):
    """Per brand × survey × day × channel: answers received, for response counts and rates."""

    __tablename__ = "survey_rollup"
    __table_args__ = (db.UniqueConstraint(*SURVEY_KEY, name="uq_survey_rollup_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    survey_id = db.Column(
        db.Integer, db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False
    )
    day = db.Column(db.Date, nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    responses = db.Column(db.Integer, nullable=False, default=0)
    with_text = db.Column(db.Integer, nullable=False, default=0)

    COUNTERS = ("responses", "with_text")


class ChoiceRollup(db.Model):
    """Per brand × survey × choice question × option × day: how often each option was chosen.

    A choice answer has no column of its own on a response (only its `answers` hold it); this
    keeps the phase page from reading answers to count them."""

    __tablename__ = "choice_rollup"
    __table_args__ = (db.UniqueConstraint(*CHOICE_KEY, name="uq_choice_rollup_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    survey_id = db.Column(
        db.Integer, db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False
    )
    question = db.Column(db.String(48), nullable=False)
    option = db.Column(db.String(48), nullable=False)
    day = db.Column(db.Date, nullable=False)
    answers = db.Column(db.Integer, nullable=False, default=0)

    COUNTERS = ("answers",)


# Newest-first reads of one phase (verbatims, top words, CSV export) with a period range.
RESPONSE_PHASE_RECENT = db.Index(
    "ix_response_phase_recent", Response.phase_id, Response.created_at, Response.id
)
# The same for one NPS group: the latest detractor or promoter texts without walking the others.
RESPONSE_PHASE_CATEGORY = db.Index(
    "ix_response_phase_category",
    Response.phase_id,
    Response.nps_category,
    Response.created_at,
    Response.id,
)
