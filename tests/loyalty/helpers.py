"""Building blocks for the loyalty tests: customers and received responses, made directly."""

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Brand, Customer, Response, Survey
from app.models.base import utcnow
from app.services import answers as answer_rules

ANGRY = "Verschrikkelijk! De monteurs waren te laat en alles is kapot, nooit meer."
HAPPY = "Geweldig! De monteurs waren keurig op tijd en alles is prachtig, echt top."


def customer(brand: Brand, external_id: str, email: str | None = None) -> Customer:
    """A customer row as it is stored (the email exactly as given, to test normalising)."""
    row = Customer(brand_id=brand.id, external_id=external_id, email=email, consent={})
    db.session.add(row)
    db.session.commit()
    return row


def response(
    brand: Brand,
    survey_id: int,
    who: Customer | None,
    *,
    nps: int = 7,
    text: str | None = None,
    channel: str = "api",
    created_at: datetime | None = None,
) -> Response:
    """A received (unprocessed) response, so a test decides when points are awarded."""
    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id))
    answers = {"nps": nps}
    if text is not None:
        answers["why"] = text
    answers = answer_rules.validate(survey, answers)
    row = Response(
        brand_id=brand.id,
        journey_id=survey.journey_id,
        phase_id=survey.phase_id,
        survey_id=survey.id,
        customer_id=who.id if who else None,
        channel=channel,
        locale="nl",
        answers=answers,
        created_at=created_at or utcnow(),
        **answer_rules.typed_values(survey, answers),
    )
    db.session.add(row)
    db.session.commit()
    return row


def award(row: Response) -> int:
    import loyalty

    points = loyalty.award_for_response(
        brand_id=row.brand_id,
        customer_id=row.customer_id,
        response_id=row.id,
        phase_id=row.phase_id,
        text_length=len(row.comment or ""),
        answered_at=row.created_at,
    )
    db.session.commit()
    return points
