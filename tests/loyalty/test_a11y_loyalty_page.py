"""The loyalty page on a phone and in date order (accessibility audit findings 4 and 15)."""

import re
from datetime import datetime
from pathlib import Path

import pytest

import loyalty
from app.extensions import db
from app.services import loyalty_page
from tests.channels.helpers import ThreadedServer, chromium
from tests.loyalty import helpers

ROW = re.compile(
    r'<time datetime="([\d-]+)">.*?</time></td>\s*<td>(.*?)</td>\s*'
    r'<td class="num[^"]*">([^<]*)</td>\s*<td class="num">([^<]*)</td>',
    re.S,
)


@pytest.fixture
def anna(brand):
    return helpers.customer(brand, "anna")


def url(brand, customer) -> str:
    return f"/loyalty/{loyalty.customer_token(brand.id, customer.id)}"


def ledger_rows(html: str) -> list[tuple[str, str, int, int]]:
    return [(day, what, int(points), int(after)) for day, what, points, after in ROW.findall(html)]


def backdated_ledger(brand, survey, anna):
    """Entries written in a different order from their dates, as a late pipeline run or a
    correction dated to the delivery makes them."""
    helpers.award(helpers.response(brand, survey["id"], anna, created_at=datetime(2026, 9, 10)))
    loyalty.adjust(brand.id, anna.id, points=7, reason="Excuses", at=datetime(2026, 10, 5))
    loyalty.adjust(brand.id, anna.id, points=3, reason="Levering", at=datetime(2026, 9, 27))
    loyalty.redeem(brand.id, anna.id, reward_key="koffie", points=5, at=datetime(2026, 9, 20))
    db.session.commit()


def test_history_is_newest_first_by_date_with_its_running_balance(client, brand, survey, anna):
    backdated_ledger(brand, survey, anna)
    html = client.get(url(brand, anna) + "?lang=en").text
    rows = ledger_rows(html)
    assert [(day, points, after) for day, _, points, after in rows] == [
        ("2026-10-05", 7, 15),
        ("2026-09-27", 3, 8),
        ("2026-09-20", -5, 5),
        ("2026-09-10", 10, 10),
    ]
    assert rows[2][1] == "Redeemed: koffie"
    assert "<strong>15</strong> points" in html


def test_a_long_history_shows_the_newest_dates_and_says_older_ones_are_left_out(
    client, brand, survey, anna, monkeypatch
):
    backdated_ledger(brand, survey, anna)
    monkeypatch.setattr(loyalty_page, "LEDGER_LIMIT", 2)
    html = client.get(url(brand, anna)).text
    assert [(day, after) for day, _, _, after in ledger_rows(html)] == [
        ("2026-10-05", 15),
        ("2026-09-27", 8),
    ]
    assert "Alleen de laatste 2 regels worden getoond." in html
    assert "<strong>15</strong> punten" in html  # the balance still counts every entry


@pytest.mark.parametrize(
    ("query", "formal", "label"),
    [
        ("?lang=nl", False, "Tabel: overzicht van je punten"),
        ("?lang=nl", True, "Tabel: overzicht van uw punten"),
        ("?lang=en", False, "Table: your points history"),
    ],
)
def test_the_ledger_scrolls_in_its_own_named_focusable_region(
    client, brand, survey, anna, query, formal, label
):
    brand.formal_address = formal
    helpers.award(helpers.response(brand, survey["id"], anna))
    html = client.get(url(brand, anna) + query).text
    region = re.search(r'<div class="loyalty-scroll"([^>]*)>\s*<table>', html)
    assert region is not None
    assert 'role="region"' in region.group(1) and 'tabindex="0"' in region.group(1)
    assert f'aria-label="{label}"' in region.group(1)


def test_the_page_css_keeps_the_table_in_its_box_and_the_points_pills_small(app):
    css = Path(app.static_folder, "loyalty.css").read_text()
    assert re.search(r"\.loyalty-scroll \{[^}]*overflow-x: auto", css)
    assert re.search(r"\.loyalty-rewards \.badge \{[^}]*align-self: start", css)


