"""Every CSV download also comes as `?format=excel-nl`: the form a Dutch Excel opens right."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.services.exports import excel_nl_cell
from loyalty import reports
from tests.conftest import csv_text
from tests.dashboard.conftest import answer

EXCEL = {"format": "excel-nl"}
MOMENT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
# the columns holding what a person typed: whatever it looks like, it stays text
TEXT_COLUMNS = {"comment", "touchpoint", "customer", "name", "priority_reason", "reason", "note"}


def rows(response, delimiter) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(response)), delimiter=delimiter))


def as_excel_nl(column: str, plain: str) -> str:
    """What the Excel form must hold where the plain CSV holds `plain`."""
    if column in TEXT_COLUMNS:
        return plain
    if plain in ("True", "False"):
        return "1" if plain == "True" else "0"
    if re.fullmatch(r"-?\d+\.\d+", plain):
        return plain.replace(".", ",")
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", plain):
        return plain[:-1].replace("T", " ")
    return plain


def assert_same_rows(plain_reply, excel_reply):
    """Same header, same rows, each value written the Excel way; the download named apart."""
    assert plain_reply.status_code == excel_reply.status_code == 200
    assert excel_reply.mimetype == "text/csv"
    assert excel_reply.get_data().startswith("\ufeff".encode())
    name = re.search(r'filename="([^"]+)"', excel_reply.headers["Content-Disposition"]).group(1)
    assert name.endswith("-excel-nl.csv")
    plain, excel = rows(plain_reply, ","), rows(excel_reply, ";")
    assert excel[0] == plain[0] and len(excel) == len(plain) > 1
    header = plain[0]
    for plain_row, excel_row in zip(plain[1:], excel[1:], strict=True):
        assert excel_row == [
            as_excel_nl(column, value) for column, value in zip(header, plain_row, strict=True)
        ]
    return [dict(zip(header, row, strict=True)) for row in excel[1:]]


def download(dash, url, **query):
    """A download read to its end: an unread stream keeps its request context open."""
    reply = dash.get(url, query_string=query or None)
    reply.get_data()
    return reply


def both(dash, url, **query):
    return download(dash, url, **query), download(dash, url, **query, **EXCEL)


@pytest.fixture
def phase_url(seeded):
    return f"/dashboard/journeys/{seeded['journey']['id']}/phases/levering"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (9.9, "9,9"),
        (16160633.76, "16160633,76"),  # no thousands separator: Excel would take it for one
        (-0.25, "-0,25"),  # a number, not a formula: no quote
        (-4, "-4"),
        (0.00001, "0,00001"),  # never an exponent
        (1e16, "10000000000000000"),
        (Decimal("0.50"), "0,50"),
        (True, "1"),
        (False, "0"),
        (None, ""),
        (datetime(2026, 12, 6, 15, 59, 55, 812), "2026-12-06 15:59:55"),  # stored as naive UTC
        (
            datetime(2026, 12, 6, 16, 59, 55, tzinfo=timezone(timedelta(hours=1))),
            "2026-12-06 15:59:55",
        ),
        (datetime(2026, 12, 6, 15, 59, 55, tzinfo=UTC), "2026-12-06 15:59:55"),
        (date(2026, 12, 6), "2026-12-06"),
        ("9.9", "9.9"),  # text stays text
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+31 6 12345678", "'+31 6 12345678"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
    ],
)
def test_a_value_is_written_as_dutch_excel_reads_it(value, written):
    assert excel_nl_cell(value) == written


def test_responses_csv_for_excel_has_the_same_rows(dash, api, seeded, survey, phase_url):
    answer(api, survey, 9, text='=HYPERLINK("http://evil.example")', customer="+31 6 12345678")
    answer(api, survey, 6, text="-")
    answer(api, survey, 8, text="9.9; True, en 16160633.76")
    plain, excel = both(dash, phase_url + "/responses.csv")
    by_comment = {row["comment"]: row for row in assert_same_rows(plain, excel)}
    evil = by_comment['\'=HYPERLINK("http://evil.example")']
    assert evil["customer"] == "'+31 6 12345678"
    assert by_comment["'-"]["nps"] == "6"
    assert "9.9; True, en 16160633.76" in by_comment  # a typed text is neither split nor changed
    assert all(MOMENT.fullmatch(row["created_at"]) for row in by_comment.values())
    assert {row["incentivized"] for row in by_comment.values()} <= {"0", "1"}
    polarities = [row["sentiment_polarity"] for row in by_comment.values()]
    assert any("," in p for p in polarities) and not any("." in p for p in polarities)
    starts = [cell for row in rows(excel, ";") for cell in row if cell and cell[0] in "=+-@\t\r"]
    assert starts and all(re.fullmatch(r"-\d+(,\d+)?", cell) for cell in starts)  # numbers


def test_responses_csv_for_excel_keeps_the_filters(dash, seeded, phase_url):
    plain, excel = both(dash, phase_url + "/responses.csv", persona="senioren", channel="api")
    assert {row["customer"] for row in assert_same_rows(plain, excel)} == {"k0", "k3", "k6"}


def test_figures_csv_for_excel_has_the_same_rows(dash, seeded):
    url = f"/dashboard/journeys/{seeded['journey']['id']}/figures.csv"
    figures = assert_same_rows(*both(dash, url))
    levering = next(row for row in figures if row["phase"] == "levering")
    assert levering["csat_mean"] == "3,125"  # (5 + 5 + 1 + 2 + 4 + 3 + 1 + 4) / 8
    assert {row["median_days_at_least"] for row in figures} <= {"0", "1"}


def test_trend_csv_for_excel_has_the_same_rows(dash, seeded, phase_url):
    periods = assert_same_rows(*both(dash, phase_url + "/trend.csv", grain="month"))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row["start"]) for row in periods)
    assert sum(int(row["n"]) for row in periods) == 8
    assert all("." not in row["csat_mean"] for row in periods)


def test_ledger_csv_for_excel_has_the_same_rows(dash, api, brand, survey, other_brand):
    answer(api, survey, nps=8, text="Prima geholpen.", customer="klant-1")
    adjust = "/api/v1/customers/klant-1/adjustments"
    assert api.post(adjust, json={"points": -3, "reason": '=HYPERLINK("x")'}).status_code == 201
    plain, excel = both(dash, "/dashboard/loyalty/ledger.csv")
    # the dashboard writes the ledger as loyalty.reports does for any other reader
    assert csv_text(plain) == "".join(reports.ledger_csv(brand.id))
    ledger = assert_same_rows(plain, excel)
    by_kind = {row["kind"]: row for row in ledger}
    assert by_kind["adjust"]["points"] == "-3"  # a negative number stays a number
    assert by_kind["adjust"]["reason"] == '\'=HYPERLINK("x")'
    assert all(MOMENT.fullmatch(row["created_at"]) for row in ledger)
    assert all(MOMENT.fullmatch(row["effective_at"]) for row in ledger)


def test_another_brands_exports_stay_404_in_either_form(dash, other_brand):
    journey = other_brand["journey_id"]
    for url in (
        f"/dashboard/journeys/{journey}/figures.csv",
        f"/dashboard/journeys/{journey}/phases/levering/responses.csv",
        f"/dashboard/journeys/{journey}/phases/levering/trend.csv",
    ):
        for form in ("excel-nl", "xlsx"):  # a bad form does not tell that the journey exists
            assert dash.get(url, query_string={"format": form}).status_code == 404, (url, form)


@pytest.mark.parametrize(
    "path", ["/figures.csv", "/phases/levering/responses.csv", "/phases/levering/trend.csv"]
)
def test_an_unknown_format_is_a_422_naming_it_and_an_empty_one_the_default(dash, seeded, path):
    url = f"/dashboard/journeys/{seeded['journey']['id']}{path}"
    for bad in ("xlsx", "EXCEL-NL", "excel"):
        reply = dash.get(url, query_string={"format": bad, "grain": "month"})
        assert reply.status_code == 422, bad
        page = reply.get_data(as_text=True)
        assert "format" in page and "excel-nl" in page  # the field, and what it takes
        assert "?grain=month" in page  # the same download, without the bad parameter
    plain, empty, named = (
        download(dash, url),
        download(dash, url, format=""),
        download(dash, url, format="csv"),
    )
    assert csv_text(plain) == csv_text(empty) == csv_text(named)


def test_the_ledger_refuses_an_unknown_format(dash):
    assert dash.get("/dashboard/loyalty/ledger.csv?format=xlsx").status_code == 422


def test_every_export_link_has_its_excel_link_with_the_filters(dash, seeded):
    journey = seeded["journey"]["id"]
    pages = {
        f"/dashboard?journey={journey}&persona=senioren": ["figures.csv"],
        f"/dashboard/journeys/{journey}/phases/levering?persona=senioren": [
            "responses.csv",
            "trend.csv",
        ],
        "/dashboard/loyalty?period=30d": ["ledger.csv"],
    }
    for page, exports in pages.items():
        html = dash.html(page).replace("&amp;", "&")
        for export in exports:
            links = re.findall(rf'href="([^"]*/{re.escape(export)}[^"]*)"', html)
            excel = [link for link in links if "format=excel-nl" in link]
            assert len(links) == 2 and len(excel) == 1, (page, links)
            assert ("period=30d" if export == "ledger.csv" else "persona=senioren") in excel[0]
            reply = dash.get(excel[0])
            assert reply.status_code == 200 and ";" in csv_text(reply).splitlines()[0]
