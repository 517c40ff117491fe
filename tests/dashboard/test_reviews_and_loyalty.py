"""Review moderation, replies and the loyalty overview in the dashboard."""

import re

import pytest

from app.extensions import db
from app.models import ModerationEntry, Review
from tests.conftest import csv_text
from tests.dashboard.test_queries import counted
from tests.reviews.helpers import answer, review_of


@pytest.fixture
def pending(api, survey):
    """A held review (the default policy moderates)."""
    review = review_of(answer(api, survey, nps=3, text="Monteur kwam twee keer niet opdagen."))
    assert review.status == "pending"
    return review


def test_pending_reviews_are_listed_with_their_labels(dash, pending):
    page = dash.html("/dashboard/reviews")
    assert f'data-review="{pending.id}"' in page
    assert "Monteur kwam twee keer niet opdagen." in page
    assert "incentivized" in page or "verified" in page or "pending" in page
    assert "not_a_customer".replace("_", " ") in page  # the listed grounds to choose from
    # the log of a review that was just made: no Python None where it had no status yet
    assert "(new → pending)" in page and "None" not in page


def test_a_review_held_for_being_unverified_says_so(dash, api, survey):
    policy = {"publish": "immediate", "unverified": "moderate"}
    assert api.patch("/api/v1/brand", json={"review_policy": policy}).status_code == 200
    held = review_of(answer(api, survey, text="Top bedrijf, echt een aanrader."))
    page = dash.html("/dashboard/reviews")
    assert f'data-review="{held.id}"' in page and 'data-held="unverified"' in page
    assert "Held because it is not verified" in page and "not verified: the brand" in page


def test_publish_reject_and_remove_are_logged_with_the_moderator(dash, pending, count_rows):
    url = f"/dashboard/reviews/{pending.id}/moderation"
    assert dash.post(url, {"action": "publish"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, pending.id).status == "published"
    entry = db.session.query(ModerationEntry).order_by(ModerationEntry.id.desc()).first()
    assert entry.actor == "owner@testbad.example" and entry.action == "publish"
    # (posted from the Published tab, as the form's hidden field does)
    no_ground = dash.post(
        url, {"action": "remove", "note": "adres in de tekst", "status": "published"}
    )
    assert no_ground.status_code == 422
    assert 'value="adres in de tekst"' in no_ground.get_data(as_text=True)  # the note kept
    assert "listed ground" in no_ground.get_data(as_text=True)
    bad_ground = dash.post(url, {"action": "remove", "reason": "i_dislike_it"})
    assert bad_ground.status_code == 422
    db.session.expire_all()
    assert db.session.get(Review, pending.id).status == "published"
    ok = dash.post(url, {"action": "remove", "reason": "personal_data", "note": "an address"})
    assert ok.status_code == 302
    db.session.expire_all()
    removed = db.session.get(Review, pending.id)
    assert removed.status == "removed" and removed.removal_ground == "personal_data"
    again = dash.post(url, {"action": "publish"})
    assert again.status_code == 409
    assert dash.post(url, {"action": "delete"}).status_code == 422


def test_reply_is_saved_and_bad_replies_are_refused(dash, pending):
    url = f"/dashboard/reviews/{pending.id}/reply"
    saved = dash.post(url, {"body": "Sorry, we bellen u vandaag nog."})
    assert saved.status_code == 302
    # the review waits for a moderator: so does the reply, and the message says so
    flashed = dash.html(saved.headers["Location"])
    assert "it is shown when the review is published" in flashed and "is public" not in flashed
    db.session.expire_all()
    assert db.session.get(Review, pending.id).reply_body == "Sorry, we bellen u vandaag nog."
    assert dash.post(url, {"body": ""}).status_code == 422
    too_long = dash.post(url, {"body": "x" * 2001})
    assert too_long.status_code == 422
    assert "No reply saved: write 1 to 2,000 characters" in too_long.get_data(as_text=True)
    # what was typed stays in the field, to be shortened rather than written again
    assert f">{'x' * 2001}</textarea>" in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Review, pending.id).reply_body == "Sorry, we bellen u vandaag nog."


