"""What the channels tell customers about points, through the loyalty package's interface.

Loyalty is a separate feature; when it is not installed the channels simply say nothing
about points (and never claim an answer is incentivized).
"""

import importlib


def _loyalty_function(name: str):
    try:
        module = importlib.import_module("loyalty")
    except ImportError:
        return None
    return getattr(module, name, None)


def offers_points(brand_id: int, customer_id: int | None) -> bool:
    """Would an answer from this customer earn points? Never depends on the score."""
    offers = _loyalty_function("offers_points")
    return bool(offers(brand_id, customer_id)) if offers else False


def points_for_response(brand_id: int, response_id: int) -> int | None:
    """Points already awarded for this answer (0 while the pipeline is still busy); None if
    loyalty is not installed."""
    points = _loyalty_function("points_for_response")
    if points is None:
        return None
    return int(points(brand_id, response_id) or 0)
