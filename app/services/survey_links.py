"""Reusable, non-personal survey links (and their QR codes) per phase and touchpoint."""

import io

import segno
from sqlalchemy import select

from app.errors import AppError
from app.extensions import db
from app.models import Brand, Survey, SurveyLink
from app.services import journeys, public_urls, survey_tokens


def create(brand: Brand, data: dict) -> SurveyLink:
    journeys.refuse_archived(brand, data["journey_id"])
    phase = journeys.get_phase(brand, data["journey_id"], data["phase"])
    touchpoint = journeys.find_touchpoint(phase.touchpoints, data.get("touchpoint"))
    name = data.get("name") or " – ".join(
        part
        for part in (phase.display_name(brand.default_locale), touchpoint and touchpoint.name)
        if part
    )
    link = SurveyLink(
        brand_id=brand.id,
        journey_id=phase.journey_id,
        phase=phase,
        touchpoint=touchpoint,
        name=name[:120],
        locale=data.get("locale"),
    )
    db.session.add(link)
    db.session.commit()
    return link


def list_links(brand: Brand) -> list[SurveyLink]:
    return list(
        db.session.scalars(
            select(SurveyLink).where(SurveyLink.brand_id == brand.id).order_by(SurveyLink.id)
        )
    )


def get(brand: Brand, link_id: int) -> SurveyLink:
    link = db.session.scalar(
        select(SurveyLink).where(SurveyLink.id == link_id, SurveyLink.brand_id == brand.id)
    )
    if link is None:
        raise AppError(404, "link not found")
    return link


def deactivate(brand: Brand, link_id: int) -> SurveyLink:
    link = get(brand, link_id)
    link.active = False
    db.session.commit()
    return link


def token_for(link: SurveyLink) -> str:
    return survey_tokens.link_token(survey_tokens.LinkClaims(link.id, link.brand_id, link.phase_id))


def describe(link: SurveyLink) -> dict:
    """The link with its public URLs, as the API and CLI show it."""
    token = token_for(link)
    return {
        "id": link.id,
        "name": link.name,
        "journey_id": link.journey_id,
        "phase": link.phase.key,
        "touchpoint": link.touchpoint.name if link.touchpoint else None,
        "locale": link.locale,
        "active": link.active,
        "url": public_urls.survey_url(token),
        "qr_url": public_urls.qr_url(token),
        "created_at": link.created_at,
    }


def active_survey(link: SurveyLink) -> Survey | None:
    """The newest active survey of the link's phase: printed codes follow survey versions."""
    return db.session.scalar(
        select(Survey)
        .where(
            Survey.brand_id == link.brand_id,
            Survey.phase_id == link.phase_id,
            Survey.active.is_(True),
        )
        .order_by(Survey.id.desc())
        .limit(1)
    )


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=6, border=4, xmldecl=False, title="QR", dark="#000000"
    )
    return buffer.getvalue()