@pytest.mark.smtp
def test_a_reply_from_the_dashboard_tells_the_reviewer_once(dash, api, survey, smtp_server):
    api.post("/api/v1/customers", json={"external_id": "k9", "email": "k9@example.nl"})
    review = review_of(answer(api, survey, customer="k9", text="Tegels kwamen kapot aan."))
    url = f"/dashboard/reviews/{review.id}/reply"
    saved = dash.post(url, {"body": "Wat vervelend! We sturen nieuwe tegels."})
    assert saved.status_code == 302
    assert "The reviewer is emailed about it." in dash.html(saved.headers["Location"])
    [message] = smtp_server.messages
    assert message["To"] == "k9@example.nl"
    assert message["Subject"] == "Testbad heeft gereageerd op je review"
    edited = dash.post(url, {"body": "Wat vervelend! We sturen maandag nieuwe tegels."})
    assert "emailed" not in dash.html(edited.headers["Location"])
    assert len(smtp_server.messages) == 1


def test_a_viewer_cannot_moderate(as_role, pending):
    viewer = as_role("viewer")
    page = viewer.html("/dashboard/reviews")
    assert "Publish" not in page
    assert (
        viewer.post(
            f"/dashboard/reviews/{pending.id}/moderation", {"action": "publish"}
        ).status_code
        == 403
    )
    assert viewer.post(f"/dashboard/reviews/{pending.id}/reply", {"body": "hi"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, pending.id).status == "pending"


def test_another_brands_review_is_404(dash, other_brand, client):
    from tests.conftest import ApiClient, levering_survey

    their_survey = levering_survey(other_brand["brand"], other_brand["journey_id"])
    theirs = ApiClient(client, other_brand["key"])
    review = review_of(answer(theirs, {"id": their_survey.id}, nps=2, text="Slecht werk geleverd."))
    assert review is not None
    for url, data in (
        (f"/dashboard/reviews/{review.id}/moderation", {"action": "publish"}),
        (f"/dashboard/reviews/{review.id}/reply", {"body": "hi"}),
    ):
        assert dash.post(url, data).status_code == 404
    assert f'data-review="{review.id}"' not in dash.html("/dashboard/reviews")
    db.session.expire_all()
    assert db.session.get(Review, review.id).status == "pending"


def test_bad_review_filters_are_422(dash):
    assert dash.get("/dashboard/reviews?status=lost").status_code == 422
    assert dash.get("/dashboard/reviews?cursor=abc").status_code == 422


def test_the_review_list_runs_the_same_queries_for_more_reviews(dash, api, survey):
    review_of(answer(api, survey, nps=4, text="Eerste klacht over de planning."))
    with counted() as few:
        dash.get("/dashboard/reviews").get_data()
    for number in range(4):
        review_of(
            answer(api, survey, nps=5, text=f"Nog een opmerking nummer {number} over de montage.")
        )
    with counted() as more:
        page = dash.get("/dashboard/reviews").get_data(as_text=True)
    assert len(re.findall(r'data-review="', page)) == 5
    assert len(more) == len(few)


def test_loyalty_overview_and_ledger_csv(dash, api, survey):
    answer(api, survey, nps=8, text="Prima geholpen door de winkel.", customer="klant-1")
    page = dash.html("/dashboard/loyalty")
    assert "Points issued" in page and "Points per phase" in page
    # the totals add up: issued − redeemed − expired − clawed back + adjusted = outstanding
    api.post("/api/v1/customers/klant-1/adjustments", json={"points": -3, "reason": "dubbel"})
    stats = dict(
        re.findall(
            r'<span class="label">([^<]+)</span><span class="value">([^<]+)</span>',
            dash.html("/dashboard/loyalty"),
        )
    )
    assert stats["Adjusted by hand"] == "-3" and stats["Outstanding"] == "12"
    assert "Levering &amp; montage" in page
    response = dash.get("/dashboard/loyalty/ledger.csv?period=30d")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = csv_text(response).strip().splitlines()
    assert lines[0].startswith("entry_id,") and len(lines) >= 2
    assert dash.get("/dashboard/loyalty?period=forever").status_code == 422


def test_the_loyalty_page_reads_no_cap_and_no_expiry(dash, api):
    """null means no daily cap and points that never expire (docs/loyalty.md): it was a 500."""
    policy = api.get("/api/v1/loyalty/policy").json
    changed = api.put(
        "/api/v1/loyalty/policy", json={**policy, "daily_cap": None, "expiry_months": None}
    )
    assert changed.status_code == 200, changed.json
    page = dash.html("/dashboard/loyalty")
    assert "no daily cap" in page and "points never expire" in page
    assert "None" not in page
