"""Changing a journey after it exists: rename, add and edit phases, touchpoints and personas.

Phase keys never change (widget snippets and surveys refer to them); positions can, and
every change renumbers the phases 1..n in their new order.
"""

from sqlalchemy import exists, select, update

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import (
    Brand,
    Invitation,
    Journey,
    Persona,
    Phase,
    Response,
    SurveyLink,
    Touchpoint,
)
from app.models.base import utcnow
from app.models.journey import MAX_PHASES
from app.services import conversion, journeys


def _names(value, locale: str) -> dict:
    return {locale: value} if isinstance(value, str) else dict(value)


def rename_journey(brand: Brand, journey_id: int, data: dict) -> Journey:
    # locked first, then the brand (name_of_its_own), as add_phase: the archive check's FOR
    # SHARE and then the name's write made two renames at once deadlock
    journey = journeys.locked_unarchived(brand, journey_id)
    journey.name = journeys.name_of_its_own(brand, data["name"], journey_id=journey.id)
    db.session.commit()
    return journey


def _shown_publicly(brand: Brand) -> None:
    """Phase names and order are on the public review pages, whose Last-Modified is the
    brand row's (review_public.version): a phase edit moves it, so no stale 304."""
    db.session.execute(update(Brand).where(Brand.id == brand.id).values(updated_at=utcnow()))


def _place(journey: Journey, phase: Phase, position: int | None) -> None:
    """Put `phase` at `position` (1-based; None = keep or append) and renumber all phases."""
    ordered = [p for p in journey.phases if p is not phase]
    index = len(ordered) if position is None else min(max(position, 1), len(ordered) + 1) - 1
    ordered.insert(index, phase)
    for number, item in enumerate(ordered, start=1):
        item.position = number


def add_phase(brand: Brand, journey_id: int, data: dict) -> Phase:
    journey = journeys.locked_unarchived(brand, journey_id)
    if journey.phase(data["key"]) is not None:
        raise AppError(409, f"this journey has a phase {data['key']!r}", fields={"key": ["taken"]})
    if len(journey.phases) >= MAX_PHASES:
        raise AppError(
            422, f"a journey has at most {MAX_PHASES} phases", fields={"key": ["too many phases"]}
        )
    phase = Phase(
        brand_id=brand.id,
        key=data["key"],
        name=_names(data["name"], brand.default_locale),
        position=len(journey.phases) + 1,
        expected_days=data.get("expected_days"),
        hypothesis=data.get("hypothesis") or {},
        in_funnel=data.get("in_funnel", True),
    )
    _place(journey, phase, data.get("position"))
    journey.phases.append(phase)
    journey.phases.sort(key=lambda p: p.position)
    if phase is not journey.phases[-1]:  # between two others: the one before goes on to it now
        db.session.flush()
        conversion.recount(journey)
    _shown_publicly(brand)
    db.session.commit()
    return phase


def update_phase(
    brand: Brand, journey_id: int, key: str, data: dict, partial: bool = False
) -> Phase:
    """Replace the phase's names, expected days, hypothesis and funnel flag with the form's
    values; `partial` (the API's PATCH): change only the fields given."""
    journey = journeys.locked_unarchived(brand, journey_id)  # it may renumber them all
    phase = journey.phase(key)
    if phase is None:
        raise AppError(404, f"phase {key!r} not found in this journey")
    if not partial or "name" in data:
        phase.name = _names(data["name"], brand.default_locale)
    if not partial or "expected_days" in data:
        phase.expected_days = data.get("expected_days")
    if not partial or "hypothesis" in data:
        phase.hypothesis = data.get("hypothesis") or {}
    recount = False
    in_funnel = data.get("in_funnel", phase.in_funnel if partial else True)
    if in_funnel != phase.in_funnel:
        # The conversion rollups hold who went on from where: counted again in the new funnel.
        phase.in_funnel = in_funnel
        recount = True
    if data.get("position") and data["position"] != phase.position:
        _place(journey, phase, data["position"])
        journey.phases.sort(key=lambda p: p.position)
        recount = True  # who went on from where depends on the order
    if recount:
        db.session.flush()
        conversion.recount(journey)
    _shown_publicly(brand)
    db.session.commit()
    return phase


def get_touchpoint(brand: Brand, touchpoint_id: int) -> Touchpoint:
    touchpoint = db.session.scalar(
        select(Touchpoint).where(Touchpoint.id == touchpoint_id, Touchpoint.brand_id == brand.id)
    )
    if touchpoint is None:
        raise AppError(404, "touchpoint not found")
    return touchpoint


# Old names a renamed touchpoint still answers to (journeys.find_touchpoint), newest first.
FORMER_NAMES_KEPT = 10


def update_touchpoint(brand: Brand, touchpoint_id: int, data: dict) -> Touchpoint:
    """A new name or channel; links, invitations and answers keep pointing at it."""
    touchpoint = get_touchpoint(brand, touchpoint_id)
    journeys.refuse_archived(brand, touchpoint.phase.journey_id)
    # The phase locked as add_touchpoint locks it: two of one name at once get a 409.
    phase = journeys.get_phase(brand, touchpoint.phase.journey_id, touchpoint.phase.key, lock=True)
    if any(other.name == data["name"] and other.id != touchpoint.id for other in phase.touchpoints):
        raise AppError(
            409, "this phase has a touchpoint with that name", fields={"name": ["taken"]}
        )
    if data["name"] != touchpoint.name:
        kept = [name for name in touchpoint.former_names or [] if name != data["name"]]
        touchpoint.former_names = [touchpoint.name, *kept][:FORMER_NAMES_KEPT]
    touchpoint.name = data["name"]
    touchpoint.channel = data["channel"]
    db.session.commit()
    return touchpoint


def delete_touchpoint(brand: Brand, touchpoint_id: int) -> None:
    """Only a touchpoint nothing refers to: deleting one that links, invitations or answers
    name would make them phase-wide while rollups still count them there (rename it instead).

    FOR UPDATE holds off the foreign-key check of an answer naming it meanwhile, so the
    check below and the delete are one step."""
    found = get_touchpoint(brand, touchpoint_id)
    journeys.refuse_archived(brand, found.phase.journey_id)
    touchpoint = db.session.scalar(
        locks.locked(
            select(Touchpoint).where(
                Touchpoint.id == touchpoint_id, Touchpoint.brand_id == brand.id
            ),
            keys=True,
        )
    )
    if touchpoint is None:
        raise AppError(404, "touchpoint not found")
    used = [
        what
        for what, model in (
            ("survey links", SurveyLink),
            ("invitations", Invitation),
            ("answers", Response),
        )
        if db.session.scalar(select(exists().where(model.touchpoint_id == touchpoint.id)))
    ]
    if used:
        raise AppError(
            409,
            f"touchpoint {touchpoint.name!r} is named by {' and '.join(used)}; rename it instead",
        )
    db.session.delete(touchpoint)
    db.session.commit()


def get_persona(brand: Brand, persona_id: int) -> Persona:
    persona = db.session.scalar(
        select(Persona).where(Persona.id == persona_id, Persona.brand_id == brand.id)
    )
    if persona is None:
        raise AppError(404, "persona not found")
    return persona


def update_persona(brand: Brand, persona_id: int, data: dict) -> Persona:
    persona = get_persona(brand, persona_id)
    persona.name = data["name"]
    persona.description = data.get("description") or None
    db.session.commit()
    return persona
