"""Loading the logged-in marketer for Flask-Login."""

from app import ids
from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    number = ids.number(user_id)
    return None if number is None else db.session.get(User, number)
