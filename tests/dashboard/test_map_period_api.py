"""The stats API's ?period= gives the journey map's figures for the same period preset."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.models import MapRollup, Rollup
from app.models.base import utcnow
from app.schemas.dashboard import PERIODS as DASHBOARD_PERIODS
from tests.dashboard.test_map import map_figures, number


@pytest.mark.parametrize("period", list(DASHBOARD_PERIODS))
def test_every_dashboard_period_gives_the_maps_figures(dash, api, seeded, db, period):
    """The map's "How these figures are made" promises the API's numbers for the same filters."""
    journey = seeded["journey"]
    # half the answers fall before the shortest period; the journey events span them all
    long_ago = utcnow().date() - timedelta(days=10)
    for table in (MapRollup, Rollup):
        db.session.execute(update(table).where(table.id % 2 == 0).values(day=long_ago))
    db.session.commit()
    api_phases = api.get(
        f"/api/v1/journeys/{journey['id']}/stats?period={period}&persona=gezinnen"
    ).json["phases"]
    shown = map_figures(
        dash.html(f"/dashboard?journey={journey['id']}&period={period}&persona=gezinnen")
    )
    for phase in api_phases:
        column = shown[phase["phase"]]
        assert int(column["n"]) == phase["n"], (period, phase["phase"])
        assert number(column["nps"]) == phase["nps"]["score"], (period, phase["phase"])
        assert number(column["to-next"]) == phase["conversion"]["to_next"], (period, phase["phase"])
    answered = sum(phase["n"] for phase in api_phases)
    all_time = api.get(f"/api/v1/journeys/{journey['id']}/stats?persona=gezinnen").json["phases"]
    assert answered > 0
    if period == "7d":  # it leaves out the answers moved 10 days back
        assert answered < sum(phase["n"] for phase in all_time)
