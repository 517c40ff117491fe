"""Voucher code pools: a brand's shop codes per catalogue reward, handed out once each by
redemptions that ask for one (the customer's own page, or the API with `with_code`).

A pool is the brand's: uploading checks every code first and stores all or nothing; a code
already in any of the brand's pools is a duplicate and left out (the same shop code in two
pools would reach two customers as two vouchers). Taking a code joins the redemption's
transaction, which already holds the customer's lock: on PostgreSQL the row is taken with
FOR UPDATE SKIP LOCKED, so redemptions of different customers take different codes without
waiting for each other; on SQLite the customer lock is the database's write lock already.
"""

import re

from sqlalchemy import case, delete, exists, func, select, update

from app.extensions import db
from loyalty.errors import BadCodes, NoCodeLeft, NoSuchReward
from loyalty.models import RewardCode, utcnow
from loyalty.policy import get_policy, reward
from loyalty.tables import insert

# What shops accept as a discount code (Shopify, WooCommerce, Lightspeed, Magento): letters,
# digits, dashes, underscores and dots; no spaces, which a paste would make ambiguous.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,63}")
CODE_RULE = "3-64 letters, digits, '-', '_' or '.', starting with a letter or digit"
MAX_CODES = 5_000  # per upload; more in a second one
LOW = 10  # a pool with fewer codes left is shown as running low in the dashboard
ERRORS_SHOWN = 20


def catalogue_reward(brand_id: int, reward_key: str) -> dict:
    item = reward(get_policy(brand_id), reward_key)
    if item is None:
        raise NoSuchReward(f"{reward_key!r} is not a reward of the catalogue", "reward")
    return item


def known(brand_id: int, reward_key: str) -> None:
    """NoSuchReward unless the key is a catalogue reward or a pool the brand has (the codes of
    a reward taken out of the catalogue stay the brand's, to count or remove)."""
    has_pool = db.session.scalar(
        select(exists().where(RewardCode.brand_id == brand_id, RewardCode.reward_key == reward_key))
    )
    if not has_pool:
        catalogue_reward(brand_id, reward_key)


def checked(codes: list, first_line: int = 0) -> list[str]:
    """The codes trimmed, blank ones left out, in their order; BadCodes naming each bad one
    (by its index + first_line) when any is, so nothing of a bad upload is stored."""
    kept, errors = [], {}
    for index, value in enumerate(codes):
        if not isinstance(value, str):
            errors[f"codes.{index + first_line}"] = ["a code must be a text"]
            continue
        value = value.strip()
        if not value:
            continue
        if len(value) > 64:
            errors[f"codes.{index + first_line}"] = [f"longer than 64 characters: {CODE_RULE}"]
        elif not CODE.fullmatch(value):
            errors[f"codes.{index + first_line}"] = [CODE_RULE]
        else:
            kept.append(value)
    if errors:
        names = list(errors)
        shown = {name: errors[name] for name in names[:ERRORS_SHOWN]}
        if len(names) > ERRORS_SHOWN:
            shown["codes"] = [f"{len(names) - ERRORS_SHOWN} more codes are not valid either"]
        verb = "is" if len(names) == 1 else "are"
        raise BadCodes(f"{len(names)} of the codes {verb} not valid; nothing was stored", shown)
    if not kept:
        raise BadCodes("no codes were sent", {"codes": ["add at least one code"]})
    if len(kept) > MAX_CODES:
        too_many = f"at most {MAX_CODES:,} codes at a time; this has {len(kept):,}"
        raise BadCodes("too many codes", {"codes": [too_many]})
    return kept


def add(brand_id: int, reward_key: str, codes: list, first_line: int = 0) -> dict:
    """Add codes to a catalogue reward's pool; {"added", "duplicates", **counts}.

    Joins the caller's transaction. A code the brand has already (in any pool, handed out or
    not) or twice in this upload is counted as a duplicate and stored once."""
    catalogue_reward(brand_id, reward_key)
    kept = checked(codes, first_line)
    unique = list(dict.fromkeys(kept))
    now = utcnow()
    added = 0
    for start in range(0, len(unique), 1000):
        rows = [
            {"brand_id": brand_id, "reward_key": reward_key, "code": code, "created_at": now}
            for code in unique[start : start + 1000]
        ]
        result = db.session.execute(
            insert(RewardCode)
            .on_conflict_do_nothing(index_elements=["brand_id", "code"])
            .returning(RewardCode.id),
            rows,
        )
        added += len(result.all())
    return {"added": added, "duplicates": len(kept) - added, **counts(brand_id, reward_key)}


def withdraw(brand_id: int, reward_key: str) -> dict:
    """Remove the pool's codes not handed out yet (a wrong or expired batch); {"removed",
    **counts}. Handed-out codes stay: they are the redemptions' record. Also for a pool whose
    reward left the catalogue; a key with neither is NoSuchReward. Joins the caller's
    transaction.

    A redemption that holds a code (take's FOR UPDATE) makes the DELETE wait for it; once
    committed the code is handed out and the DELETE's condition, checked again, keeps it."""
    known(brand_id, reward_key)
    removed = db.session.execute(
        delete(RewardCode).where(
            RewardCode.brand_id == brand_id,
            RewardCode.reward_key == reward_key,
            RewardCode.handed_out_at.is_(None),
        )
    ).rowcount
    return {"removed": removed, **counts(brand_id, reward_key)}


def pools(brand_id: int, reward_key: str | None = None) -> dict[str, dict]:
    """{reward key: {"available", "handed_out", "low"}} of every pool the brand has (or of
    one reward's)."""
    available = func.sum(case((RewardCode.handed_out_at.is_(None), 1), else_=0))
    query = select(RewardCode.reward_key, available, func.count()).where(
        RewardCode.brand_id == brand_id
    )
    if reward_key is not None:
        query = query.where(RewardCode.reward_key == reward_key)
    rows = db.session.execute(query.group_by(RewardCode.reward_key)).all()
    return {key: _counts(int(left), int(total)) for key, left, total in rows}


def counts(brand_id: int, reward_key: str) -> dict:
    """One pool's {"available", "handed_out", "low"}; zeros for a reward without codes."""
    return pools(brand_id, reward_key).get(reward_key, _counts(0, 0))


def _counts(available: int, total: int) -> dict:
    return {
        "available": available,
        "handed_out": total - available,
        "low": total > 0 and available < LOW,
    }


def take(brand_id: int, reward_key: str) -> RewardCode:
    """The pool's oldest code still free, locked for this transaction; NoCodeLeft if none.
    The caller holds the customer's lock and hands the code out (hand_out) before it commits."""
    code = db.session.scalar(
        select(RewardCode)
        .where(
            RewardCode.brand_id == brand_id,
            RewardCode.reward_key == reward_key,
            RewardCode.handed_out_at.is_(None),
        )
        .order_by(RewardCode.id)
        .limit(1)
        # SKIP LOCKED: another customer's redemption holding the first free code takes it;
        # this one takes the next instead of waiting. SQLite ignores the clause: its writer
        # holds the database's write lock (the customer lock) already.
        .with_for_update(skip_locked=True)
    )
    if code is None:
        raise NoCodeLeft("this reward has no codes left; nothing was redeemed", "reward")
    return code


def hand_out(code: RewardCode, entry_id: int) -> None:
    """Mark the code as given with the redemption entry that carries it (never undone)."""
    db.session.execute(
        update(RewardCode)
        .where(RewardCode.id == code.id, RewardCode.handed_out_at.is_(None))
        .values(handed_out_at=utcnow(), entry_id=entry_id)
    )
