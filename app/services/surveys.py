"""Surveys per phase. A survey that has answers is versioned, never edited in place."""

from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Phase, Question, Response, Survey
from app.schemas.common import SUPPORTED_LOCALES
from app.schemas.survey import untranslated
from app.services import idempotency, journeys

# A survey's own emails: its invitation on reach, its reminder and their own words, set on a
# create, an update, a new version and a journey document alike.
EMAILS = ("invite_after_hours", "remind_after_days", "email_texts")


def _texts(value, locale: str) -> dict:
    return {locale: value} if isinstance(value, str) else dict(value)


def _questions(data: list[dict], locale: str) -> tuple[list[Question], list[str]]:
    """The question rows, and the languages the survey speaks: its own, then each other one
    in which every question and option has a text. A half-translated survey is not offered
    in that language, where a customer would get some questions in another."""
    missing = untranslated(data, locale)
    if missing:
        raise AppError(422, "every question needs a text in the survey's language", fields=missing)
    questions, whole = [], set(SUPPORTED_LOCALES)
    for position, item in enumerate(data, start=1):
        text = _texts(item["text"], locale)
        options = [
            {"key": option["key"], "label": _texts(option["label"], locale)}
            for option in item.get("options") or []
        ] or None
        for texts in [text, *(option["label"] for option in options or [])]:
            whole.intersection_update(texts)
        questions.append(
            Question(
                key=item["key"],
                type=item["type"],
                position=position,
                text=text,
                required=item.get("required", False),
                options=options,
                max_length=item.get("max_length"),
            )
        )
    return questions, [locale, *sorted(whole - {locale})]


def create_survey(brand: Brand, data: dict, idempotency_key: str | None = None) -> Survey:
    """A new survey (version 1); the same Idempotency-Key again returns it and stores nothing."""
    fingerprint, found = idempotency.first_try(Survey, brand.id, idempotency_key, data)
    if found is not None:
        return found
    journeys.refuse_archived(brand, data["journey_id"])
    phase = journeys.get_phase(brand, data["journey_id"], data["phase"])
    questions, locales = _questions(data["questions"], data["locale"])
    survey = Survey(
        brand_id=brand.id,
        journey_id=phase.journey_id,
        phase=phase,
        name=data.get("name"),
        default_locale=data["locale"],
        locales=locales,
        active=data.get("active", True),
        **{field: data.get(field) for field in EMAILS},
        questions=questions,
    )
    db.session.add(survey)
    db.session.flush()
    survey.family_id = survey.id
    return idempotency.commit_once(survey, idempotency_key, fingerprint)


def get_survey(brand: Brand, survey_id: int) -> Survey:
    survey = db.session.scalar(
        select(Survey)
        .where(Survey.id == survey_id, Survey.brand_id == brand.id)
        .options(selectinload(Survey.questions))
    )
    if survey is None:
        raise AppError(404, "survey not found")
    return survey


def list_surveys(brand: Brand, journey_id=None, phase=None, active=None) -> list[Survey]:
    query = (
        select(Survey)
        .where(Survey.brand_id == brand.id)
        .options(selectinload(Survey.questions), selectinload(Survey.phase))
    )
    if journey_id is not None:
        query = query.where(Survey.journey_id == journey_id)
    if phase is not None:
        query = query.where(Survey.phase.has(key=phase))
    if active is not None:
        query = query.where(Survey.active == active)
    return list(db.session.scalars(query.order_by(Survey.id)))


def active_for_phase(
    brand: Brand, phase_key: str, locale: str | None = None, journey_id: int | None = None
) -> Survey | None:
    """The active survey a phase key asks: of the oldest journey with one (or of `journey_id`),
    its newest, preferring one in `locale`.

    Oldest journey first: a journey imported or created later with the same phase keys must
    not take over the widgets that were already asking the first one."""
    query = (
        select(Survey)
        .join(Phase, Phase.id == Survey.phase_id)
        .where(Survey.brand_id == brand.id, Survey.active.is_(True), Phase.key == phase_key)
    )
    if journey_id is not None:
        query = query.where(Survey.journey_id == journey_id)
    candidates = db.session.scalars(
        query.options(selectinload(Survey.questions)).order_by(Survey.journey_id, Survey.id.desc())
    ).all()
    candidates = [survey for survey in candidates if survey.journey_id == candidates[0].journey_id]
    for survey in candidates:
        if locale is None or locale in survey.locales:
            return survey
    return candidates[0] if candidates else None


def phases_asking(brand: Brand, journey_id: int) -> set[str]:
    """The keys of the journey's phases with an active survey: where a widget opens."""
    return set(
        db.session.scalars(
            select(Phase.key)
            .join(Survey, Survey.phase_id == Phase.id)
            .where(Survey.brand_id == brand.id, Survey.journey_id == journey_id)
            .where(Survey.active.is_(True))
        )
    )


