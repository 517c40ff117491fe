"""What the Team and account pages take: a new login, a role, and a new password typed twice."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.brand import User

MIN_PASSWORD = 10
# The login form reads at most 512 characters: a longer password could never log in.
MAX_PASSWORD = 512
# `flask user create` (services.users.create_user) keeps the same rule.
PASSWORD = validate.Length(
    min=MIN_PASSWORD, max=MAX_PASSWORD, error="needs at least {min} characters (and at most {max})"
)
ROLE = validate.OneOf(User.ROLES, error="must be one of: owner, editor, viewer")


class TeamMemberIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=ROLE)


class RoleIn(Schema):
    role = fields.String(required=True, validate=ROLE)


class NewPassword(Schema):
    """A welcome link's first password."""

    password = fields.String(required=True, validate=PASSWORD)
    password_again = fields.String(required=True)

    @validates_schema
    def typed_alike(self, data, **kwargs):
        # A typo in a password nobody can see would lock its owner out at the next login.
        if "password" in data and data.get("password_again") != data["password"]:
            raise ValidationError("does not match the new password", "password_again")


class PasswordChange(NewPassword):
    current_password = fields.String(
        required=True, validate=validate.Length(min=1, error="required")
    )
