"""Loading the logged-in marketer for Flask-Login."""

import hmac

from app import ids
from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session names (User.get_id: "<id>.<check>"), if the check still holds."""
    number, _, check = session_id.partition(".")
    number = ids.number(number)
    user = None if number is None else db.session.get(User, number)
    if user is None or not hmac.compare_digest(check.encode(), user.session_check().encode()):
        return None
    return user
