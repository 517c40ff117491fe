"""The Reviews page's import form: owners and editors bring their reviews from a file, see
what was imported and which lines were refused and why; a viewer cannot."""

import io

from sqlalchemy import select

from app.extensions import db
from app.models import Review

URL = "/dashboard/reviews/import"
FILE = (
    "\ufeffdatum;cijfer;titel;tekst;naam;referentie\n"
    "05-03-2024;9;Top;Snel geleverd.;Jan de Vries;k-1\n"
    "31-02-2024;8;Kapot;Geen echte datum.;Els;k-2\n"
)


def send(dashboard, text=FILE, csrf=True, **fields):
    data = {"source": "Kiyoh", "publish": "immediate", **fields}
    if text is not None:
        data["file"] = (io.BytesIO(text.encode("utf-8")), "kiyoh.csv")
    return dashboard.post(URL, data, csrf=csrf, content_type="multipart/form-data")


def words(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def imported() -> list[Review]:
    db.session.expire_all()
    return list(db.session.scalars(select(Review).where(Review.source.is_not(None))))


def test_owner_imports_and_reads_what_was_refused(dash, journey):
    assert 'action="/dashboard/reviews/import"' in dash.html("/dashboard/reviews")
    response = send(dash)
    assert response.status_code == 200
    page = words(response)
    assert "Reviews imported" in page
    assert "2 lines read: 1 imported (1 published, 0 held for a moderator)" in page
    assert "1 refused" in page and "Line 3:" in page and "not a date" in page
    assert "imported from Kiyoh, written 2024-03-05" in page  # the card on the published tab
    [review] = imported()
    assert (review.source, review.status) == ("Kiyoh", "published")
    log = review.moderation[0]
    assert (log.actor, log.note) == ("owner@testbad.example", "imported from Kiyoh")


def test_the_same_file_again_imports_nothing(dash, journey):
    send(dash)
    page = words(send(dash))
    assert "0 imported" in page and "1 imported before" in page
    assert len(imported()) == 1


def test_a_check_stores_nothing(dash, journey):
    page = words(send(dash, dry_run="on"))
    assert "Checked, nothing imported (preview)" in page and "1 would be imported" in page
    assert imported() == []


def test_an_editor_may_import_a_viewer_may_not(as_role, journey):
    assert send(as_role("editor")).status_code == 200
    viewer = as_role("viewer")
    assert 'action="/dashboard/reviews/import"' not in viewer.html("/dashboard/reviews")
    assert send(viewer, FILE.replace("k-1", "k-9")).status_code == 403
    assert len(imported()) == 1


def test_without_csrf_nothing_is_imported(dash, journey):
    assert send(dash, csrf=False).status_code == 400
    assert imported() == []


def test_a_bad_file_is_named_and_nothing_stored(dash, journey):
    response = send(dash, "naam;tekst\nJan;Goed\n")
    assert response.status_code == 422
    page = words(response)
    assert "Nothing was imported" in page and "name a column date (or datum)" in page
    assert send(dash, None).status_code == 422  # no file chosen
    everything_wrong = send(dash, "datum;cijfer;tekst\n01-01-2024;12;Goed\n")
    assert everything_wrong.status_code == 422
    assert "Line 2" in everything_wrong.get_data(as_text=True)
    assert send(dash, publish="always").status_code == 422
    assert imported() == []


def test_what_the_file_says_is_escaped_on_the_dashboard(dash, journey):
    text = "date,rating,text,name\n2024-01-05,5,<img src=x onerror=alert(1)>,<b>Eve</b>\n"
    page = send(dash, text, source="<i>Kiyoh</i>").get_data(as_text=True)
    assert "<img src=x" not in page and "<i>Kiyoh</i>" not in page
    assert "&lt;i&gt;Kiyoh&lt;/i&gt;" in page
