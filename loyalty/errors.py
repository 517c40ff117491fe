"""What loyalty refuses. The app turns these into its error shape (409 / 422 / 404)."""


class LoyaltyError(Exception):
    status = 422
    code = "loyalty_error"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InsufficientPoints(LoyaltyError):
    """The balance does not cover a redemption or a negative adjustment."""

    status = 409
    code = "insufficient_points"

    def __init__(self, balance: int, needed: int):
        super().__init__(f"the balance is {balance} points; {needed} are needed", "points")
        self.balance = balance
        self.needed = needed


class UnknownReward(LoyaltyError):
    code = "unknown_reward"


class IdempotencyConflict(LoyaltyError):
    """An Idempotency-Key reused for a different redemption."""

    status = 409
    code = "idempotency_conflict"


class BadToken(LoyaltyError):
    status = 404
    code = "not_found"


class ExpiredToken(LoyaltyError):
    status = 410
    code = "gone"


class NoSuchReward(LoyaltyError):
    """Not a reward of this brand's catalogue: as another brand's row, a 404."""

    status = 404
    code = "not_found"


class NoCodeLeft(LoyaltyError):
    """The reward's pool is empty: nothing is redeemed."""

    status = 409
    code = "no_code_left"


class BadCodes(LoyaltyError):
    """Codes that cannot be stored, each named by its position (`codes.<n>`)."""

    code = "validation_error"  # what the API's schemas answer for a bad field

    def __init__(self, message: str, fields: dict[str, list[str]]):
        super().__init__(message, "codes")
        self.fields = fields
