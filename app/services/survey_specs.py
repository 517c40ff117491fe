"""What intake needs of a survey, held per process so an answer costs no survey queries.

Intake validates every answer against its survey's questions. Loading the survey and its
questions through the ORM took two queries and more Python than the rest of the request, on
the path every channel's answers take. A survey's questions cannot change once it has
answers (an edit then becomes a new version with a new id), so a held copy can only be stale
for a survey nobody has answered yet, and only for SURVEY_SPEC_SECONDS. Writes made through
the ORM in this process forget the copy at once (events below); other processes see the
change when their copy expires. Nor can a stale copy store an answer: an edit in place bumps
the survey's revision, which intake's INSERT checks (it then loads the copy again).
"""

import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.errors import AppError
from app.extensions import db
from app.models import Question, Survey


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    key: str
    type: str
    required: bool
    choices: tuple[str, ...]
    max_length: int | None

    def option_keys(self) -> tuple[str, ...]:
        return self.choices


@dataclass(frozen=True, slots=True)
class SurveySpec:
    """Read-only stand-in for a Survey in answers.validate / typed_values."""

    id: int
    brand_id: int
    journey_id: int
    phase_id: int
    default_locale: str
    locales: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]
    revision: int = 1

    def question(self, key: str) -> QuestionSpec | None:
        return next((q for q in self.questions if q.key == key), None)


class _Held:
    """Per-app copies with their expiry; a lock because gunicorn threads share them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.specs: dict[int, tuple[float, SurveySpec]] = {}

    def forget(self, survey_ids=None) -> None:
        with self.lock:
            if survey_ids is None:
                self.specs.clear()
            else:
                for survey_id in survey_ids:
                    self.specs.pop(survey_id, None)


def init_app(app) -> None:
    app.extensions["survey_specs"] = _Held()


def _held() -> _Held:
    return current_app.extensions["survey_specs"]


def forget(survey_ids=None) -> None:
    """Drop held copies (all of them without ids): after a bulk change or a database reset."""
    _held().forget(survey_ids)


def _load(survey_id: int) -> SurveySpec | None:
    survey = db.session.execute(
        select(
            Survey.id,
            Survey.brand_id,
            Survey.journey_id,
            Survey.phase_id,
            Survey.default_locale,
            Survey.locales,
            Survey.revision,
        ).where(Survey.id == survey_id)
    ).first()
    if survey is None:
        return None
    questions = db.session.execute(
        select(
            Question.key, Question.type, Question.required, Question.options, Question.max_length
        )
        .where(Question.survey_id == survey_id)
        .order_by(Question.position)
    ).all()
    return SurveySpec(
        id=survey.id,
        brand_id=survey.brand_id,
        journey_id=survey.journey_id,
        phase_id=survey.phase_id,
        default_locale=survey.default_locale,
        locales=tuple(survey.locales or ()),
        revision=survey.revision,
        questions=tuple(
            QuestionSpec(
                key=q.key,
                type=q.type,
                required=bool(q.required),
                choices=tuple(option["key"] for option in q.options or ()),
                max_length=q.max_length,
            )
            for q in questions
        ),
    )


def get(brand_id: int, survey_id: int) -> SurveySpec:
    """The survey's spec, or 404 when it does not exist or belongs to another brand."""
    held, seconds = _held(), current_app.config["SURVEY_SPEC_SECONDS"]
    now = time.monotonic()
    entry = held.specs.get(survey_id)
    if entry is None or entry[0] <= now:
        spec = _load(survey_id)
        if spec is None:
            raise AppError(404, "survey not found")
        if seconds > 0:
            with held.lock:
                held.specs[survey_id] = (now + seconds, spec)
    else:
        spec = entry[1]
    if spec.brand_id != brand_id:
        raise AppError(404, "survey not found")
    return spec


def _changed_in_session(session) -> set[int]:
    ids = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Survey) and instance.id is not None:
            ids.add(instance.id)
        elif isinstance(instance, Question) and instance.survey_id is not None:
            ids.add(instance.survey_id)
    return ids


@event.listens_for(Session, "after_flush")
def _note_changes(session, _context) -> None:
    session.info.setdefault("survey_specs_changed", set()).update(_changed_in_session(session))


@event.listens_for(Session, "after_commit")
def _forget_changed(session) -> None:
    changed = session.info.pop("survey_specs_changed", None)
    if changed and has_app_context() and "survey_specs" in current_app.extensions:
        forget(changed)
