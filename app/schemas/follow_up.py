"""What the account page's follow-up alert form takes: on or off, and for which phases."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.schemas.common import StrictBoolean

SCOPES = ("all", "selected")


class FollowUpAlertsIn(Schema):
    alerts_on = StrictBoolean(load_default=False)  # an unticked box sends nothing
    scope = fields.String(
        load_default="all",
        validate=validate.OneOf(SCOPES, error="must be all phases or the phases chosen"),
    )
    # The brand's phase keys (services.follow_up checks them); kept while alerts are off.
    phases = fields.List(
        fields.String(validate=validate.Length(min=1, max=48)),
        load_default=list,
        validate=validate.Length(max=200),
    )

    @validates_schema
    def some_phase_chosen(self, data, **kwargs):
        # "Only these phases" with none ticked would mean no alert ever: say so instead.
        if data.get("scope") == "selected" and not data.get("phases"):
            raise ValidationError("choose at least one phase, or all phases", "phases")
