"""The review tally the public pages count with: kept by every change, exact, recountable.

(After every test tests/conftest.py's wipe also recounts it: these pin down what it holds.)
"""

import pytest
from sqlalchemy import event, select, text

from app.extensions import db
from app.models import Review, ReviewTally
from app.services import review_public, review_tally
from tests.conftest import Contenders, api_post, new_survey
from tests.reviews.helpers import answer, published, review_of, set_policy

COUNTERS = ReviewTally.COUNTERS


def tally(brand_id: int) -> dict[str, int]:
    db.session.expire_all()
    return review_tally.totals(brand_id)


def counts(**given) -> dict[str, int]:
    return {name: given.get(name, 0) for name in COUNTERS}


def moderate(api, review_id: int, action: str, reason: str | None = None):
    body = {"action": action, **({"reason": reason} if reason else {})}
    reply = api.post(f"/api/v1/reviews/{review_id}/moderation", json=body)
    assert reply.status_code == 200, reply.json
    return reply


def test_a_new_review_counts_as_pending_then_as_published(api, survey, brand):
    pending = review_of(answer(api, survey, nps=9))
    assert tally(brand.id) == counts(pending=1)
    moderate(api, pending.id, "publish")
    assert tally(brand.id) == counts(published=1, ever_public=1)
    assert review_tally.differences() == {}


def test_immediate_publishing_counts_once_as_published(api, survey, brand):
    published(api, survey, brand, nps=10)
    published(api, survey, brand, nps=3, text="Te laat, maar wel netjes afgewerkt.")
    assert tally(brand.id) == counts(published=2, ever_public=2)
    rows = db.session.scalars(select(ReviewTally).order_by(ReviewTally.rating)).all()
    assert [(row.rating, row.published) for row in rows] == [(2, 1), (5, 1)]


def test_removal_leaves_it_ever_public_and_republishing_a_rejected_one_counts(api, survey, brand):
    shown = published(api, survey, brand)
    set_policy(brand, "moderate")
    held = review_of(answer(api, survey, nps=4, text="De offerte klopte niet helemaal."))
    moderate(api, shown.id, "remove", "spam")
    moderate(api, held.id, "reject", "off_topic")
    assert tally(brand.id) == counts(removed=1, rejected=1, ever_public=1)
    moderate(api, held.id, "publish")  # a moderator may publish a rejected review after all
    assert tally(brand.id) == counts(removed=1, published=1, ever_public=2)


def test_a_refused_transition_changes_nothing(api, survey, brand):
    shown = published(api, survey, brand)
    reply = api.post(f"/api/v1/reviews/{shown.id}/moderation", json={"action": "publish"})
    assert reply.status_code == 409
    assert tally(brand.id) == counts(published=1, ever_public=1)


def test_erasure_removes_her_published_and_rejects_her_pending_reviews(api, survey, brand):
    api.post("/api/v1/customers", json={"external_id": "k1"})
    shown = published(api, survey, brand, customer="k1")
    set_policy(brand, "moderate")
    answer(api, survey, nps=6, text="Tweede keer, andere fase van de klus.", customer="k1")
    before = tally(brand.id)
    assert (before["published"], before["pending"]) == (1, 1)
    assert api.delete("/api/v1/customers/k1").status_code == 200
    after = tally(brand.id)
    assert (after["published"], after["pending"], after["removed"], after["rejected"]) == (
        0,
        0,
        1,
        1,
    )
    assert after["ever_public"] == 1 and after["published_incentivized"] == 0
    assert review_public.page(brand, 1)["total"] == 0
    assert db.session.get(Review, shown.id).status == "removed"


