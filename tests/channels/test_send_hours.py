"""A brand's sending hours: invitations a journey event schedules and reminders wait for them,
in the brand's time zone; invitations sent by hand go at once."""

from datetime import UTC, datetime, timedelta

import pytest

from app import timestamps
from app.models import Brand, Invitation
from app.models.base import utcnow
from tests.channels.helpers import assert_error
from tests.dashboard.conftest import Dashboard, users  # noqa: F401 — the fixture, for logins

AMSTERDAM = "Europe/Amsterdam"


def utc(*args) -> datetime:
    return datetime(*args)  # naive UTC, as stored


@pytest.mark.parametrize(
    "moment, moved",
    [
        (utc(2026, 12, 7, 9, 30), utc(2026, 12, 7, 9, 30)),  # 10:30 there: within
        (utc(2026, 12, 7, 2, 0), utc(2026, 12, 7, 7, 0)),  # 03:00 there: that morning at 8
        (utc(2026, 12, 7, 20, 0), utc(2026, 12, 8, 7, 0)),  # 21:00 there: the next morning
        (utc(2026, 12, 7, 19, 59), utc(2026, 12, 7, 19, 59)),  # 20:59 there: still within
        # the night before summer time starts (29 March 2026): 8 o'clock is 06:00 UTC then
        (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 6, 0)),
    ],
)
def test_a_moment_moves_to_the_next_sending_hour(moment, moved):
    assert timestamps.within_hours(moment, AMSTERDAM, 8, 21) == moved


def test_hours_a_spring_jump_swallows_are_the_next_days():
    """Amsterdam has no 02:00-03:00 on 29 March 2026: 2 to 3 o'clock is the 30th's."""
    moved = timestamps.within_hours(utc(2026, 3, 28, 2, 0), AMSTERDAM, 2, 3)
    assert timestamps.local(moved, AMSTERDAM).hour == 2
    assert moved == utc(2026, 3, 30, 0, 0)
    # 2 to 4 o'clock, from 05:00 the day before: that night's 03:00, the hour that is there
    assert timestamps.within_hours(utc(2026, 3, 28, 4, 0), AMSTERDAM, 2, 4) == utc(
        2026, 3, 29, 1, 0
    )


def test_a_clock_turned_back_two_hours_never_moves_a_moment_back():
    """Antarctica/Troll goes from +02 to +00 at 01:00 UTC on 25 October 2026."""
    value = utc(2026, 10, 25, 1, 0)
    moved = timestamps.within_hours(value, "Antarctica/Troll", 2, 24)
    assert moved >= value
    assert 2 <= timestamps.local(moved, "Antarctica/Troll").hour < 24


def test_until_24_is_the_end_of_the_day():
    assert timestamps.within_hours(utc(2026, 12, 7, 22, 30), AMSTERDAM, 0, 24) == utc(
        2026, 12, 7, 22, 30
    )


def test_the_api_sets_and_clears_the_hours(api, brand, db):
    changed = api.patch("/api/v1/brand", json={"send_from_hour": 8, "send_until_hour": 21})
    assert changed.status_code == 200, changed.json
    assert (changed.json["send_from_hour"], changed.json["send_until_hour"]) == (8, 21)
    cleared = api.patch("/api/v1/brand", json={"send_from_hour": None, "send_until_hour": None})
    assert (cleared.json["send_from_hour"], cleared.json["send_until_hour"]) == (None, None)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"send_from_hour": 8}, "send_until_hour"),
        ({"send_until_hour": 21}, "send_from_hour"),
        ({"send_from_hour": 8, "send_until_hour": None}, "send_until_hour"),
        ({"send_from_hour": 21, "send_until_hour": 8}, "send_until_hour"),
        ({"send_from_hour": 8, "send_until_hour": 8}, "send_until_hour"),
        ({"send_from_hour": -1, "send_until_hour": 8}, "send_from_hour"),
        ({"send_from_hour": 24, "send_until_hour": 24}, "send_from_hour"),
        ({"send_from_hour": 8, "send_until_hour": 25}, "send_until_hour"),
        ({"send_from_hour": "8", "send_until_hour": 21}, "send_from_hour"),
        ({"send_from_hour": 8.5, "send_until_hour": 21}, "send_from_hour"),
    ],
)
def test_bad_hours_are_422_and_change_nothing(api, brand, db, body, field):
    error = assert_error(api.patch("/api/v1/brand", json=body), 422)
    assert field in error["fields"]
    db.session.expire_all()
    stored = db.session.get(Brand, brand.id)
    assert (stored.send_from_hour, stored.send_until_hour) == (None, None)


@pytest.fixture
def night_owl_hours(api):
    response = api.patch("/api/v1/brand", json={"send_from_hour": 8, "send_until_hour": 21})
    assert response.status_code == 200, response.json


