"""Archiving, restoring and deleting a journey.

An archived journey asks nobody and leaves the dashboard's choices, but keeps everything it
measured: answers, reviews, points, rollups and the public review pages stay as they were.
It asks nobody because its active surveys are switched off, which every way of asking
already obeys (widget, scheduled invitations, reminders, reusable links); the ids of those
surveys are kept, so a restore switches the same ones on again. Only a journey that never
measured or asked anything may be deleted for good.
"""

from sqlalchemy import delete, exists, select, update

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import (
    Brand,
    Invitation,
    Journey,
    Phase,
    Question,
    Survey,
    SurveyLink,
    Touchpoint,
)
from app.models.base import utcnow
from app.models.invitation import SCHEDULED, SKIPPED
from app.services import journeys

# Why an invitation or a reminder of an archived journey's survey did not go out: the reason
# the due sweep itself gives for a survey switched off.
NOT_ACTIVE = "survey_not_active"
# A journey's own make-up; a row of any other table that refers to it is history.
MAKE_UP = {"journey", "phase", "touchpoint", "survey", "question", "survey_link"}


def archive(brand: Brand, journey_id: int) -> Journey:
    """Archive the journey; an archived one is returned as it is (a second archive is
    harmless, and keeps the surveys the first one switched off)."""
    journey = journeys.get_journey(brand, journey_id, lock=True)
    if journey.archived:
        db.session.rollback()
        return journey
    asking = list(
        db.session.scalars(
            select(Survey.id)
            .where(Survey.journey_id == journey.id, Survey.active.is_(True))
            .order_by(Survey.id)
        )
    )
    db.session.execute(update(Survey).where(Survey.id.in_(asking)).values(active=False))
    surveys = select(Survey.id).where(Survey.journey_id == journey.id)
    # Settled now rather than when they fall due: the Invitations page and the API would say
    # "scheduled" and "reminder due" for asks that will never go out.
    db.session.execute(
        update(Invitation)
        .where(Invitation.survey_id.in_(surveys), Invitation.status == SCHEDULED)
        .values(status=SKIPPED, skip_reason=NOT_ACTIVE)
    )
    # One a sender has taken is left to it: it reads the survey again before its email.
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.survey_id.in_(surveys),
            Invitation.remind_at.is_not(None),
            Invitation.reminder_taken_at.is_(None),
        )
        .values(remind_at=None, reminder_skip_reason=NOT_ACTIVE)
    )
    journey.archived_at = utcnow()
    journey.surveys_to_resume = asking
    db.session.commit()
    return journey


def unarchive(brand: Brand, journey_id: int) -> Journey:
    """Restore the journey with the surveys that were asking when it was archived; one that
    is not archived is returned as it is."""
    journey = journeys.get_journey(brand, journey_id, lock=True)
    if not journey.archived:
        db.session.rollback()
        return journey
    if journey.surveys_to_resume:
        # No survey of an archived journey can be switched on (journeys.refuse_archived), so
        # each of these is still its family's only live version.
        db.session.execute(
            update(Survey)
            .where(Survey.journey_id == journey.id, Survey.id.in_(journey.surveys_to_resume))
            .values(active=True)
        )
    journey.archived_at = None
    journey.surveys_to_resume = []
    db.session.commit()
    return journey


def has_history(journey: Journey) -> bool:
    """Whether any row outside the journey's make-up refers to it, its phases or its surveys:
    an answer, a journey event, an invitation, a review, a contact, a rollup. Read from the
    foreign keys, so that a table added later counts without being listed here."""
    phase_ids = select(Phase.id).where(Phase.journey_id == journey.id)
    survey_ids = select(Survey.id).where(Survey.journey_id == journey.id)
    targets = {"journey": [journey.id], "phase": phase_ids, "survey": survey_ids}
    for table in db.metadata.sorted_tables:
        if table.name in MAKE_UP:
            continue
        for key in table.foreign_keys:
            target = key.column.table.name
            if target not in targets:
                continue
            conditions = [key.parent.in_(targets[target])]
            if "brand_id" in table.c:  # the brand's rows only: the indexes lead with it
                conditions.append(table.c.brand_id == journey.brand_id)
            if db.session.scalar(select(exists().where(*conditions))):
                return True
    return False


def delete_journey(brand: Brand, journey_id: int) -> None:
    """Delete a journey that never measured or asked anything, with its phases, touchpoints,
    surveys and reusable links; one with history is a 409: archive it instead."""
    journey = journeys.get_journey(brand, journey_id)
    # FOR UPDATE, the journey and its phases and surveys: an answer, event or invitation
    # stored meanwhile (its foreign key's KEY SHARE on what it refers to) waits for this commit
    # and then fails, instead of landing on a journey found without history. The journey's
    # lock alone let an invitation of one of its surveys in, which the survey's delete then
    # took with it (its foreign key cascades).
    phases = select(Phase.id).where(Phase.journey_id == journey.id)
    surveys = select(Survey.id).where(Survey.journey_id == journey.id)
    for held in (select(Journey.id).where(Journey.id == journey.id), phases, surveys):
        db.session.execute(locks.locked(held, keys=True))
    if has_history(journey):
        _has_history()
    # Explicit, children first, rather than by the foreign keys' cascade: one plain order of
    # deletes on both databases (as webhooks.delete_endpoint).
    db.session.execute(delete(SurveyLink).where(SurveyLink.journey_id == journey.id))
    db.session.execute(delete(Question).where(Question.survey_id.in_(surveys)))
    db.session.execute(delete(Survey).where(Survey.journey_id == journey.id))
    db.session.execute(delete(Touchpoint).where(Touchpoint.phase_id.in_(phases)))
    db.session.execute(delete(Phase).where(Phase.journey_id == journey.id))
    db.session.execute(delete(Journey).where(Journey.id == journey.id))
    db.session.commit()


def _has_history():
    db.session.rollback()
    raise AppError(
        409,
        "this journey has answers, journey events, invitations or reviews; "
        "archive it instead, which keeps them",
        code="journey_has_history",
    )
