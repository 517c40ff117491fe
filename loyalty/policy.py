"""A brand's loyalty rules: what answering earns, the caps, expiry and the rewards catalogue.

A brand without a stored policy gets DEFAULTS, which award points for answering, so a new
brand's customers earn from their first answer.
"""

import copy

from app.extensions import db
from loyalty.errors import LoyaltyError
from loyalty.models import LoyaltyPolicy, utcnow

FIELDS = (
    "enabled",
    "points_per_answer",
    "text_bonus",
    "text_min_chars",
    "review_bonus",
    "daily_cap",
    "expiry_months",
    "rewards",
)

DEFAULTS = {
    "enabled": True,
    "points_per_answer": 10,
    "text_bonus": 5,
    "text_min_chars": 20,
    "review_bonus": 25,
    "daily_cap": 50,
    "expiry_months": 12,
    "rewards": [
        {
            "key": "voucher-5",
            "name": {"nl": "Tegoedbon van € 5", "en": "€5 voucher"},
            "points": 100,
        },
        {
            "key": "voucher-15",
            "name": {"nl": "Tegoedbon van € 15", "en": "€15 voucher"},
            "points": 250,
        },
        {"key": "gift", "name": {"nl": "Verrassingscadeau", "en": "Surprise gift"}, "points": 500},
    ],
}


def get_policy(brand_id: int) -> dict:
    """The brand's policy as a plain dict (the defaults when none is stored)."""
    row = db.session.get(LoyaltyPolicy, brand_id)
    if row is None:
        return copy.deepcopy(DEFAULTS)
    return {name: copy.deepcopy(getattr(row, name)) for name in FIELDS}


def is_default(brand_id: int) -> bool:
    """Whether the brand runs on DEFAULTS, never having set a policy of its own."""
    return db.session.get(LoyaltyPolicy, brand_id) is None


def save_policy(brand_id: int, changes: dict) -> dict:
    """Merge changes into the brand's policy (fields left out keep their value); no commit."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise LoyaltyError(f"unknown policy fields: {sorted(unknown)}", sorted(unknown)[0])
    rewards = changes.get("rewards")
    if rewards is not None:
        keys = [reward["key"] for reward in rewards]
        if len(keys) != len(set(keys)):
            raise LoyaltyError("reward keys must be unique", "rewards")
    merged = {**get_policy(brand_id), **copy.deepcopy(changes)}
    row = db.session.get(LoyaltyPolicy, brand_id)
    if row is None:
        row = LoyaltyPolicy(brand_id=brand_id)
        db.session.add(row)
    for name in FIELDS:
        setattr(row, name, merged[name])
    row.updated_at = utcnow()
    db.session.flush()
    return merged


def reward(policy: dict, key: str | None) -> dict | None:
    return next((item for item in policy["rewards"] if item["key"] == key), None)


def reward_name(item: dict, locale: str) -> str:
    """A reward's name in this locale; names are a string or {"nl": …, "en": …}."""
    name = item.get("name")
    if isinstance(name, dict):
        return name.get(locale) or next(iter(name.values()), item["key"])
    return name or item["key"]


def redeemed_name(entry: dict, policy: dict, locale: str) -> str:
    """A redemption's reward name: as kept with the entry, else (entries from before names
    were kept) as the catalogue has it today, else the key."""
    if entry.get("reward_name"):
        return reward_name({"key": entry["reward"], "name": entry["reward_name"]}, locale)
    item = reward(policy, entry["reward"])
    return reward_name(item, locale) if item else entry["reward"]


def offers(policy: dict) -> bool:
    return bool(policy["enabled"]) and (policy["points_per_answer"] > 0 or policy["text_bonus"] > 0)
