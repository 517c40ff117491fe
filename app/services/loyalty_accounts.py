"""Loyalty accounts behind the API: the brand's policy, a customer's ledger, adjustments and
redemptions. The rules live in the loyalty package; this module finds the brand's customer,
owns the transaction and turns loyalty's refusals into the one error shape."""

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

import loyalty
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Customer
from app.services import customers
from app.services.public_urls import absolute
from app.services.responses import decode_cursor, encode_cursor


def as_app_error(error: loyalty.LoyaltyError) -> AppError:
    fields = getattr(error, "fields", None) or (
        {error.field: [error.message]} if error.field else None
    )
    return AppError(error.status, error.message, code=error.code, fields=fields)


def _write(action: Callable):
    """Run a ledger write and commit; on a refusal roll back, so nothing is stored.

    A write that runs into a unique key another request took meanwhile is run once more: the
    same Idempotency-Key sent for two customers at once passes both customers' locks, both
    find no entry, and the second INSERT fails. Run again, it finds the first one's entry and
    answers as for any repeated key (the same redemption, or a 409)."""
    for attempt in (1, 2):
        try:
            result = action()
            db.session.commit()
            return result
        except loyalty.LoyaltyError as error:
            db.session.rollback()
            raise as_app_error(error) from error
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise


def get_policy(brand: Brand) -> dict:
    return loyalty.get_policy(brand.id)


def update_policy(brand: Brand, changes: dict) -> dict:
    return _write(lambda: loyalty.save_policy(brand.id, changes))


def page_url(brand: Brand, customer: Customer) -> str:
    return absolute(f"/loyalty/{loyalty.customer_token(brand.id, customer.id)}")


def account(brand: Brand, external_id: str, query: dict) -> dict:
    customer = customers.get(brand, external_id)
    before = decode_cursor(query["cursor"]) if query.get("cursor") else None
    items, next_before, balance = loyalty.statement(
        brand.id, customer.id, before_id=before, limit=query.get("limit", 50)
    )
    return {
        "customer": customer.external_id,
        "balance": balance,
        "entries": items,
        "next_cursor": encode_cursor(next_before) if next_before else None,
        "page_url": page_url(brand, customer),
    }


def _entry_out(entry, brand: Brand, customer: Customer) -> dict:
    return {
        **entry.as_dict(),
        "phase": None,  # an adjustment or a redemption is no phase's: a statement says it so
        "customer": customer.external_id,
        "balance": loyalty.balance(brand.id, customer.id),  # read under the customer's lock
    }


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= 64:
        raise AppError(
            422,
            "Idempotency-Key must be 1-64 characters",
            fields={"Idempotency-Key": ["1-64 characters"]},
        )


def adjust(
    brand: Brand, external_id: str, data: dict, idempotency_key: str | None = None
) -> tuple[dict, bool]:
    """(entry, created): 409 when a negative one is larger than the balance; the same
    Idempotency-Key again returns the first adjustment with created=False."""
    _check_idempotency_key(idempotency_key)
    points, reason = data["points"], data["reason"]

    def write():
        customer = customers.get(brand, external_id, lock=True)  # not while being erased
        if idempotency_key is None:
            entry = loyalty.adjust(brand.id, customer.id, points=points, reason=reason)
            created = True
        else:
            entry, created = loyalty.adjust_once(
                brand.id, customer.id, points=points, reason=reason, key=idempotency_key
            )
        return _entry_out(entry, brand, customer), created

    return _write(write)


def redeem(
    brand: Brand, external_id: str, data: dict, idempotency_key: str | None = None
) -> tuple[dict, bool]:
    """(entry, created): 409 when the balance is short; the same Idempotency-Key again returns
    the first redemption with created=False."""
    _check_idempotency_key(idempotency_key)

    def write():
        customer = customers.get(brand, external_id, lock=True)  # not while being erased
        entry, created = loyalty.redeem(
            brand.id,
            customer.id,
            reward_key=data["reward"],
            points=data.get("points"),
            key=idempotency_key,
            with_code=data.get("with_code", False),
        )
        return _entry_out(entry, brand, customer), created

    return _write(write)


def reward_codes(brand: Brand, reward_key: str) -> dict:
    """A reward's pool: {"reward", "available", "handed_out", "low"}; 404 for a key that is
    neither in the brand's catalogue nor a pool of its."""
    try:
        loyalty.codes.known(brand.id, reward_key)
    except loyalty.LoyaltyError as error:
        raise as_app_error(error) from error
    return {"reward": reward_key, **loyalty.codes.counts(brand.id, reward_key)}


def withdraw_reward_codes(brand: Brand, reward_key: str) -> dict:
    """Remove a pool's codes not handed out yet: {"reward", "removed", "available",
    "handed_out", "low"}; 404 for a key that is neither a reward nor a pool of the brand."""
    return {"reward": reward_key, **_write(lambda: loyalty.codes.withdraw(brand.id, reward_key))}


def add_reward_codes(brand: Brand, reward_key: str, codes: list, first_line: int = 0) -> dict:
    """Add voucher codes to a reward's pool, all or nothing: {"reward", "added",
    "duplicates", "available", "handed_out", "low"}. A bad code is a 422 naming it
    (`codes.<n>`, counted from first_line), and nothing is stored."""
    added = _write(lambda: loyalty.codes.add(brand.id, reward_key, codes, first_line))
    return {"reward": reward_key, **added}
