"""/api/v1 loyalty: the brand's policy, a customer's points, adjustments and redemptions, and
the voucher code pools of its rewards."""

from flask import make_response, request

from app.api.auth import current_brand, protect
from app.api.blueprint import Blueprint, idempotency_header
from app.schemas.loyalty import (
    Account,
    AccountQuery,
    AdjustmentIn,
    EntryOut,
    Policy,
    RedemptionIn,
    RewardCodePool,
    RewardCodesAdded,
    RewardCodesIn,
    RewardCodesRemoved,
)
from app.services import loyalty_accounts

blp = Blueprint(
    "loyalty",
    __name__,
    url_prefix="/api/v1",
    description="Loyalty points for answering: policy, ledger, adjustments, redemptions",
)
protect(blp)


@blp.route("/loyalty/policy", methods=["GET"])
@blp.response(200, Policy)
def get_policy():
    """The brand's loyalty policy (a new brand has a default that awards points for answering)."""
    return loyalty_accounts.get_policy(current_brand())


@blp.route("/loyalty/policy", methods=["PUT"])
@blp.arguments(Policy)
@blp.response(200, Policy)
def put_policy(data):
    """Change the policy; fields left out keep their value. Points never depend on the score."""
    return loyalty_accounts.update_policy(current_brand(), data)


@blp.route("/customers/<path:external_id>/loyalty", methods=["GET"])
@blp.arguments(AccountQuery, location="query")
@blp.response(200, Account)
def get_account(query, external_id):
    """A customer's balance (a SUM over the ledger) and entries, newest first, with a cursor."""
    return loyalty_accounts.account(current_brand(), external_id, query)


@blp.route("/customers/<path:external_id>/adjustments", methods=["POST"])
@blp.arguments(AdjustmentIn)
@blp.response(201, EntryOut)
@blp.alt_response(200, schema=EntryOut, description="The same Idempotency-Key again")
@blp.alt_response(409, description="A negative adjustment larger than the balance")
@blp.doc(**idempotency_header("The same key again returns the first adjustment, no second one", 64))
def create_adjustment(data, external_id):
    """Add or remove points by hand, with a reason; a ledger entry of kind `adjust`."""
    entry, created = loyalty_accounts.adjust(
        current_brand(), external_id, data, request.headers.get("Idempotency-Key")
    )
    return make_response(EntryOut().dump(entry), 201 if created else 200)


@blp.route("/customers/<path:external_id>/redemptions", methods=["POST"])
@blp.arguments(RedemptionIn)
@blp.response(201, EntryOut)
@blp.alt_response(200, schema=EntryOut, description="The same Idempotency-Key again")
@blp.alt_response(
    409,
    description="The balance is short (code insufficient_points), or with with_code the "
    "reward's pool is empty (code no_code_left)",
)
@blp.doc(**idempotency_header("The same key again returns the first redemption, no second one", 64))
def create_redemption(data, external_id):
    """Spend points on a reward; safe under concurrency, the balance never goes below zero."""
    entry, created = loyalty_accounts.redeem(
        current_brand(), external_id, data, request.headers.get("Idempotency-Key")
    )
    return make_response(EntryOut().dump(entry), 201 if created else 200)


@blp.route("/loyalty/rewards/<reward_key>/codes", methods=["GET"])
@blp.response(200, RewardCodePool)
@blp.alt_response(404, description="Neither a reward of the brand's catalogue nor a pool of its")
def get_reward_codes(reward_key):
    """How many voucher codes a reward has left and has handed out (also the pool of a reward
    taken out of the catalogue)."""
    return loyalty_accounts.reward_codes(current_brand(), reward_key)


@blp.route("/loyalty/rewards/<reward_key>/codes", methods=["POST"])
@blp.arguments(RewardCodesIn)
@blp.response(201, RewardCodesAdded)
@blp.alt_response(404, description="Not a reward of the brand's catalogue")
def add_reward_codes(data, reward_key):
    """Add the shop's voucher codes to a catalogue reward's pool.

    Customers then redeem the reward on their own page and get one code each. All or nothing:
    a bad code is a 422 naming it; codes the brand has already are left out and counted as
    duplicates."""
    return loyalty_accounts.add_reward_codes(current_brand(), reward_key, data["codes"])


@blp.route("/loyalty/rewards/<reward_key>/codes", methods=["DELETE"])
@blp.response(200, RewardCodesRemoved)
@blp.alt_response(404, description="Neither a reward of the brand's catalogue nor a pool of its")
def remove_reward_codes(reward_key):
    """Remove the codes of a reward's pool that are not handed out yet (a wrong or expired
    batch); handed-out codes stay with their redemptions. Customers then see the reward as
    temporarily unavailable until codes are added again. Sent twice, the second removes 0."""
    return loyalty_accounts.withdraw_reward_codes(current_brand(), reward_key)
