"""What publishing or removing a review sets off in other features: points, webhooks, mail.

Loyalty (package `loyalty/`), webhooks (`app/services/webhooks.py`) and the mailer
(`app/services/mailer.py`) are separate features; each call goes through the interface they
publish. All of them run inside the caller's transaction, except mail, which is queued after
the commit.
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


def offers_points(brand_id: int) -> bool | None:
    """Whether the brand's loyalty policy offers points for answering; None if unknown."""
    offers = _feature("loyalty", "offers_points")
    return None if offers is None else bool(offers(brand_id, None))


def emit(brand_id: int, event: str, data: dict) -> bool:
    emit_webhook = _feature("app.services.webhooks", "emit")
    if emit_webhook is None:
        return False
    emit_webhook(brand_id, event, data)
    return True


def mailer():
    """The channels engineer's mailer module, or None when it does not exist (yet)."""
    try:
        return importlib.import_module("app.services.mailer")
    except ImportError:
        return None
