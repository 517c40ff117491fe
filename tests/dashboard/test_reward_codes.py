"""Reward codes on the loyalty page: owners and editors upload a reward's voucher codes,
pasted or as a file; the page counts them and warns when a pool runs low."""

import io

import pytest
from sqlalchemy import func, select

import loyalty
from app.extensions import db
from loyalty.models import RewardCode

PAGE, UPLOAD = "/dashboard/loyalty", "/dashboard/loyalty/codes"


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(RewardCode))


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_owners_and_editors_paste_codes_and_see_them_counted(as_role, brand, role):
    dash = as_role(role)
    reply = dash.post(UPLOAD, {"reward": "voucher-5", "codes": "WELKOM-1\n\nWELKOM-2\nWELKOM-1\n"})
    assert reply.status_code == 302
    page = dash.html(PAGE)
    assert "2 codes added to voucher-5 (1 duplicate left out); 2 codes available." in page
    row = page.split("<code>voucher-5</code>")[1].split("</tr>")[0]
    remove = '<a href="/dashboard/loyalty/codes/voucher-5/remove" class="small">Remove…</a>'
    assert f"<td>2 {remove}</td><td>0</td>" in row and "running low" in row
    assert "Running low on reward codes" in page and "€5 voucher (2 codes left)" in page
    assert "No codes: they ask you" in page  # the rewards without a pool


def test_a_viewer_sees_the_counts_but_cannot_upload(as_role, brand):
    loyalty.codes.add(brand.id, "voucher-5", ["WELKOM-1"])
    db.session.commit()
    viewer = as_role("viewer")
    page = viewer.html(PAGE)
    assert "Reward codes" in page and 'action="/dashboard/loyalty/codes"' not in page
    assert viewer.post(UPLOAD, {"reward": "voucher-5", "codes": "WELKOM-2"}).status_code == 403
    assert stored() == 1


