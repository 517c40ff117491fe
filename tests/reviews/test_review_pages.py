"""Review pages: content, languages, pagination with canonical, conditional GET, 410, flags."""

import re

import pytest

from app.extensions import db
from app.models import Review
from app.models.review import ReviewFlag
from app.services import review_public
from tests.conftest import Contenders
from tests.reviews.helpers import answer, published, review_of, set_policy


def links(html: str, rel: str) -> list[str]:
    return re.findall(rf'<link rel="{rel}"[^>]*href="([^"]+)"', html)


def test_list_page_shows_summary_labels_and_newest_first(api, survey, brand, client):
    set_policy(brand, "immediate")
    api.post("/api/v1/customers", json={"external_id": "k1"})
    old = review_of(answer(api, survey, nps=2, text="Tegels kapot geleverd.", customer="k1"))
    new = review_of(answer(api, survey, nps=10, text="Toch nog heel mooi geworden."))
    html = client.get("/reviews/testbad").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert html.index("Toch nog heel mooi") < html.index("Tegels kapot")  # newest first
    assert "gemiddeld 3,5 van 5" in html and "2 reviews" in html
    assert "Levering &amp; montage" in html  # per-phase summary
    assert html.count('<rect width="100" height="10" class="track"/>') == 5  # 5 bars
    assert '<rect width="50.0" height="10" class="fill"/>' in html
    assert "Niet geverifieerd" in html
    if old.incentivized:
        assert "Punten aangeboden" in html
    assert 'href="/reviews/testbad/about"' in html
    assert f'href="/reviews/testbad/r/{new.id}"' in html
    assert "<script src" not in html and "http://" not in html.split("<body>")[1].replace(
        "http://127.0.0.1:5000", ""
    )


