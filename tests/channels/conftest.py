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