def test_verified_and_incentivized_are_counted_of_the_published_only(api, survey, brand, journey):
    api.post("/api/v1/customers", json={"external_id": "k1"})
    event = {"customer": "k1", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    labelled = published(api, survey, brand, customer="k1")  # verified; earns points: incentivized
    assert (labelled.verified, labelled.incentivized) == (True, True)
    published(api, survey, brand, text="Anoniem, zonder punten of bewijs.")
    assert review_public.label_counts(brand) == {"verified": 1, "incentivized": 1}
    moderate(api, labelled.id, "remove", "conflict_of_interest")
    assert review_public.label_counts(brand) == {"verified": 0, "incentivized": 0}
    assert tally(brand.id)["published"] == 1


def test_two_journeys_sharing_a_phase_key_are_one_row_of_the_summary(api, survey, brand):
    second = api.post(
        "/api/v1/journeys", json={"name": "Showroom", "phases": [{"key": "levering", "name": "L"}]}
    ).json
    other_survey = new_survey(api, second["id"])
    published(api, survey, brand, nps=10)
    published(api, other_survey, brand, nps=2, text="Showroom: lang wachten op de bezorging.")
    assert db.session.scalar(select(db.func.count()).select_from(ReviewTally)) == 2
    summary = review_public.summary(brand)
    assert summary["count"] == 2 and summary["average"] == 3.5
    [row] = summary["phases"]
    assert (row["phase"].key, row["count"], row["distribution"][5], row["distribution"][2]) == (
        "levering",
        2,
        1,
        1,
    )
    only = [phase.id for phase in review_public.phases_by_key(brand, "levering")]
    assert review_public.page(brand, 1, only)["total"] == 2


def test_another_brands_tally_is_untouched(api, survey, brand, other_brand):
    from app.services import intake

    data = {"survey_id": other_brand["survey_id"], "answers": {"nps": 8}}
    intake.accept(other_brand["brand"].id, {**data, "review": {"consent": True}})
    published(api, survey, brand)
    assert tally(brand.id) == counts(published=1, ever_public=1)
    assert tally(other_brand["brand"].id) == counts()  # no text: no review at all
    assert review_public.summary(other_brand["brand"])["count"] == 0


def test_a_304_counts_no_reviews(api, survey, brand, client, app):
    """The validator of every conditional GET read the brand's reviews with COUNT(*)."""
    for n in range(3):
        published(api, survey, brand, text=f"Review {n}: keurig geplaatst.")
    first = client.get("/reviews/testbad")
    statements = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement.lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        again = client.get("/reviews/testbad", headers={"If-None-Match": first.headers["ETag"]})
        full = client.get("/reviews/testbad?page=1")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert again.status_code == 304 and full.status_code == 200
    counting = [s for s in statements if "count(" in s and "from review " in s]
    assert counting == []


def test_a_deep_page_shows_the_same_reviews_as_before(api, survey, brand, client, monkeypatch):
    monkeypatch.setattr(review_public, "PER_PAGE", 2)
    set_policy(brand, "immediate")
    made = [answer(api, survey, text=f"Review nummer {n}, eigen tekst.") for n in range(5)]
    newest_first = [review_of(response_id).id for response_id in reversed(made)]
    pages = [review_public.page(brand, n) for n in (1, 2, 3)]
    assert [[review.id for review in page["items"]] for page in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:],
    ]
    assert {page["pages"] for page in pages} == {3}


# --- recount ---------------------------------------------------------------------------------


def test_recount_puts_a_wrong_tally_right(api, survey, brand, app):
    published(api, survey, brand)
    db.session.execute(text("UPDATE review_tally SET published = 7, pending = 3"))
    db.session.commit()
    assert review_tally.differences() != {}
    result = app.test_cli_runner().invoke(args=["review", "recount", "--brand", "testbad"])
    assert result.exit_code == 0, result.output
    assert "testbad: 1 tally row(s) differed" in result.output
    assert "recounted 1 brand(s); 1 had a wrong tally" in result.output
    assert review_tally.differences() == {}
    assert tally(brand.id) == counts(published=1, ever_public=1)


def test_recount_of_every_brand_and_of_a_tally_row_without_reviews(
    api, survey, brand, other_brand, app
):
    published(api, survey, brand)
    phase_id = db.session.scalar(select(Review.phase_id))
    stray = {"brand_id": other_brand["brand"].id, "phase_id": phase_id, "rating": 3}
    db.session.add(ReviewTally(**stray, **counts(published=2)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["review", "recount"])
    assert result.exit_code == 0, result.output
    assert "recounted 2 brand(s); 1 had a wrong tally" in result.output
    assert review_tally.differences() == {}
    unknown = app.test_cli_runner().invoke(args=["review", "recount", "--brand", "nobody"])
    assert unknown.exit_code != 0


# --- two at once -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_publishes_at_once_both_count(app, api, survey, brand):
    """Both moderators' transactions wait on the tally row another holds, then each adds its
    own: a read-then-write of the count would have written 1 twice."""
    first = review_of(answer(api, survey, nps=9, text="Eerste: prima verlopen."))
    second = review_of(answer(api, survey, nps=9, text="Tweede: ook prima verlopen."))
    assert first.rating == second.rating
    db.session.commit()
    requests = [
        api_post(app, api, f"/api/v1/reviews/{review.id}/moderation", {"action": "publish"})
        for review in (first, second)
    ]
    held = ("SELECT id FROM review_tally WHERE brand_id = :id FOR UPDATE", {"id": brand.id})
    with Contenders(requests, *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [200, 200]
    assert tally(brand.id) == counts(published=2, ever_public=2)


@pytest.mark.postgres
def test_two_pipeline_batches_publishing_at_once_both_count(app, api, survey, brand, monkeypatch):
    """Two workers, each with a batch of its own: the first waits on the tally row held here,
    the second on the first's rollup rows; then each adds its own review."""
    from app.extensions import queue
    from app.services import processing

    set_policy(brand, "immediate")
    published(api, survey, brand, text="De eerste, die de tally-rij maakt.")
    monkeypatch.setattr(queue, "kick", lambda *args: True)  # stored, left for the two below
    waiting = [answer(api, survey, text=f"Gelijktijdig antwoord {n}, netjes.") for n in (1, 2)]
    db.session.commit()

    def worker(response_id: int):
        def run():
            with app.app_context():
                try:
                    return processing.process_batch([response_id], batch_size=1)
                finally:
                    db.session.remove()

        return run

    held = ("SELECT id FROM review_tally WHERE brand_id = :id FOR UPDATE", {"id": brand.id})
    with Contenders([worker(response_id) for response_id in waiting], *held) as race:
        pass
    assert sorted(race.replies) == [[waiting[0]], [waiting[1]]]
    assert tally(brand.id) == counts(published=3, ever_public=3)
