"""Loyalty: points for answering, kept in an append-only ledger.

It imports only app.extensions.db and its own modules. Functions that write join the caller's
transaction and never commit (the pipeline batch, a review's moderation, an API request), so
points commit together with whatever earned them; expiry.run is a job and commits itself.

    offers_points(brand_id, customer_id, survey_id=None, order=None) -> bool
    offers(get_policy(brand_id)) -> bool  # whether known customers' answers earn at all
    award_for_response(*, brand_id, customer_id, response_id, phase_id, text_length,
                       answered_at) -> int
    points_for_response(brand_id, response_id) -> int
    balance(brand_id, customer_id) -> int
    statement(brand_id, customer_id, *, before_id, limit) -> (entries, next before_id, balance)
    award_review_bonus(*, brand_id, customer_id, review_id) -> int
    clawback_review_bonus(*, brand_id, review_id, reason) -> int
    customer_token(brand_id, customer_id) -> str
    lock_customer(customer_id)  # what every balance change takes first, until the commit
    codes.add(brand_id, reward_key, codes) / codes.withdraw(brand_id, reward_key) /
    codes.pools(brand_id)  # voucher code pools
"""

from loyalty import codes
from loyalty.awards import (
    award_batch,
    award_for_response,
    award_review_bonus,
    clawback_review_bonus,
    offers_points,
    points_for_response,
)
from loyalty.errors import (
    BadToken,
    ExpiredToken,
    IdempotencyConflict,
    InsufficientPoints,
    LoyaltyError,
    NoCodeLeft,
    NoSuchReward,
    UnknownReward,
)
from loyalty.events import subscribe, unsubscribe
from loyalty.ledger import (
    adjust,
    adjust_once,
    balance,
    entries,
    lock_customer,
    redeem,
    statement,
)
from loyalty.models import LedgerEntry, LoyaltyPolicy, RewardCode
from loyalty.policy import (
    DEFAULTS,
    get_policy,
    is_default,
    offers,
    redeemed_name,
    reward_name,
    save_policy,
)
from loyalty.privacy import anonymise_customer, export_customer, unlink_responses
from loyalty.tokens import customer_token, read_token

__all__ = [
    "DEFAULTS",
    "BadToken",
    "ExpiredToken",
    "IdempotencyConflict",
    "InsufficientPoints",
    "LedgerEntry",
    "LoyaltyError",
    "LoyaltyPolicy",
    "NoCodeLeft",
    "NoSuchReward",
    "RewardCode",
    "UnknownReward",
    "adjust",
    "adjust_once",
    "anonymise_customer",
    "award_batch",
    "award_for_response",
    "award_review_bonus",
    "balance",
    "clawback_review_bonus",
    "codes",
    "customer_token",
    "entries",
    "export_customer",
    "get_policy",
    "is_default",
    "lock_customer",
    "offers",
    "offers_points",
    "points_for_response",
    "read_token",
    "redeem",
    "redeemed_name",
    "reward_name",
    "save_policy",
    "statement",
    "subscribe",
    "unlink_responses",
    "unsubscribe",
]