@pytest.mark.browser
def test_no_sideways_scroll_on_a_phone(app, brand, survey, anna):
    loyalty.save_policy(
        brand.id,
        {
            "rewards": [
                {"key": "set", "name": "Onderhoudsset voor uw badkamer", "points": 30},
                {"key": "kit", "name": "Kitvoegen vernieuwen aan huis", "points": 60},
                {"key": "korting", "name": "€ 50 korting op uw volgende bestelling", "points": 120},
            ]
        },
    )
    helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
    for day in (27, 10, 3):
        loyalty.adjust(brand.id, anna.id, points=15, reason="Excuses", at=datetime(2026, 9, day))
    loyalty.redeem(brand.id, anna.id, reward_key="set", at=datetime(2026, 9, 20))
    db.session.commit()
    path = url(brand, anna)
    with ThreadedServer(app) as server, chromium() as browser:
        for width in (320, 360, 375):
            page = browser.new_page(viewport={"width": width, "height": 640})
            for lang in ("nl", "en"):
                page.goto(f"{server.origin}{path}?lang={lang}")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (width, lang, scroll)
                # The table fits its card too, even with the demo's longest Dutch reward name
                # in Debian's wide DejaVu font: its box scrolls only for a still longer word.
                box = page.evaluate(
                    "(e => [e.scrollWidth, e.clientWidth])"
                    "(document.querySelector('.loyalty-scroll'))"
                )
                assert box[0] <= box[1], (width, lang, box)
                pills = page.evaluate(
                    "[...document.querySelectorAll('.loyalty-rewards .badge')]"
                    ".map(e => e.getBoundingClientRect().height)"
                )
                assert pills and max(pills) < 32, (width, lang, pills)
            page.close()


@pytest.mark.browser
def test_a_brand_name_of_one_long_word_wraps_on_a_phone(app, brand, survey, anna):
    brand.name = "Badkamerrenovatieoffertebesprekingsafspraakbevestigingsmail B.V."
    helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
    db.session.commit()
    with ThreadedServer(app) as server, chromium() as browser:
        page = browser.new_page(viewport={"width": 320, "height": 640})
        for lang in ("nl", "en"):
            page.goto(f"{server.origin}{url(brand, anna)}?lang={lang}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, lang
        page.close()


def test_a_line_is_dated_by_the_brands_day(client, brand, anna):
    """Points given at 00:30 in Amsterdam (23:30 UTC) are not "yesterday" to the customer."""
    loyalty.adjust(brand.id, anna.id, points=5, reason="Excuses", at=datetime(2026, 12, 31, 23, 30))
    db.session.commit()
    html = client.get(url(brand, anna) + "?lang=nl").text
    assert [day for day, *_ in ledger_rows(html)] == ["2027-01-01"]
    assert '<time datetime="2027-01-01">1 jan. 2027</time>' in html


def test_an_aware_moment_is_stored_as_utc_on_every_database(brand, anna):
    """PostgreSQL took an aware `at` as the session zone's wall-clock time, SQLite as UTC."""
    from datetime import UTC, timedelta, timezone

    from loyalty.models import LedgerEntry

    amsterdam = timezone(timedelta(hours=1))
    loyalty.adjust(brand.id, anna.id, points=2, reason="a", at=datetime(2027, 1, 1, 10, tzinfo=UTC))
    loyalty.adjust(
        brand.id, anna.id, points=3, reason="b", at=datetime(2027, 1, 1, 11, tzinfo=amsterdam)
    )
    db.session.commit()
    db.session.expire_all()
    stored = {e.points: e.effective_at for e in db.session.query(LedgerEntry)}
    assert stored == {2: datetime(2027, 1, 1, 10), 3: datetime(2027, 1, 1, 10)}
