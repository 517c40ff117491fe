"""Journeys with their phases, touchpoints and personas; always scoped by brand."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Journey, Persona, Phase, Touchpoint
from app.services import idempotency


def _names(value, locale: str) -> dict:
    return {locale: value} if isinstance(value, str) else dict(value)


NAME_MAX = 120  # Journey.name


def _names_taken(brand: Brand, but: int | None = None) -> set[str]:
    """The brand's journey names, casefolded (a brand has a handful of journeys)."""
    query = select(Journey.name).where(Journey.brand_id == brand.id)
    if but is not None:
        query = query.where(Journey.id != but)
    return {name.casefold() for name in db.session.scalars(query)}


def name_of_its_own(brand: Brand, name: str, journey_id: int | None = None) -> str:
    """`name`, trimmed, if no other journey of the brand has it (whatever its case); else a 409.

    Two journeys of one name look alike wherever a journey is chosen or named: the map's
    picker, the survey editor's phases, the weekly report. The brand row is locked first, so
    two requests at once cannot both take the name."""
    name = name.strip()
    locks.lock_brand(brand.id)
    if name.casefold() in _names_taken(brand, but=journey_id):
        db.session.rollback()
        raise AppError(  # 409, as a persona key or a touchpoint name that is taken
            409,
            f"the brand already has a journey named {name!r}",
            fields={"name": ["another journey of the brand has this name"]},
        )
    return name


def free_name(brand: Brand, name: str) -> str:
    """`name`, or the first of "name (2)", "name (3)"… no journey of the brand has: for a
    copy (an import of an exported journey), which should not be refused for its name."""
    name = name.strip()
    locks.lock_brand(brand.id)
    taken = _names_taken(brand)
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        # within the column's 120 characters: a copy of a 120-character name was a 500
        candidate = name[: NAME_MAX - len(suffix)].rstrip() + suffix
    return candidate


def create_journey(brand: Brand, data: dict, idempotency_key: str | None = None) -> Journey:
    """A journey with its phases; the same Idempotency-Key again returns it, stores nothing."""
    fingerprint, found = idempotency.first_try(Journey, brand.id, idempotency_key, data)
    if found is not None:
        return found
    journey = Journey(brand_id=brand.id, name=name_of_its_own(brand, data["name"]))
    phases = sorted(
        enumerate(data["phases"]), key=lambda item: (item[1].get("position", item[0] + 1), item[0])
    )
    for position, (_, phase) in enumerate(phases, start=1):
        journey.phases.append(
            Phase(
                brand_id=brand.id,
                key=phase["key"],
                name=_names(phase["name"], brand.default_locale),
                position=position,
                expected_days=phase.get("expected_days"),
                hypothesis=phase.get("hypothesis") or {},
                in_funnel=phase.get("in_funnel", True),
            )
        )
    db.session.add(journey)
    return idempotency.commit_once(journey, idempotency_key, fingerprint)


def list_journeys(brand: Brand, archived: bool | None = None) -> list[Journey]:
    """The brand's journeys; with `archived`, only the archived ones or only the others."""
    query = (
        select(Journey)
        .where(Journey.brand_id == brand.id)
        .order_by(Journey.id)
        .options(selectinload(Journey.phases).selectinload(Phase.touchpoints))
    )
    if archived is not None:
        query = query.where(
            Journey.archived_at.is_not(None) if archived else Journey.archived_at.is_(None)
        )
    return list(db.session.scalars(query))


def get_journey(brand: Brand, journey_id: int, lock: bool = False) -> Journey:
    """With `lock`, `locked`: for changing its phases."""
    query = (
        select(Journey)
        .where(Journey.id == journey_id, Journey.brand_id == brand.id)
        .options(selectinload(Journey.phases).selectinload(Phase.touchpoints))
    )
    journey = db.session.scalar(locks.locked(query) if lock else query)
    if journey is None:
        raise AppError(404, "journey not found")
    return journey


def refuse_archived(brand: Brand, journey_id: int) -> None:
    """A 409 for a change to an archived journey (its surveys, phases, touchpoints, links):
    it is read-only until restored, so that nothing switches one of its surveys on. The row
    is held FOR SHARE until the commit: an archive at the same time waits for this change,
    then switches off what it made."""
    archived_at = db.session.scalar(
        locks.shared(
            select(Journey.archived_at).where(
                Journey.id == journey_id, Journey.brand_id == brand.id
            )
        )
    )
    if archived_at is not None:
        _refuse_archived()


