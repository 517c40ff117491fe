"""Reviews brought from Kiyoh, Trustpilot, Google or a spreadsheet: the file, the honesty of
what is shown, and every way in (API, dashboard, CLI)."""

import io
import json
from datetime import date

import extruct
import pytest
from sqlalchemy import func, select

from app import timestamps
from app.extensions import db
from app.models import Review, WebhookDelivery
from app.models.review import ModerationEntry
from app.services import review_import
from loyalty.models import LedgerEntry
from tests.reviews.helpers import published, set_policy

URL = "/api/v1/reviews/import"
KIYOH = (
    "datum;score;titel;tekst;naam;referentie\n"
    "05-03-2024;9;Top service;Snel geleverd en netjes gemonteerd.;Jan de Vries;kiyoh-1\n"
    "17-11-2023;4;Te laat;De montage liep twee dagen uit.;Els;kiyoh-2\n"
)
ENGLISH = (
    "date,rating,title,text,name,reference,phase\n"
    "2024-02-01,5,Great,Lovely new bathroom.,Anna Smith,tp-1,levering\n"
    '2024-02-02T10:30:00Z,2,"Meh, slow","Slow, but fine in the end.",Bob,tp-2,aankoop\n'
)


def csv_post(api, text, query="?source=Kiyoh&publish=immediate", encoding="utf-8"):
    body = text.encode(encoding) if isinstance(text, str) else text
    return api.post(URL + query, data=body, headers={"Content-Type": "text/csv"})


def imported_reviews():
    db.session.expire_all()
    return list(
        db.session.scalars(select(Review).where(Review.source.is_not(None)).order_by(Review.id))
    )


def json_ld(html: str) -> list[dict]:
    return extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]


# --- the file --------------------------------------------------------------------------------


def test_kiyoh_file_with_semicolons_and_a_bom_keeps_dates_and_maps_the_score(api, journey, brand):
    answer = csv_post(api, "\ufeff" + KIYOH)
    assert answer.status_code == 200, answer.json
    assert answer.json["imported"] == 2 and answer.json["published"] == 2
    assert answer.json["refused"] == [] and answer.json["sources"] == ["Kiyoh"]
    first, second = imported_reviews()
    # the day it was written, in the brand's zone, whatever the hour in UTC
    assert timestamps.local_day(first.answered_at, brand.time_zone) == date(2024, 3, 5)
    assert timestamps.local_day(second.answered_at, brand.time_zone) == date(2023, 11, 17)
    # 1-10 → half, rounded up: 9 → 5 stars, 4 → 2 stars; the score is kept
    assert (first.rating, first.rating_source, first.source_score) == (5, "score10", 9)
    assert (second.rating, second.source_score) == (2, 4)
    assert first.display_name == "Jan V."  # the same privacy rule as collected reviews
    assert first.published_at == first.answered_at  # in its place in time on the pages
    # the last phase of the first journey, for lines without one
    assert first.phase.key == "levering"
    assert (first.verified, first.incentivized, first.customer_id) == (False, False, None)
    assert (first.response_id, first.channel, first.external_ref) == (None, "import", "kiyoh-1")


def test_english_comma_file_with_phases_and_iso_dates(api, journey):
    answer = csv_post(api, ENGLISH, "?source=Trustpilot")
    assert answer.status_code == 200, answer.json
    great, meh = imported_reviews()
    assert (great.rating_source, great.rating, great.phase.key) == ("stars", 5, "levering")
    assert (meh.title, meh.body, meh.phase.key) == (
        "Meh, slow",
        "Slow, but fine in the end.",
        "aankoop",
    )
    assert meh.answered_at.isoformat() == "2024-02-02T10:30:00"


@pytest.mark.parametrize(
    "score, stars",
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (8, 4), (9, 5), (10, 5)],
)
def test_a_kiyoh_score_is_half_rounded_up(score, stars):
    assert review_import.stars_of(score) == stars


def test_the_same_file_twice_creates_nothing_new(api, journey, count_rows):
    assert csv_post(api, KIYOH).json["imported"] == 2
    again = csv_post(api, KIYOH)
    assert again.status_code == 200
    assert (again.json["imported"], again.json["already"]) == (0, 2)
    assert count_rows(Review) == 2


