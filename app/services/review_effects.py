"""What publishing or removing a review sets off in other features: points, webhooks, mail.

Loyalty (package `loyalty/`) and webhooks (`app/services/webhooks.py`) are separate features;
each call goes through the interface they publish and runs inside the caller's transaction.
While a feature is not installed its call is skipped, so reviews work on their own.
"""

import importlib
import logging

log = logging.getLogger(__name__)


def _feature(module: str, name: str):
    """The named function of a feature module, or None while that feature is not installed."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(found, name, None)


def award_bonus(review) -> int:
    award = _feature("loyalty", "award_review_bonus")
    if award is None or review.customer_id is None:
        return 0
    return award(brand_id=review.brand_id, customer_id=review.customer_id, review_id=review.id)


def claw_back_bonus(review, reason: str) -> int:
    claw_back = _feature("loyalty", "clawback_review_bonus")
    if claw_back is None:
        return 0
    return claw_back(brand_id=review.brand_id, review_id=review.id, reason=reason)


def loyalty_terms(brand_id: int) -> dict | None:
    """What the brand's loyalty policy offers, for the disclosure page; None if unknown."""
    get_policy = _feature("loyalty", "get_policy")
    if get_policy is None:
        return None
    policy = get_policy(brand_id)
    per_answer = int(policy.get("points_per_answer") or 0)
    text_bonus = int(policy.get("text_bonus") or 0)
    enabled = bool(policy.get("enabled"))
    return {
        "offers": enabled and (per_answer > 0 or text_bonus > 0),
        "points_per_answer": per_answer,
        "text_bonus": text_bonus,
        "text_min_chars": int(policy.get("text_min_chars") or 0),
        "review_bonus": int(policy.get("review_bonus") or 0) if enabled else 0,
    }


def emit(brand_id: int, event: str, data: dict) -> bool:
    emit_webhook = _feature("app.services.webhooks", "emit")
    if emit_webhook is None:
        return False
    emit_webhook(brand_id, event, data)
    return True
