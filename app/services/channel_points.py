"""What the channels tell customers about points, through the loyalty package's interface."""

import loyalty
from app.services import orders, survey_specs


def offers_points(
    brand_id: int, customer_id: int | None, survey_id: int | None = None, order: str | None = None
) -> bool:
    """Would an answer from this customer to this survey (about this order: answer_order's)
    earn points? Never depends on the score; no when the person already earned for this
    phase survey and order."""
    return loyalty.offers_points(brand_id, customer_id, survey_id, order)


def answer_order(
    brand_id: int, customer_id: int | None, survey_id: int, named: str | None = None
) -> str | None:
    """The order an answer of this customer to this survey is about: the one its invitation
    names, else her latest order in the survey's phase (services.orders), else none."""
    if named is not None or customer_id is None:
        return named
    return orders.latest(customer_id, survey_specs.get(brand_id, survey_id).phase_id)


def brand_offers_points(brand_id: int) -> bool:
    """Whether a known customer's first answer to one of this brand's phase surveys earns
    points: what a preview of the invitation email says."""
    return loyalty.offers(loyalty.get_policy(brand_id))


def points_for_response(brand_id: int, response_id: int) -> int:
    """Points already awarded for this answer (0 while the pipeline is still busy)."""
    return loyalty.points_for_response(brand_id, response_id)