def test_a_file_without_references_is_named_by_its_content(api, journey, count_rows):
    text = "date,rating,text\n2024-01-05,4,Prima geholpen.\n2024-01-06,4,Prima geholpen.\n"
    assert csv_post(api, text).json["imported"] == 2  # two days: two reviews
    assert csv_post(api, text).json["already"] == 2
    assert count_rows(Review) == 2


def test_refused_lines_are_named_and_the_good_ones_imported(api, journey, count_rows):
    text = (
        "datum;cijfer;tekst;fase\n"
        "01-02-2024;8;Goed.;levering\n"
        "31-02-2024;8;Geen datum die bestaat.;levering\n"
        "01-02-2024;11;Te hoog.;levering\n"
        "01-02-2099;8;Uit de toekomst.;levering\n"
        "01-02-2024;8;;levering\n"
        f"01-02-2024;8;{'x' * 5001};levering\n"
        "01-02-2024;8;Onbekende fase.;bestaat-niet\n"
    )
    answer = csv_post(api, text)
    assert answer.status_code == 200
    assert answer.json["imported"] == 1
    refused = {item["line"]: item["errors"] for item in answer.json["refused"]}
    assert set(refused) == {3, 4, 5, 6, 7, 8}
    assert "not a date" in refused[3]["date"][0]
    assert "1 to 10" in refused[4]["score"][0]
    assert "future" in refused[5]["date"][0]
    assert "no text" in refused[6]["text"][0]
    assert "at most 5,000" in refused[7]["text"][0]
    assert "no phase 'bestaat-niet'" in refused[8]["phase"][0]
    assert count_rows(Review) == 1


def test_another_brands_phase_is_unknown(api, journey, other_brand, count_rows):
    from tests.conftest import ApiClient

    other = ApiClient(api.client, other_brand["key"])
    showroom = {"name": "Winkel", "phases": [{"key": "showroom", "name": "Showroom"}]}
    assert other.post("/api/v1/journeys", json=showroom).status_code == 201
    text = "date,rating,text,phase\n2024-01-05,4,Goed.,showroom\n"
    answer = csv_post(api, text)
    assert answer.status_code == 422
    assert answer.json["error"]["fields"]["lines.2.phase"] == [
        "no phase 'showroom' in your journeys"
    ]
    assert csv_post(api, KIYOH, "?source=Kiyoh&phase=showroom").status_code == 422
    assert count_rows(Review) == 0


# --- bad files through the API: 4xx in the error shape, nothing stored ----------------------


@pytest.mark.parametrize(
    "body, status, field",
    [
        ("", 422, "file"),
        ("date,rating,text\n", 422, "file"),
        ("rating,text\n5,Goed.\n", 422, "file"),  # no date column
        ("date,text\n2024-01-01,Goed.\n", 422, "file"),  # no rating column
        ("date,rating\n2024-01-01,5\n", 422, "file"),  # no text column
        (b"PK\x03\x04 a workbook", 422, "file"),
        ("date,rating,text\n2024-01-01,6,Goed.\n", 422, "lines.2.rating"),
        ("date,rating,text\n2024-13-01,5,Goed.\n", 422, "lines.2.date"),
        ("date,rating,text\n0001-01-01T00:00:00+05:00,5,Goed.\n", 422, "lines.2.date"),
        ("date,rating,text\n31-12-9999 23:59,5,Goed.\n", 422, "lines.2.date"),
        ("date,rating,text\n1990-05-01,5,Goed.\n", 422, "lines.2.date"),
        ("date,rating,text\n2024-01-01,4.5,Goed.\n", 422, "lines.2.rating"),
    ],
)
def test_bad_files_are_refused_whole(api, journey, count_rows, body, status, field):
    answer = csv_post(api, body)
    assert answer.status_code == status, answer.json
    assert set(answer.json["error"]) >= {"code", "message", "fields"}
    assert field in answer.json["error"]["fields"]
    assert count_rows(Review) == 0


def test_a_file_too_large_is_a_413(api, journey, count_rows):
    body = "date,rating,text\n" + "2024-01-01,5,Goed.\n" * 300_000
    answer = csv_post(api, body)
    assert answer.status_code == 413
    assert answer.json["error"]["code"]
    assert count_rows(Review) == 0


