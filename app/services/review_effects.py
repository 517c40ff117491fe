"""What publishing or removing a review sets off in other features: points and webhooks.

Loyalty (package `loyalty/`) and webhooks (`app/services/webhooks.py`) are separate features;
each call goes through the interface they publish and joins the caller's transaction, so the
points and the webhook deliveries commit together with the moderation that caused them.
"""

import loyalty
from app.services import webhooks


def award_bonus(review) -> int:
    if review.customer_id is None:
        return 0
    return loyalty.award_review_bonus(
        brand_id=review.brand_id, customer_id=review.customer_id, review_id=review.id
    )


def claw_back_bonus(review, reason: str) -> int:
    return loyalty.clawback_review_bonus(
        brand_id=review.brand_id, review_id=review.id, reason=reason
    )


def loyalty_terms(brand_id: int) -> dict:
    """What the brand's loyalty policy offers, for the disclosure page."""
    policy = loyalty.get_policy(brand_id)
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


def emit(brand_id: int, event: str, data: dict) -> None:
    webhooks.emit(brand_id, event, data)