def test_a_shop_export_as_a_file_takes_its_code_column(dash, brand):
    export = "Titel;Kortingscode;Waarde\nWelkom;SHOP-AAA;5\nWelkom;SHOP-BBB;5\n"
    reply = dash.client.post(
        UPLOAD,
        data={
            "reward": "voucher-15",
            "csrf_token": dash.token(PAGE),
            "file": (io.BytesIO(("\ufeff" + export).encode()), "codes.csv"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 302
    assert loyalty.codes.counts(brand.id, "voucher-15")["available"] == 2


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ("", "add at least one code"),
        ("GOED-1\n" + "X" * 65, "Line 2: longer than 64 characters"),
        ("GOED-1\nGOED-2\nmet spatie", "Line 3: 3-64 letters"),
        ("naam,bedrag\nA,5", "name the column with the codes on the first line: code"),
        ("\n".join(f"CODE-{n}" for n in range(5_001)), "at most 5,000 codes at a time"),
    ],
)
def test_a_bad_list_says_why_keeps_the_paste_and_stores_nothing(dash, brand, codes, message):
    reply = dash.post(UPLOAD, {"reward": "voucher-5", "codes": codes})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "No codes were added" in html and message in html
    assert stored() == 0


def test_a_file_that_is_no_text_is_refused(dash, brand):
    reply = dash.client.post(
        UPLOAD,
        data={
            "reward": "voucher-5",
            "csrf_token": dash.token(PAGE),
            "file": (io.BytesIO(b"PK\x03\x04 a workbook"), "codes.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 422 and "Save as" in reply.get_data(as_text=True)
    assert stored() == 0


def test_another_brands_reward_or_an_unknown_key_is_refused(dash, brand, other_brand):
    loyalty.save_policy(
        other_brand["brand"].id, {"rewards": [{"key": "eigen", "name": "Eigen", "points": 5}]}
    )
    db.session.commit()
    for key in ("eigen", "nope"):
        reply = dash.post(UPLOAD, {"reward": key, "codes": "WELKOM-1"})
        assert reply.status_code == 422
        assert "choose a reward of the catalogue" in reply.get_data(as_text=True)
    assert stored() == 0


def test_an_upload_without_the_csrf_token_is_refused(dash, brand):
    reply = dash.post(UPLOAD, {"reward": "voucher-5", "codes": "WELKOM-1"}, csrf=False)
    assert reply.status_code == 400
    assert stored() == 0


def test_customer_service_finds_the_code_a_customer_got(dash, brand):
    """The customer's page in the dashboard and the ledger CSV name the code handed out."""
    from app.models import Customer

    anna = Customer(brand_id=brand.id, external_id="anna", consent={})
    db.session.add(anna)
    db.session.flush()
    loyalty.adjust(brand.id, anna.id, points=100, reason="welkom")
    loyalty.codes.add(brand.id, "voucher-5", ["SHOP-AAA"])
    loyalty.redeem(brand.id, anna.id, reward_key="voucher-5", with_code=True)
    db.session.commit()
    assert "code <code>SHOP-AAA</code>" in dash.html(f"/dashboard/customers/{anna.id}")
    ledger = dash.get("/dashboard/loyalty/ledger.csv").get_data(as_text=True).splitlines()
    assert ledger[0].endswith(",source_id,code") and ledger[-1].endswith(",SHOP-AAA")


def test_the_weekly_report_names_the_pools_running_low(brand, users):
    """The one mail a marketer asked for says which rewards' codes run low, and where to add
    more; a brand without codes, or with enough, reads nothing of it."""
    from app.models.base import utcnow
    from app.services import weekly_report, weekly_report_mail

    week = weekly_report.last_whole_week(utcnow(), brand.time_zone)
    assert "Reward codes" not in weekly_report_mail.text(brand, users["owner"], week)
    loyalty.codes.add(brand.id, "voucher-5", [f"SHOP-{n}" for n in range(3)])
    loyalty.codes.add(brand.id, "voucher-15", [f"BIG-{n}" for n in range(10)])
    db.session.commit()
    text = weekly_report_mail.text(brand, users["owner"], week)
    assert "Reward codes running low: €5 voucher (3 codes left). Add codes: " in text
    assert "/dashboard/loyalty#codes-title" in text and "€15 voucher" not in text


@pytest.mark.browser
def test_the_codes_form_in_a_browser_refuses_then_adds_and_stays_accessible(browser, server, users):
    """A bad paste, its errors, then good codes and the warning they bring: axe finds no
    serious violation at any step, and no script is needed."""
    from tests.channels.helpers import serious_violations
    from tests.dashboard.test_browser import open_page

    problems: list[str] = []
    page = open_page(browser, server, "desktop", problems)
    page.goto(f"{server}{PAGE}")
    page.select_option("#c-reward", "voucher-5")
    page.fill("#c-codes", "GOED-1\nmet spatie")
    with page.expect_navigation():
        page.click("text=Add the codes")
    assert "Line 2: 3-64 letters" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    assert page.input_value("#c-codes") == "GOED-1\nmet spatie"  # kept to correct
    page.fill("#c-codes", "GOED-1\nGOED-2")
    with page.expect_navigation():
        page.click("text=Add the codes")
    text = page.locator("main").inner_text()
    assert "2 codes added to voucher-5" in text and "Running low on reward codes" in text
    assert serious_violations(page) == []
    assert [p for p in problems if "422" not in p] == []


def test_unused_codes_are_removed_after_a_page_that_says_what_that_does(as_role, brand):
    """A wrong or expired batch: the codes not handed out go, the handed-out one stays with
    its redemption, and the reward is unavailable to customers until codes are added."""
    from app.models import Customer

    anna = Customer(brand_id=brand.id, external_id="anna", consent={})
    db.session.add(anna)
    db.session.flush()
    loyalty.adjust(brand.id, anna.id, points=100, reason="welkom")
    loyalty.codes.add(brand.id, "voucher-5", ["SHOP-AAA", "SHOP-BBB", "SHOP-CCC"])
    loyalty.redeem(brand.id, anna.id, reward_key="voucher-5", with_code=True)
    db.session.commit()
    url = "/dashboard/loyalty/codes/voucher-5/remove"
    viewer = as_role("viewer")
    assert "Remove…" not in viewer.html(PAGE)
    assert viewer.get(url).status_code == 403 and viewer.post(url, {}).status_code == 403
    editor = as_role("editor")
    page = editor.html(url)
    assert "2 codes</strong> not handed out yet are removed" in page
    assert "1 code handed out before stays with its redemption" in page
    assert editor.post(url, {}, csrf=False).status_code == 400
    assert stored() == 3
    done = editor.post(url, {})
    assert done.status_code == 302 and done.headers["Location"].endswith("#codes-title")
    assert "2 unused codes of voucher-5 removed; 1 code handed out before" in editor.html(PAGE)
    assert db.session.scalars(select(RewardCode.code)).all() == ["SHOP-AAA"]
    assert editor.post(url, {}).status_code == 302  # again: nothing left to remove
    assert stored() == 1
    for key in ("nope", "voucher-5%3Cb%3E"):
        assert editor.get(f"/dashboard/loyalty/codes/{key}/remove").status_code == 404