def has_answers(survey: Survey) -> bool:
    return bool(db.session.scalar(select(exists().where(Response.survey_id == survey.id))))


def _locked(brand: Brand, survey_id: int) -> Survey:
    """The survey, read again once its family's first version and it are locked FOR UPDATE.

    Edits of one family take turns on the first version's row, so each decides "answers or
    not" and the next version number on what the edit before it committed. The lock on the
    edited row itself conflicts with the FOR KEY SHARE that an answer's foreign-key check
    takes: no answer can be stored on it between has_answers() and this edit's commit."""
    found = db.session.execute(
        select(Survey.family_id).where(Survey.id == survey_id, Survey.brand_id == brand.id)
    ).first()
    if found is None:
        raise AppError(404, "survey not found")
    first = found.family_id or survey_id
    # In id order, the first version first: two edits of one family never lock crosswise.
    query = (
        select(Survey)
        .where(Survey.id.in_(sorted({first, survey_id})))
        .order_by(Survey.id)
        .options(selectinload(Survey.questions))
    )
    locked = db.session.scalars(locks.locked(query, keys=True)).all()
    return next(survey for survey in locked if survey.id == survey_id)


def live_version(survey: Survey) -> Survey | None:
    """The version of this survey's family that asks now (itself when active), or None when
    the family is switched off or its journey archived: what an invitation or a reminder
    made for it reads before its email (an edit's new version keeps the old one's links)."""
    family = (
        Survey.id == survey.id if survey.family_id is None else Survey.family_id == survey.family_id
    )
    return db.session.scalar(select(Survey).where(family, Survey.active.is_(True)).limit(1))


def live_other_version(brand: Brand, survey: Survey) -> Survey | None:
    """The version of this survey's family that is active instead of this one, if any: the
    one that switching this one on switches off."""
    return db.session.scalar(
        select(Survey).where(
            Survey.family_id == survey.family_id,
            Survey.brand_id == brand.id,
            Survey.id != survey.id,
            Survey.active.is_(True),
        )
    )


def _deactivate_family(brand: Brand, survey: Survey) -> None:
    """Every version of this survey's family inactive (its caller makes one active)."""
    db.session.execute(
        update(Survey)
        .where(Survey.family_id == survey.family_id, Survey.brand_id == brand.id)
        .values(active=False)
    )


def update_survey(brand: Brand, survey_id: int, data: dict) -> Survey:
    """Change a survey; once it has answers the change becomes a new active version."""
    # Before the survey's lock: an archive locks the journey, then its surveys.
    journey_id = db.session.scalar(
        select(Survey.journey_id).where(Survey.id == survey_id, Survey.brand_id == brand.id)
    )
    if journey_id is not None:
        journeys.refuse_archived(brand, journey_id)
    survey = _locked(brand, survey_id)
    if data.get("locale", survey.default_locale) != survey.default_locale:
        raise AppError(
            422,
            "a survey keeps its language; make a new survey for another",
            fields={"locale": [f"this survey's language is {survey.default_locale!r}"]},
        )
    edit = "questions" in data
    if edit:
        questions, locales = _questions(data["questions"], survey.default_locale)
    new_version = edit and has_answers(survey)
    if new_version or data.get("active"):
        # One live version per family: a new version, or an older one switched back on (a
        # rollback), switches the others off (two stayed active, and answers split over both).
        _deactivate_family(brand, survey)
    if not edit:
        for field in ("name", "active", *EMAILS):
            if field in data:
                setattr(survey, field, data[field])
        db.session.commit()
        return survey
    if not new_version:
        survey.questions.clear()
        db.session.flush()  # delete the old rows first: question keys are unique per survey
        survey.questions = questions
        survey.locales = locales
        survey.revision += 1  # answers checked against the old questions are checked again
        survey.name = data.get("name", survey.name)
        survey.active = data.get("active", survey.active)
        for field in EMAILS:
            setattr(survey, field, data.get(field, getattr(survey, field)))
        db.session.commit()
        return survey
    latest = db.session.scalar(
        select(Survey.version)
        .where(Survey.family_id == survey.family_id)
        .order_by(Survey.version.desc())
        .limit(1)
    )
    version = Survey(
        brand_id=brand.id,
        journey_id=survey.journey_id,
        phase_id=survey.phase_id,
        name=data.get("name", survey.name),
        default_locale=survey.default_locale,
        locales=locales,
        family_id=survey.family_id,
        version=latest + 1,
        active=data.get("active", True),
        **{field: data.get(field, getattr(survey, field)) for field in EMAILS},
        questions=questions,
    )
    db.session.add(version)
    db.session.commit()
    return version
