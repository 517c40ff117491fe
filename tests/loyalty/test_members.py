"""Each customer's first loyalty moment (loyalty_member), kept by every writer of the ledger,
and the overview's "programme vs. others" that reads it."""

import itertools
import random
import threading
from datetime import datetime, timedelta

import pytest

import loyalty
from app.extensions import db
from app.services import customers, privacy, surveys
from loyalty import events, expiry, members, reports
from loyalty.ledger import add_once
from tests.conftest import wait_for_lock_waits
from tests.figures import loyalty_raw
from tests.loyalty import helpers

START = datetime(2026, 2, 1, 10)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def test_no_entries_no_moment(brand):
    anna = helpers.customer(brand, "anna")
    assert members.first_points_at(brand.id, anna.id) is None


def test_an_answer_makes_a_member_from_the_moment_it_was_given(brand, survey):
    anna = helpers.customer(brand, "anna")
    helpers.award(helpers.response(brand, survey["id"], anna, created_at=at(0)))
    assert members.first_points_at(brand.id, anna.id) == at(0)


def _earn(brand, survey, who, when):
    helpers.award(helpers.response(brand, survey["id"], who, created_at=when))


def _adjust(brand, survey, who, when):
    loyalty.adjust(brand.id, who.id, points=200, reason="welcome", at=when)
    db.session.commit()


def _redeem(brand, survey, who, when):
    loyalty.redeem(brand.id, who.id, reward_key="koffie", points=5, at=when)
    db.session.commit()


WRITES = {"earn": (_earn, 2), "adjust": (_adjust, 1), "redeem": (_redeem, 3)}


@pytest.mark.parametrize(
    "order",
    # a redemption needs points first: every order where something was earned before it
    [order for order in itertools.permutations(WRITES) if order[0] != "redeem"],
    ids="-".join,
)
def test_the_moment_is_the_earliest_entry_whatever_order_they_are_written_in(brand, survey, order):
    anna = helpers.customer(brand, "anna")
    written = []
    for name in order:
        write, days = WRITES[name]
        write(brand, survey, anna, at(days))
        written.append(at(days))
        assert members.first_points_at(brand.id, anna.id) == min(written), name


def test_an_earlier_entry_written_later_lowers_the_moment_and_a_later_one_does_not(brand, survey):
    anna = helpers.customer(brand, "anna")
    loyalty.adjust(brand.id, anna.id, points=10, reason="goodwill", at=at(5))
    db.session.commit()
    _earn(brand, survey, anna, at(1))  # an answer of day 1, processed after the adjustment
    assert members.first_points_at(brand.id, anna.id) == at(1)
    loyalty.adjust(brand.id, anna.id, points=10, reason="again", at=at(9))
    db.session.commit()
    assert members.first_points_at(brand.id, anna.id) == at(1)


def test_a_bonus_its_clawback_and_expiry_keep_the_first_moment(brand, survey):
    """add_once's writers: the review bonus (now), its clawback (the bonus's date), expiry."""
    anna = helpers.customer(brand, "anna")
    _earn(brand, survey, anna, at(0))
    loyalty.award_review_bonus(brand_id=brand.id, customer_id=anna.id, review_id=7)
    loyalty.clawback_review_bonus(brand_id=brand.id, review_id=7, reason="removed")
    db.session.commit()
    done = expiry.run(as_of=at(800), brand_id=brand.id)
    assert done["customers"] == 1
    assert members.first_points_at(brand.id, anna.id) == at(0)


def test_another_brands_entries_leave_this_brand_alone(brand, other_brand, survey):
    anna = helpers.customer(brand, "anna")
    theirs = helpers.customer(other_brand["brand"], "anna")
    _earn(brand, survey, anna, at(3))
    before = reports.response_rates(brand.id)
    loyalty.adjust(other_brand["brand"].id, theirs.id, points=5, reason="theirs", at=at(0))
    db.session.commit()
    assert members.first_points_at(brand.id, anna.id) == at(3)
    assert members.first_points_at(other_brand["brand"].id, theirs.id) == at(0)
    assert members.first_points_at(brand.id, theirs.id) is None
    assert reports.response_rates(brand.id) == before


