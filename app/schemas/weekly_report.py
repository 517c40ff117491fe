"""What the account page's weekly report form takes: on or off."""

from marshmallow import Schema

from app.schemas.common import StrictBoolean


class WeeklyReportIn(Schema):
    weekly_report_on = StrictBoolean(load_default=False)  # an unticked box sends nothing