def test_more_lines_than_allowed_are_refused(api, journey, count_rows, monkeypatch):
    monkeypatch.setattr(review_import, "MAX_LINES", 2)
    answer = csv_post(api, "date,rating,text\n" + "2024-01-01,5,Goed.\n" * 3)
    assert answer.status_code == 422 and "file" in answer.json["error"]["fields"]
    assert count_rows(Review) == 0


def test_json_is_a_415_and_bad_settings_a_422(api, journey, count_rows):
    assert api.post(URL, json={"reviews": []}).status_code == 415
    assert csv_post(api, KIYOH, "?publish=always").status_code == 422
    assert csv_post(api, KIYOH, "?phase=bestaat-niet").status_code == 422
    no_source = csv_post(api, KIYOH, "")
    assert no_source.status_code == 422
    assert "lines.2.source" in no_source.json["error"]["fields"]
    assert count_rows(Review) == 0


def test_multipart_upload_and_dry_run(api, journey, count_rows):
    dry = api.post(
        URL + "?source=Kiyoh&dry_run=true",
        data={"file": (io.BytesIO(KIYOH.encode()), "kiyoh.csv")},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200, dry.json
    assert (dry.json["dry_run"], dry.json["imported"], dry.json["review_ids"]) == (True, 2, [])
    assert count_rows(Review) == 0
    done = api.post(
        URL + "?source=Kiyoh",
        data={"file": (io.BytesIO(KIYOH.encode()), "kiyoh.csv")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 200 and len(done.json["review_ids"]) == 2


def test_the_api_documents_the_csv_body(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/reviews/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {"text/csv", "multipart/form-data"}
    assert {p["name"] for p in operation["parameters"]} >= {"source", "phase", "publish"}
    assert {"200", "413", "415", "422"} <= set(operation["responses"])
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "<code>text/csv</code> or <code>multipart/form-data</code>" in docs


def test_without_a_key_nothing_is_imported(client, journey, count_rows):
    answer = client.post(URL + "?source=Kiyoh", data=KIYOH, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 401
    assert count_rows(Review) == 0


def test_the_policy_decides_unless_published_at_once(api, journey, brand):
    set_policy(brand, "moderate")
    held = csv_post(api, KIYOH, "?source=Kiyoh")
    assert (held.json["pending"], held.json["published"]) == (2, 0)
    reviews = imported_reviews()
    assert {review.status for review in reviews} == {"pending"}
    assert reviews[0].hold_reasons == ["phase_policy"]
    # a moderator publishing it later keeps its original date in place
    api.post(f"/api/v1/reviews/{reviews[0].id}/moderation", json={"action": "publish"})
    db.session.expire_all()
    assert db.session.get(Review, reviews[0].id).published_at == reviews[0].answered_at
    listed = api.get("/api/v1/reviews?status=published").json["items"]
    assert listed[0]["source"] == "Kiyoh" and listed[0]["response_id"] is None


def test_no_points_no_webhooks_no_mail(api, journey, brand, count_rows, app):
    api.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example/x", "events": ["review.published", "review.removed"]},
    )
    api.patch("/api/v1/loyalty/policy", json={"enabled": True, "review_bonus": 25})
    set_policy(brand, "moderate")
    csv_post(api, KIYOH, "?source=Kiyoh")
    review = imported_reviews()[0]
    api.post(f"/api/v1/reviews/{review.id}/moderation", json={"action": "publish"})
    api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": "Dank u!"})
    api.post(
        f"/api/v1/reviews/{review.id}/moderation",
        json={"action": "remove", "reason": "spam"},
    )
    assert count_rows(WebhookDelivery) == 0
    assert count_rows(LedgerEntry) == 0
    notices = db.session.scalars(
        select(ModerationEntry.notice).where(ModerationEntry.review_id == review.id)
    ).all()
    assert all(notice is None or notice["status"] == "no_address" for notice in notices)


# --- what readers see ------------------------------------------------------------------------


def test_public_pages_show_the_source_and_date_in_both_languages(api, journey, client):
    csv_post(api, KIYOH)
    review = imported_reviews()[0]
    nl = client.get(f"/reviews/testbad/r/{review.id}").get_data(as_text=True)
    assert "Geïmporteerd van Kiyoh" in nl and "Geschreven op" in nl and "5 maart 2024" in nl
    assert "afgeleid van een 9 (schaal 1–10) op Kiyoh" in nl
    assert "Niet geverifieerd" in nl
    en = client.get(f"/reviews/testbad/r/{review.id}?lang=en").get_data(as_text=True)
    assert "Imported from Kiyoh" in en and "5 March 2024" in en
    listed = client.get("/reviews/testbad").get_data(as_text=True)
    assert "Geïmporteerd van Kiyoh" in listed and "17 november 2023" in listed
    assert "2 reviews geïmporteerd van Kiyoh" in listed


def test_imported_reviews_stay_out_of_the_json_ld(api, journey, survey, brand, client):
    collected = published(api, survey, brand, nps=10)
    csv_post(api, "date,rating,text\n2024-01-05,1,Slecht.\n2024-01-06,1,Heel slecht.\n")
    html = client.get("/reviews/testbad").get_data(as_text=True)
    [data] = json_ld(html)
    # the average and the count are of the collected review alone, on the page as in the markup
    assert data["aggregateRating"]["reviewCount"] == 1
    assert data["aggregateRating"]["ratingValue"] == 5
    assert [item["url"].rsplit("/", 1)[1] for item in data["review"]] == [str(collected.id)]
    assert "Gemiddeld 5,0 van 5" in html
    imported = imported_reviews()[0]
    page = client.get(f"/reviews/testbad/r/{imported.id}").get_data(as_text=True)
    assert json_ld(page) == []


def test_only_imported_reviews_give_no_aggregate_rating(api, journey, client):
    csv_post(api, KIYOH)
    [data] = json_ld(client.get("/reviews/testbad").get_data(as_text=True))
    assert "aggregateRating" not in data and "review" not in data


def test_feeds_and_sitemap_carry_them_with_their_source(api, journey, client):
    csv_post(api, KIYOH)
    items = client.get("/feeds/testbad/reviews.json").json["items"]
    assert {item["source"] for item in items} == {"Kiyoh"}
    assert all("imported" in item["labels"] for item in items)
    assert items[0]["written_at"].startswith("20")
    atom = client.get("/feeds/testbad/reviews.atom").get_data(as_text=True)
    assert "Imported from Kiyoh" in atom or "Geïmporteerd van Kiyoh" in atom
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert all(f"/reviews/testbad/r/{review.id}" in sitemap for review in imported_reviews())


def test_what_a_file_says_is_escaped(api, journey, client):
    text = (
        "date,rating,title,text,name,source\n"
        '2024-01-05,5,<script>alert(1)</script>,"</script><img src=x onerror=alert(1)>",'
        "<b>Eve</b>,<i>Kiyoh</i>\n"
    )
    assert csv_post(api, text, "?publish=immediate").status_code == 200
    review = imported_reviews()[0]
    for url in ("/reviews/testbad", f"/reviews/testbad/r/{review.id}"):
        html = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<i>Kiyoh</i>" not in html and "&lt;i&gt;Kiyoh&lt;/i&gt;" in html


# --- erasure ---------------------------------------------------------------------------------


def test_an_imported_review_can_be_erased_and_stays_erased(api, journey, survey, brand, client):
    csv_post(api, KIYOH)
    review = imported_reviews()[0]
    erased = api.post(f"/api/v1/reviews/{review.id}/erasure")
    assert erased.status_code == 200 and erased.json["status"] == "erased"
    db.session.expire_all()
    gone = db.session.get(Review, review.id)
    assert (gone.status, gone.body, gone.display_name, gone.title) == ("removed", "", "", None)
    assert client.get(f"/reviews/testbad/r/{review.id}").status_code == 410
    feed = client.get("/feeds/testbad/reviews.json").json
    assert review.id in [item["id"] for item in feed["tombstones"]]
    assert api.post(f"/api/v1/reviews/{review.id}/erasure").json["status"] == "already_erased"
    # the same file again does not bring it back
    assert csv_post(api, KIYOH).json["imported"] == 0
    collected = published(api, survey, brand)
    refused = api.post(f"/api/v1/reviews/{collected.id}/erasure")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_imported"


def test_another_brands_review_cannot_be_erased(api, journey, other_brand):
    from tests.conftest import ApiClient

    csv_post(api, KIYOH)
    review = imported_reviews()[0]
    other = ApiClient(api.client, other_brand["key"])
    assert other.post(f"/api/v1/reviews/{review.id}/erasure").status_code == 404


# --- the command line ------------------------------------------------------------------------


def test_cli_imports_and_names_refused_lines(app, journey, tmp_path, count_rows):
    from app.channels_cli import review_import_command

    path = tmp_path / "kiyoh.csv"
    path.write_text(KIYOH + "99-99-2024;8;Kapot.;Piet;kiyoh-3\n", encoding="utf-8-sig")
    args = ["--brand", "testbad", "--source", "Kiyoh", str(path)]
    result = app.test_cli_runner().invoke(review_import_command, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 2
    assert "line 4 refused: date" in result.stderr
    again = app.test_cli_runner().invoke(review_import_command, args)
    assert json.loads(again.stdout)["already"] == 2
    assert count_rows(Review) == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    failed = app.test_cli_runner().invoke(review_import_command, ["--brand", "testbad", str(empty)])
    assert failed.exit_code != 0 and "empty" in failed.output


def test_tally_counts_imported_reviews_apart(api, journey, brand):
    from app.services import review_tally

    csv_post(api, KIYOH)
    totals = review_tally.totals(brand.id)
    assert (totals["published"], totals["published_imported"]) == (2, 2)
    assert db.session.scalar(select(func.count(Review.id))) == 2


def test_the_sample_files_in_the_docs_import_as_documented(api, journey, brand):
    from pathlib import Path

    samples = Path(__file__).parents[2] / "docs" / "samples"
    kiyoh = csv_post(api, (samples / "reviews-kiyoh.csv").read_bytes(), "?source=Kiyoh")
    assert kiyoh.status_code == 200, kiyoh.json
    assert (kiyoh.json["imported"], kiyoh.json["refused"]) == (3, [])
    trustpilot = csv_post(api, (samples / "reviews-trustpilot.csv").read_bytes(), "")
    assert (trustpilot.json["imported"], trustpilot.json["sources"]) == (2, ["Trustpilot"])
    by_ref = {review.external_ref: review for review in imported_reviews()}
    assert by_ref["kiyoh-88412"].body == "Snel geleverd; de monteur was netjes en op tijd."
    assert by_ref["kiyoh-77301"].rating == 5 and by_ref["kiyoh-77301"].title is None
    assert by_ref["tp-6412af"].locale == "en"


def test_about_page_and_badge_say_what_was_imported(api, journey, brand, client):
    csv_post(api, KIYOH)
    about = " ".join(client.get("/reviews/testbad/about?lang=en").get_data(as_text=True).split())
    assert (
        "2 of the published reviews were <strong>imported</strong> from another site (Kiyoh)"
        in about
    )
    badge = client.get("/feeds/testbad/badge.json").json
    assert badge["count"] == 0 and badge["average"] is None  # collected ones only
    assert {item["source"] for item in badge["reviews"]} == {"Kiyoh"}
    assert badge["reviews"][0]["date"] == "5 maart 2024"
    assert badge["texts"]["imported"] == "Geïmporteerd van {source}"


def test_the_weekly_report_does_not_count_an_import_as_new_reviews(api, journey, brand):
    from datetime import timedelta

    from app.models.base import utcnow
    from app.services import weekly_report_mail

    set_policy(brand, "moderate")
    csv_post(api, KIYOH, "?source=Kiyoh")
    today = timestamps.local_day(utcnow(), brand.time_zone)
    week = today - timedelta(days=today.weekday())
    # none written by customers this week; the two held imports do wait for a moderator
    line = weekly_report_mail.review_line(brand, week)
    assert line.startswith("Reviews: 0 new in the week; 2 wait for moderation")


@pytest.mark.postgres
def test_the_same_file_twice_at_once_imports_once(app, api, journey, brand, count_rows):
    from tests.conftest import Contenders

    def send():
        return app.test_client().post(
            URL + "?source=Kiyoh",
            data=KIYOH.encode(),
            headers={**api._headers(None), "Content-Type": "text/csv"},
        )

    held = ("SELECT id FROM brand WHERE id = :id FOR UPDATE", {"id": brand.id})
    with Contenders([send, send], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [200, 200]
    assert sorted(reply.json["imported"] for reply in race.replies) == [0, 2]
    assert count_rows(Review) == 2
