"""The contact budget's three rules, each on its own, across phases and channels."""

from datetime import timedelta

import pytest

from app.models import Contact
from app.models.base import utcnow
from app.services import contact_budget, customers, journeys


@pytest.fixture
def setup(db, brand, journey):
    customer = customers.ensure(brand, "klant-1")
    full = journeys.get_journey(brand, journey["id"])
    phases = {phase.key: phase for phase in full.phases}
    return brand, customer, phases


def _ask(brand, customer, phase, days_ago=0, channel="widget"):
    contact = contact_budget.record(brand, customer, phase, channel)
    contact.created_at = utcnow() - timedelta(days=days_ago)
    from app.extensions import db

    db.session.commit()


def _policy(brand, **rules):
    from app.extensions import db

    brand.contact_policy = {"min_days_between": 0, "max_per_journey": 0, "same_phase_days": 0}
    brand.contact_policy = {**brand.contact_policy, **rules}
    db.session.commit()


def test_a_new_customer_may_be_asked(setup):
    brand, customer, phases = setup
    assert contact_budget.check(brand, customer, phases["levering"]).allowed


def test_min_days_between_counts_every_phase_and_channel(setup):
    brand, customer, phases = setup
    _policy(brand, min_days_between=14)
    _ask(brand, customer, phases["orientatie"], days_ago=3, channel="email")
    decision = contact_budget.check(brand, customer, phases["levering"])
    assert not decision
    assert decision.rule == "min_days_between"
    assert decision.retry_at is not None
    Contact.query.update({"created_at": utcnow() - timedelta(days=15)})
    assert contact_budget.check(brand, customer, phases["levering"])


def test_same_phase_days_only_blocks_that_phase(setup):
    brand, customer, phases = setup
    _policy(brand, same_phase_days=60)
    _ask(brand, customer, phases["levering"], days_ago=20)
    assert contact_budget.check(brand, customer, phases["levering"]).rule == "same_phase_days"
    assert contact_budget.check(brand, customer, phases["aankoop"]).allowed


def test_max_per_journey(setup):
    brand, customer, phases = setup
    _policy(brand, max_per_journey=2)
    _ask(brand, customer, phases["orientatie"], days_ago=100)
    assert contact_budget.check(brand, customer, phases["levering"]).allowed
    _ask(brand, customer, phases["aankoop"], days_ago=50)
    decision = contact_budget.check(brand, customer, phases["levering"])
    assert decision.rule == "max_per_journey"
    assert decision.retry_at is None


def test_other_customers_do_not_count(setup, brand):
    brand, customer, phases = setup
    _policy(brand, min_days_between=14)
    other = customers.ensure(brand, "klant-2")
    _ask(brand, other, phases["levering"])
    assert contact_budget.check(brand, customer, phases["levering"]).allowed


def test_bad_or_empty_policy_values_switch_a_rule_off(setup):
    brand, customer, phases = setup
    _ask(brand, customer, phases["orientatie"])
    for value in [None, -3, "7", True, 0]:
        _policy(brand, min_days_between=value)
        assert contact_budget.check(brand, customer, phases["levering"]).allowed, value


def test_spend_records_only_when_allowed(setup, count_rows):
    brand, customer, phases = setup
    _policy(brand, min_days_between=14)
    assert contact_budget.spend(brand, customer, phases["levering"], "widget")
    assert not contact_budget.spend(brand, customer, phases["levering"], "widget")
    from app.extensions import db

    db.session.commit()
    assert count_rows(Contact) == 1