def _local_hour(moment: datetime) -> int:
    return timestamps.local(moment, AMSTERDAM).hour


def test_an_invitation_on_reach_waits_for_the_sending_hours(
    api, journey, survey, night_owl_hours, db
):
    assert (
        api.patch(f"/api/v1/surveys/{survey['id']}", json={"invite_after_hours": 48}).status_code
        == 200
    )
    # an event at 23:30 Amsterdam time (winter) yesterday: due 48 hours on, at night there
    event = (datetime.now(UTC) - timedelta(days=1)).replace(
        hour=22, minute=30, second=0, microsecond=0
    )
    body = {
        "customer": "k1",
        "journey_id": journey["id"],
        "phase": "levering",
        "occurred_at": event.isoformat(),
    }
    assert api.post("/api/v1/events", json=body).status_code == 201
    [invitation] = db.session.query(Invitation).filter_by(status="scheduled").all()
    assert 8 <= _local_hour(invitation.queued_at) < 21
    assert invitation.queued_at >= event.replace(tzinfo=None) + timedelta(hours=48)


@pytest.mark.smtp
def test_a_reminder_waits_for_the_sending_hours_and_a_list_does_not(
    api, survey, night_owl_hours, smtp_server, db
):
    assert (
        api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 3}).status_code
        == 200
    )
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    response = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    assert response.status_code == 202
    invitation = db.session.get(Invitation, response.json["id"])
    assert invitation.status == "sent"  # by hand: at once, whatever the hour
    assert 8 <= _local_hour(invitation.remind_at) < 21
    assert invitation.remind_at >= invitation.sent_at + timedelta(days=3)
    assert invitation.remind_at < invitation.sent_at + timedelta(days=4)


@pytest.mark.usefixtures("users")
def test_the_settings_page_sets_and_clears_the_hours(app, brand, db):
    owner = Dashboard(app.test_client())
    owner.login("owner@testbad.example")
    page = owner.html("/dashboard/settings")
    assert 'name="send_from_hour"' in page and 'name="send_until_hour"' in page
    form = {
        "name": "Testbad",
        "primary_color": "#0b6e4f",
        "formal_address": "0",
        "time_zone": AMSTERDAM,
        "reply_to": "",
        "send_from_hour": "8",
        "send_until_hour": "21",
    }
    assert owner.post("/dashboard/settings/brand", form).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Brand, brand.id)
    assert (stored.send_from_hour, stored.send_until_hour) == (8, 21)
    bad = owner.post("/dashboard/settings/brand", {**form, "send_until_hour": "7"})
    assert bad.status_code == 422
    assert (
        owner.post(
            "/dashboard/settings/brand", {**form, "send_from_hour": "", "send_until_hour": ""}
        ).status_code
        == 302
    )
    db.session.expire_all()
    stored = db.session.get(Brand, brand.id)
    assert (stored.send_from_hour, stored.send_until_hour) == (None, None)


def _set_hours_closed_now(api, brand) -> None:
    """Sending hours that exclude the present hour in the brand's zone: set after the fact."""
    hour = timestamps.local(datetime.now(UTC).replace(tzinfo=None), AMSTERDAM).hour
    first, until = ((hour + 1) % 24, (hour + 1) % 24 + 1) if hour < 22 else (0, 1)
    if first >= until:
        first, until = 0, 1
    response = api.patch("/api/v1/brand", json={"send_from_hour": first, "send_until_hour": until})
    assert response.status_code == 200, response.json


@pytest.mark.smtp
def test_hours_set_after_the_fact_hold_what_is_due_until_they_open(
    app, api, journey, survey, brand, smtp_server, db
):
    """Due invitations and reminders planned before the hours were set wait for them too."""
    from app.services import invitations, reminders

    assert (
        api.patch(
            f"/api/v1/surveys/{survey['id']}",
            json={"invite_after_hours": 0, "remind_after_days": 2},
        ).status_code
        == 200
    )
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    api.post("/api/v1/customers", json={"external_id": "k2", "email": "k2@example.nl"})
    sent = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    body = {"customer": "k2", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=body).status_code == 201
    invitation = db.session.get(Invitation, sent.json["id"])
    invitation.remind_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    _set_hours_closed_now(api, brand)
    assert invitations.any_due() is False
    assert invitations.queue_due() == {"queued": 0, "skipped": {}}
    assert reminders.queue_due() == {}
    assert invitations.overdue(db.session.get(Brand, brand.id), grace=timedelta(0)) == 0
    assert len(smtp_server.messages) == 1  # the one sent by hand
    cleared = api.patch("/api/v1/brand", json={"send_from_hour": None, "send_until_hour": None})
    assert cleared.status_code == 200
    assert invitations.queue_due()["queued"] == 1
    assert reminders.queue_due() == {"sent": 1}
