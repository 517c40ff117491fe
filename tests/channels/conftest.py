"""Fixtures for the collection-channel tests: the widget's site and a browser."""

import pytest

from tests.channels.helpers import ORIGIN, chromium


@pytest.fixture
def site(brand, survey):
    """The widget's view of the test brand: site key, survey and an allowed origin."""
    return {"site_key": brand.site_key, "survey_id": survey["id"], "origin": ORIGIN}


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module (each test gets its own context: fresh storage)."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def inviting(api, survey):
    """The delivery survey, emailed 48 hours after a customer reaches the phase."""
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"invite_after_hours": 48})
    assert response.status_code == 200, response.json
    assert response.json["invite_after_hours"] == 48
    return response.json


@pytest.fixture
def anna(api):
    """An English-speaking customer with an address (invitations on reach, journey orders)."""
    response = api.post(
        "/api/v1/customers",
        json={"external_id": "klant-1", "email": "anna@example.nl", "locale": "en"},
    )
    assert response.status_code == 201, response.json