def test_pages_speak_english_with_hreflang_alternates(api, survey, brand, client):
    published(api, survey, brand)
    html = client.get("/reviews/testbad?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Reviews of Testbad" in html
    assert links(html, "canonical") == ["http://127.0.0.1:5000/reviews/testbad?lang=en"]
    alternates = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', html))
    assert alternates == {
        "nl": "http://127.0.0.1:5000/reviews/testbad",
        "en": "http://127.0.0.1:5000/reviews/testbad?lang=en",
        "x-default": "http://127.0.0.1:5000/reviews/testbad",
    }
    assert client.get("/reviews/testbad?lang=de").status_code == 404


def test_detail_page_defaults_to_the_reviews_language(api, survey, brand, client):
    review = published(api, survey, brand, locale="en", text="Great fitters, tidy work.")
    html = client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Rated 5 out of 5 (scale 1–5), derived from a score of 9 on" in html
    assert 'href="/reviews/testbad/about' in html
    assert links(html, "canonical") == [f"http://127.0.0.1:5000/reviews/testbad/r/{review.id}"]
    assert "Report this review" in html


def test_pagination_has_self_canonical_and_prev_next(api, survey, brand, client, monkeypatch):
    monkeypatch.setattr(review_public, "PER_PAGE", 2)
    set_policy(brand, "immediate")
    for n in range(5):
        answer(api, survey, text=f"Review nummer {n} met eigen tekst.")
    page2 = client.get("/reviews/testbad?page=2").get_data(as_text=True)
    assert links(page2, "canonical") == ["http://127.0.0.1:5000/reviews/testbad?page=2"]
    assert links(page2, "prev") == ["http://127.0.0.1:5000/reviews/testbad"]
    assert links(page2, "next") == ["http://127.0.0.1:5000/reviews/testbad?page=3"]
    assert "nummer 2" in page2 and "nummer 1" in page2
    assert "nummer 3" not in page2 and "nummer 0" not in page2
    page3 = client.get("/reviews/testbad?page=3").get_data(as_text=True)
    assert links(page3, "next") == [] and "nummer 0" in page3
    for bad in ("4", "0", "-1", "abc", "9999999"):
        assert client.get(f"/reviews/testbad?page={bad}").status_code == 404


def test_phase_page_and_unknown_phase(api, survey, brand, client):
    published(api, survey, brand)
    html = client.get("/reviews/testbad/levering").get_data(as_text=True)
    assert "Levering &amp; montage — reviews van Testbad" in html
    assert client.get("/reviews/testbad/orientatie").status_code == 200  # a phase, no reviews
    assert client.get("/reviews/testbad/nope").status_code == 404
    assert client.get("/reviews/no-such-brand").status_code == 404


def test_conditional_get_answers_304_until_something_changes(
    api, survey, brand, client, monkeypatch
):
    review = published(api, survey, brand)
    _later(monkeypatch)  # Last-Modified is sent once its second has passed (http._settled)
    for url in ("/reviews/testbad", f"/reviews/testbad/r/{review.id}", "/reviews/testbad/about"):
        first = client.get(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert "public" in first.headers["Cache-Control"]
        assert "Set-Cookie" not in first.headers
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    etag = client.get("/reviews/testbad").headers["ETag"]
    api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": "Dank u!"})
    changed = client.get("/reviews/testbad", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Dank u!" in changed.get_data(as_text=True)


def test_removed_review_is_410_and_leaves_sitemap_and_list(api, survey, brand, client):
    review = published(api, survey, brand)
    keep = published(api, survey, brand, text="Deze blijft gewoon staan.")
    url = f"/reviews/testbad/r/{review.id}"
    assert url in client.get("/sitemap.xml").get_data(as_text=True)
    body = {"action": "remove", "reason": "spam"}
    api.post(f"/api/v1/reviews/{review.id}/moderation", json=body)
    gone = client.get(url)
    assert gone.status_code == 410
    assert "noindex" in gone.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert url not in sitemap and f"/reviews/testbad/r/{keep.id}" in sitemap
    assert "De monteurs waren" not in client.get("/reviews/testbad").get_data(as_text=True)


def test_pending_and_rejected_reviews_are_not_public(api, survey, brand, client):
    set_policy(brand, "moderate")
    review = review_of(answer(api, survey))
    assert client.get(f"/reviews/testbad/r/{review.id}").status_code == 404
    assert "De monteurs" not in client.get("/reviews/testbad").get_data(as_text=True)
    api.post(f"/api/v1/reviews/{review.id}/moderation", json={"action": "reject", "reason": "spam"})
    assert client.get(f"/reviews/testbad/r/{review.id}").status_code == 404


def test_about_page_counts_one_as_one(api, survey, journey, brand, client):
    api.post("/api/v1/customers", json={"external_id": "k1"})
    event = {"customer": "k1", "journey_id": journey["id"], "phase": "levering"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    assert published(api, survey, brand, customer="k1").verified
    dutch = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "Nu is 1 van de 1 gepubliceerde reviews geverifieerd." in dutch
    english = client.get("/reviews/testbad/about?lang=en").get_data(as_text=True)
    assert "Right now 1 of 1 published reviews is verified." in english
    policy = {"points_per_answer": 1, "text_bonus": 0, "review_bonus": 1}
    assert api.put("/api/v1/loyalty/policy", json=policy).status_code == 200
    dutch = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "1 punt per beantwoorde vragenlijst" in dutch
    assert "1 extra punt, ook bij een lage score" in dutch and "vervalt dat punt." in dutch
    english = client.get("/reviews/testbad/about?lang=en").get_data(as_text=True)
    assert "1 point per completed survey" in english
    assert "1 more point when" in english and "the point is taken back" in english


def test_about_page_is_generated_from_the_brands_settings(api, survey, brand, client):
    published(api, survey, brand, customer="k1")
    set_policy(brand, "moderate", {"levering": "immediate"})
    brand = db.session.get(type(brand), brand.id)
    brand.contact_policy = {"min_days_between": 21, "max_per_journey": 3}
    db.session.commit()
    html = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "iedere klant dezelfde vraag" in html
    assert "Levering &amp; montage: direct gepubliceerd" in html
    assert "Oriëntatie: eerst bekeken door een moderator" in html
    assert "hoogstens 3 uitnodigingen per klantreis en minstens 21 dagen" in html
    # a rule switched off (0) is no promise on the page
    api.patch("/api/v1/brand", json={"contact_policy": {"min_days_between": 0}})
    relaxed = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "hoogstens 3 uitnodigingen per klantreis." in relaxed and "0 dagen" not in relaxed
    for ground in ("de schrijver is geen klant", "beledigend", "persoonsgegevens", "spam"):
        assert ground in html
    assert "nooit geweigerd of verwijderd omdat hij negatief is" in html
    # one is one, in both languages
    api.patch(
        "/api/v1/brand", json={"contact_policy": {"min_days_between": 1, "max_per_journey": 1}}
    )
    strict = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "hoogstens 1 uitnodiging per klantreis en minstens 1 dag tussen twee" in strict
    strict = client.get("/reviews/testbad/about?lang=en").get_data(as_text=True)
    assert "at most 1 invitation per journey and at least 1 day between two" in strict
    assert "Meld deze review" in html
    import loyalty

    bonus = loyalty.get_policy(brand.id)["review_bonus"]
    assert f"{bonus} extra punten" in html
    english = client.get("/reviews/testbad/about?lang=en").get_data(as_text=True)
    assert "every customer gets the same question" in english


def test_the_about_page_counts_answers_per_channel_as_the_figures_do(api, survey, brand, client):
    """From the survey rollup, as the dashboard counts: answers the pipeline counted, not a
    count of every raw answer on each view."""
    from app.services import review_public

    for score in (9, 4, 7):
        reply = api.post(
            "/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": score}}
        )
        assert reply.status_code == 202
    assert review_public.disclosure(brand)["channels"] == {"api": 3}
    html = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "(3)</li>" in html


def test_flagging_needs_csrf_counts_once_per_reader_and_never_hides(api, survey, brand, client):
    review = published(api, survey, brand)
    url = f"/reviews/testbad/r/{review.id}/flag"
    page = client.get(url)
    assert page.status_code == 200 and "noindex" in page.headers["X-Robots-Tag"]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    no_token = client.post(url, data={"reason": "fake"})
    assert no_token.status_code == 400 and db.session.query(ReviewFlag).count() == 0
    bad = client.post(url, data={"reason": "i hate it", "csrf_token": token})
    assert bad.status_code == 422 and db.session.query(ReviewFlag).count() == 0
    long_note = client.post(url, data={"reason": "fake", "note": "x" * 1001, "csrf_token": token})
    assert long_note.status_code == 422 and db.session.query(ReviewFlag).count() == 0
    ok = client.post(
        url, data={"reason": "fake", "note": "Nooit klant geweest", "csrf_token": token}
    )
    assert ok.status_code == 200 and "Bedankt" in ok.text
    again = client.post(url, data={"reason": "spam", "csrf_token": token})
    assert "al ontvangen" in again.text
    db.session.expire_all()
    flagged = db.session.get(Review, review.id)
    assert flagged.flag_count == 1 and flagged.status == "published"
    assert flagged.flags[0].reason == "fake" and len(flagged.flags[0].client_hash) == 64
    listed = api.get(f"/api/v1/reviews/{review.id}").json
    assert listed["flags"][0]["note"] == "Nooit klant geweest"


def _reader(app, url: str, address: str):
    """A reader's flag request, for Contenders: a client of its own, with its CSRF token."""
    import threading

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    pages = []
    # In a thread: in the test's app context flask-wtf would reuse the token held in `g`.
    fetch = threading.Thread(target=lambda: pages.append(client.get(url)))
    fetch.start()
    fetch.join(30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', pages[0].text).group(1)
    return lambda: client.post(url, data={"reason": "fake", "csrf_token": token})


def test_the_flag_note_follows_the_direction_of_what_is_typed(api, survey, brand, client):
    review = published(api, survey, brand)
    html = client.get(f"/reviews/testbad/r/{review.id}/flag").get_data(as_text=True)
    note = re.search(r'<textarea[^>]*name="note"[^>]*>', html).group(0)
    assert 'dir="auto"' in note  # a note in Arabic or Hebrew is written right to left


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("addresses", "flags"), [(["10.0.0.1", "10.0.0.2"], 2), (["10.0.0.1", "10.0.0.1"], 1)]
)
def test_flags_at_once_all_count_and_a_readers_second_is_a_repeat(
    app, api, survey, brand, addresses, flags
):
    """Without the lock two readers' flags counted as one, and one reader's two were a 500."""
    review = published(api, survey, brand)
    url = f"/reviews/testbad/r/{review.id}/flag"
    readers = [_reader(app, url, address) for address in addresses]
    db.session.commit()
    held = ("SELECT id FROM review WHERE id = :id FOR UPDATE", {"id": review.id})
    with Contenders(readers, *held) as race:
        pass
    assert [reply.status_code for reply in race.replies] == [200, 200]
    assert sum("al ontvangen" in reply.text for reply in race.replies) == 2 - flags
    db.session.expire_all()
    assert db.session.get(Review, review.id).flag_count == flags
    assert db.session.query(ReviewFlag).count() == flags


@pytest.mark.parametrize("path", ["/robots.txt"])
def test_robots_points_at_the_sitemap(client, path):
    text = client.get(path).get_data(as_text=True)
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in text
    assert "Allow: /reviews/" in text and "Disallow: /api/" in text


@pytest.fixture
def limited_client(database_uri, app, db):
    """An app with rate limiting on (and CSRF off, to count only the limit)."""
    from app import create_app
    from app.extensions import limiter
    from tests.conftest import _normalise

    limited = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": _normalise(database_uri),
            "RATELIMIT_ENABLED": True,
            "WTF_CSRF_ENABLED": False,
        },
    )
    with limited.app_context():
        limiter.reset()
    yield limited.test_client()
    with limited.app_context():
        limiter.reset()
        # close this app's own pool now: a garbage-collected open psycopg connection warns
        db.engine.dispose()
    limiter.enabled = False


