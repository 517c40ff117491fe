"""Loyalty fixtures: every test that has the database also checks, afterwards, the ledger's
stored first moments (loyalty_member) and the overview's rates against the ledger itself."""

import pytest

from tests.figures import loyalty_raw


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.failed_call = outcome.get_result().failed


@pytest.fixture(autouse=True)
def first_moments_agree(request):
    """Whatever wrote the entries (an award, a redemption, expiry, erasure…), loyalty_member
    equals MIN(effective_at) per customer, and response_rates equals the EXISTS formula it
    replaced (tests/figures/loyalty_raw.py). Skipped after a failed test: one error is enough."""
    if "db" not in request.fixturenames:
        yield
        return
    db = request.getfixturevalue("db")
    yield
    if getattr(request.node, "failed_call", True):
        return
    db.session.remove()
    loyalty_raw.assert_stored_moments_agree()
