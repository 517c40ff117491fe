"""What the channels tell customers about points, through the loyalty package's interface."""

import loyalty


def offers_points(brand_id: int, customer_id: int | None, survey_id: int | None = None) -> bool:
    """Would an answer from this customer to this survey earn points? Never depends on the
    score; no when the person already earned for this phase survey."""
    return loyalty.offers_points(brand_id, customer_id, survey_id)


def brand_offers_points(brand_id: int) -> bool:
    """Whether a known customer's first answer to one of this brand's phase surveys earns
    points: what a preview of the invitation email says."""
    return loyalty.offers(loyalty.get_policy(brand_id))


def points_for_response(brand_id: int, response_id: int) -> int:
    """Points already awarded for this answer (0 while the pipeline is still busy)."""
    return loyalty.points_for_response(brand_id, response_id)