def test_flagging_is_rate_limited(api, survey, brand, limited_client):
    review = published(api, survey, brand)
    url = f"/reviews/testbad/r/{review.id}/flag"
    statuses = [limited_client.post(url, data={"reason": "spam"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert db.session.query(ReviewFlag).count() == 1


def _later(monkeypatch, seconds: int = 300):
    """The pages answer as if read this much later than the changes just made."""
    from datetime import timedelta

    from app.models.base import utcnow
    from app.reviews import http

    monkeypatch.setattr(http, "utcnow", lambda: utcnow() + timedelta(seconds=seconds))


def test_a_copy_served_right_after_a_change_carries_no_date(api, survey, brand, client):
    """HTTP dates have whole seconds: a second change within the second of the first would
    keep the date a client holds, and If-Modified-Since would answer 304 to a stale copy. So a
    date goes out only once its second has passed; any later change then moves past it."""
    from datetime import timedelta

    from app.models.base import utcnow
    from app.reviews.http import _settled

    published(api, survey, brand)
    fresh = client.get("/reviews/testbad")
    assert "Last-Modified" not in fresh.headers and fresh.headers["ETag"]
    now = utcnow()
    assert _settled(now - timedelta(milliseconds=400)) is None
    settled = _settled(now - timedelta(seconds=2, milliseconds=400))
    assert settled.microsecond == 0 and settled.tzinfo is not None


def test_counts_group_thousands_in_the_readers_language(api, survey, brand, client, db):
    """1357 reviews read "1357"; the averages had their comma, the counts no separator."""
    from sqlalchemy import select, update

    from app.models.review import ReviewTally

    set_policy(brand, "immediate")
    answer(api, survey, nps=9, text="Netjes gedaan.")
    # The tally as 1,357 reviews would leave it (and back after: it must match a recount).
    row = ReviewTally.brand_id == brand.id, ReviewTally.published == 1
    was = db.session.execute(
        select(ReviewTally.published_verified, ReviewTally.published_incentivized).where(*row)
    ).one()
    db.session.execute(
        update(ReviewTally)
        .where(*row)
        .values(published=1357, published_verified=1200, published_incentivized=1001)
    )
    db.session.commit()
    dutch = client.get("/reviews/testbad").get_data(as_text=True)
    assert "1.357 reviews" in dutch and ">1.357</td>" in dutch
    english = client.get("/reviews/testbad?lang=en").get_data(as_text=True)
    assert "1,357 reviews" in english and ">1,357</td>" in english
    about = client.get("/reviews/testbad/about").get_data(as_text=True)
    assert "Nu zijn 1.200 van de 1.357 gepubliceerde" in about
    badge = client.get("/feeds/testbad/badge.json").json
    assert badge["count_text"] == "1.357 reviews"
    assert badge["labels_text"].startswith("1.200 van de 1.357 geverifieerd")
    assert "voor het beantwoorden" in badge["labels_text"]
    db.session.execute(
        update(ReviewTally)
        .where(ReviewTally.brand_id == brand.id, ReviewTally.published == 1357)
        .values(published=1, published_verified=was[0], published_incentivized=was[1])
    )
    db.session.commit()