def locked_unarchived(brand: Brand, journey_id: int) -> Journey:
    """The journey locked for a change to its phases, or the 409 of refuse_archived. Locked
    first and then read, not held FOR SHARE and then locked: two phases added at once both
    held the share and waited for each other's (a deadlock, a 503 for one of them)."""
    journey = get_journey(brand, journey_id, lock=True)
    if journey.archived_at is not None:
        _refuse_archived()
    return journey


def _refuse_archived():
    db.session.rollback()
    raise AppError(
        409, "this journey is archived; restore it to change it", code="journey_archived"
    )


def get_phase(brand: Brand, journey_id: int, key: str, lock: bool = False) -> Phase:
    """With `lock`, `locked` with its touchpoints: for adding one."""
    phase = get_journey(brand, journey_id).phase(key)
    if phase is not None and lock:
        query = select(Phase).where(Phase.id == phase.id).options(selectinload(Phase.touchpoints))
        phase = db.session.scalar(locks.locked(query))
    if phase is None:
        raise missing_phase(key)
    return phase


def missing_phase(key: str) -> AppError:
    """The 404 of a phase key the journey lacks, with its field named as a batch names it
    ("items.3.phase"): a body's phase is a typo more often than a missing page."""
    return AppError(
        404,
        f"phase {key!r} not found in this journey",
        fields={"phase": ["no such phase in this journey"]},
    )


def add_touchpoint(brand: Brand, journey_id: int, phase_key: str, data: dict) -> Touchpoint:
    refuse_archived(brand, journey_id)
    phase = get_phase(brand, journey_id, phase_key, lock=True)
    if any(touchpoint.name == data["name"] for touchpoint in phase.touchpoints):
        raise AppError(
            409, "this phase has a touchpoint with that name", fields={"name": ["taken"]}
        )
    touchpoint = Touchpoint(
        brand_id=brand.id, phase=phase, name=data["name"], channel=data["channel"]
    )
    db.session.add(touchpoint)
    db.session.commit()
    return touchpoint


def create_persona(brand: Brand, data: dict) -> Persona:
    locks.lock_brand(brand.id)  # two of one key at once: the second waits, then sees it
    if db.session.scalar(
        select(Persona.id).where(Persona.brand_id == brand.id, Persona.key == data["key"])
    ):
        raise AppError(409, f"persona {data['key']!r} exists", fields={"key": ["taken"]})
    persona = Persona(brand_id=brand.id, **data)
    db.session.add(persona)
    db.session.commit()
    return persona


def list_personas(brand: Brand) -> list[Persona]:
    return list(
        db.session.scalars(select(Persona).where(Persona.brand_id == brand.id).order_by(Persona.id))
    )


def persona_by_key(brand: Brand, key: str | None) -> Persona | None:
    if key is None:
        return None
    persona = db.session.scalar(
        select(Persona).where(Persona.brand_id == brand.id, Persona.key == key)
    )
    if persona is None:
        raise AppError(422, f"unknown persona {key!r}", fields={"persona": ["unknown persona"]})
    return persona


def check_touchpoint(brand: Brand, touchpoint_id: int | None) -> None:
    """A filter's touchpoint must be one of the brand's, as its persona must (persona_by_key):
    a deleted or foreign id would quietly filter on rollup rows nobody can see listed."""
    if touchpoint_id is None:
        return
    if not db.session.scalar(
        select(Touchpoint.id).where(Touchpoint.id == touchpoint_id, Touchpoint.brand_id == brand.id)
    ):
        raise AppError(
            422,
            f"unknown touchpoint {touchpoint_id}",
            fields={"touchpoint": ["unknown touchpoint"]},
        )


def find_touchpoint(touchpoints, value):
    """Of a phase's touchpoints (objects or rows with id, name and former_names), the one an
    answer, an invitation or a link names by id or by name; None when none is named.

    A name a touchpoint had before a rename still reaches it, unless a touchpoint has that
    name now: the site's snippets and the shop's API calls send names, and are not all
    changed the day a marketer renames one."""
    if value is None:
        return None
    touchpoints = list(touchpoints)
    for touchpoint in touchpoints:
        if touchpoint.id == value or touchpoint.name == value:
            return touchpoint
    for touchpoint in touchpoints:
        if value in (touchpoint.former_names or ()):
            return touchpoint
    raise AppError(422, "unknown touchpoint for this phase", fields={"touchpoint": ["unknown"]})
