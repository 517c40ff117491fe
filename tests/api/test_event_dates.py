"""An event's occurred_at may be old (imported history) but not in the future."""

from datetime import timedelta

import pytest

from app.models import Customer, JourneyEvent
from app.models.base import utcnow


def _at(moment) -> str:
    return moment.isoformat() + "+00:00"


@pytest.mark.parametrize(
    "when", ["2099-01-01T00:00:00+00:00", _at(utcnow() + timedelta(days=1, hours=1))]
)
def test_a_future_event_is_refused_and_nothing_stored(api, journey, count_rows, when):
    body = {"customer": "c1", "journey_id": journey["id"], "phase": "aankoop", "occurred_at": when}
    refused = api.post("/api/v1/events", json=body)
    assert refused.status_code == 422
    error = refused.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert any(name.endswith("occurred_at") for name in error["fields"]), error
    assert count_rows(JourneyEvent) == 0 and count_rows(Customer) == 0


@pytest.mark.parametrize("when", ["1990-01-01T00:00:00+00:00", _at(utcnow() + timedelta(hours=20))])
def test_old_history_and_a_clock_a_little_ahead_are_taken(api, journey, when):
    body = {"customer": "c1", "journey_id": journey["id"], "phase": "aankoop", "occurred_at": when}
    assert api.post("/api/v1/events", json=body).status_code == 201