def test_erasure_keeps_the_moment_with_the_amounts_and_her_reaches_leave_the_rates(
    brand, survey, journey
):
    """Her entries stay on the tombstone, effective_at unchanged, so their minimum stays too:
    it says no more about her than the amounts do. Her reaches are deleted, so she no longer
    counts in "programme vs. others"."""
    customers.record_event(
        brand,
        {
            "customer": "anna",
            "journey_id": journey["id"],
            "phase": "levering",
            "occurred_at": at(2),
        },
    )
    anna = customers.find(brand, "anna")
    _earn(brand, survey, anna, at(1))
    assert reports.response_rates(brand.id)["programme"]["reached"] == 1
    privacy.erase(brand, "anna", actor="test")
    assert members.first_points_at(brand.id, anna.id) == at(1)
    rates = reports.response_rates(brand.id)
    assert rates["programme"]["reached"] == rates["others"]["reached"] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rates_equal_the_exists_formula_on_random_journeys(brand, journey, survey, seed):
    """Random reaches, answers (before and after their reach, or in phases never reached),
    points (answers, back-dated adjustments, redemptions) and windows: the stored moments give
    what the per-reach EXISTS over the ledger gave."""
    rng = random.Random(seed)
    survey_ids = {"levering": survey["id"]}
    for phase in ("orientatie", "aankoop"):
        survey_ids[phase] = surveys.create_survey(
            brand,
            {
                "journey_id": journey["id"],
                "phase": phase,
                "locale": "nl",
                "questions": [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk…?"}],
            },
        ).id
    for number in range(25):
        who = f"klant-{number}"
        for phase in rng.sample(list(survey_ids), rng.randint(0, 3)):
            customers.record_event(
                brand,
                {
                    "customer": who,
                    "journey_id": journey["id"],
                    "phase": phase,
                    "occurred_at": at(rng.uniform(0, 30)),
                },
            )
        row = customers.find(brand, who) or helpers.customer(brand, who)
        for phase in rng.sample(list(survey_ids), rng.randint(0, 2)):
            answer = helpers.response(
                brand, survey_ids[phase], row, created_at=at(rng.uniform(0, 30))
            )
            if rng.random() < 0.7:
                helpers.award(answer)
        if rng.random() < 0.3:
            loyalty.adjust(
                brand.id, row.id, points=50, reason="goodwill", at=at(rng.uniform(0, 30))
            )
            db.session.commit()
            if rng.random() < 0.5:
                loyalty.redeem(brand.id, row.id, reward_key="koffie", points=5, at=at(31))
                db.session.commit()
    helpers.response(brand, survey["id"], None, created_at=at(3))  # an anonymous answer
    windows = [(None, None), (at(10), None), (None, at(20))]
    windows += [tuple(sorted((at(rng.uniform(0, 30)), at(rng.uniform(0, 30))))) for _ in range(5)]
    for since, until in windows:
        rates = reports.response_rates(brand.id, since, until)
        found = {g: (rates[g]["reached"], rates[g]["answered"]) for g in ("programme", "others")}
        assert found == loyalty_raw.response_rates(brand.id, since, until), (since, until)
    assert sum(reached for reached, _ in found.values()) > 0


@pytest.mark.postgres
@pytest.mark.parametrize(("held", "waiting"), [(1, 5), (5, 1)])
def test_concurrent_writers_keep_the_earlier_moment(app, brand, held, waiting):
    """Two transactions add a first entry for one customer at once (add_once takes no
    customer lock of its own): the second one's upsert waits for the first one's row, then
    keeps the smaller of the two moments, whichever that is."""
    anna = helpers.customer(brand, "anna")
    brand_id, anna_id = brand.id, anna.id
    errors: list[BaseException] = []

    def add(days: int) -> None:
        values = {
            "brand_id": brand_id,
            "customer_id": anna_id,
            "kind": "adjust",
            "points": 5,
            "source_type": "test",
            "source_id": str(days),
            "reason": "test",
            "effective_at": at(days),
        }
        add_once(values, events.EARNED)

    def later():
        try:
            with app.app_context():
                add(waiting)
                db.session.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    with app.app_context():
        add(held)  # this context's own session holds the new row until it commits
        thread = threading.Thread(target=later)
        thread.start()
        assert wait_for_lock_waits(db.engine, query="%loyalty_member%")
        db.session.commit()
    thread.join(30)
    assert errors == []
    db.session.remove()
    assert members.first_points_at(brand_id, anna_id) == at(1)


def test_a_recount_mends_members_that_entries_written_without_note_left_out(app, brand, survey):
    """The code before 0030 went on awarding while the migration ran: its entries made no
    member, or one with a later moment. `flask loyalty recount` lowers and adds from the ledger."""
    from app.models import LedgerEntry, LoyaltyMember

    anna, bob = helpers.customer(brand, "anna"), helpers.customer(brand, "bob")
    _adjust(brand, survey, anna, at(5))
    # As the old code wrote them: entries without their member's moment.
    for who, when in ((anna, at(1)), (bob, at(2))):
        db.session.add(
            LedgerEntry(
                brand_id=brand.id,
                customer_id=who.id,
                kind="adjust",
                points=10,
                source_type="adjustment",
                source_id=f"old-{who.id}",
                reason="old code",
                effective_at=when,
            )
        )
    db.session.commit()
    assert members.first_points_at(brand.id, anna.id) == at(5)
    assert members.first_points_at(brand.id, bob.id) is None
    result = app.test_cli_runner().invoke(args=["loyalty", "recount", "--brand", brand.slug])
    assert result.exit_code == 0, result.output
    assert "2 member(s)" in result.output
    assert members.first_points_at(brand.id, anna.id) == at(1)
    assert members.first_points_at(brand.id, bob.id) == at(2)
    # Again: nothing left to mend, and nothing raised.
    assert members.recount() == 0
    assert db.session.query(LoyaltyMember).count() == 2
