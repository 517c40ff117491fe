"""The dashboard's query strings: the stats API's filters plus the page's own choices."""

from marshmallow import Schema, fields, validate

from app.schemas.common import ONE_LINE, Id
from app.schemas.stats import PERIODS, StatsQuery
from app.services.follow_up import HANDLED_STATES
from app.services.trends import GRAINS
from app.services.verbatims import CATEGORIES, SENTIMENTS


class MapQuery(StatsQuery):
    """Filters kept in the URL: ?journey=&period=&from=&to=&persona=&channel=&touchpoint=&locale="""

    journey = Id()
    period = fields.String(validate=validate.OneOf([*PERIODS, "all"]))


class PhaseQuery(MapQuery):
    grain = fields.String(validate=validate.OneOf(GRAINS))  # none picked: the page chooses
    sentiment = fields.String(validate=validate.OneOf(SENTIMENTS))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    score = fields.Integer(validate=validate.Range(min=0, max=10))
    # the written answers (the default), or every answer that needs a follow-up
    show = fields.String(validate=validate.OneOf(("written", "follow_up")))
    # of those: still open (the default), marked handled, or all
    handled = fields.String(validate=validate.OneOf(HANDLED_STATES))
    cursor = fields.String(validate=validate.Length(max=200))
    # words the written answer contains ("kapot"), in any case
    words = fields.String(validate=[validate.Length(min=1, max=100), ONE_LINE])


class CustomerSearch(Schema):
    """The customer lookup's one field: an email address or an external id, exactly. Up to
    254 characters (an address's limit; an external id has at most 128), on one line."""

    q = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=254, error="1 to 254 characters"), ONE_LINE],
    )


class CustomerQuery(Schema):
    """A customer's page: the cursor of each list's "Older" link (one list pages at a time)."""

    answers = fields.String(validate=validate.Length(max=200))
    invitations = fields.String(validate=validate.Length(max=200))
    events = fields.String(validate=validate.Length(max=200))
    points = fields.String(validate=validate.Length(max=200))
