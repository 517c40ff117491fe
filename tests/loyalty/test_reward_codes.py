"""Voucher code pools and self-service redemption: a brand uploads its shop's codes per
reward (API here; the dashboard in tests/dashboard/test_reward_codes.py), a customer redeems
on her own page and gets one code, once."""

import re
import threading

import pytest
from sqlalchemy import func, select

import loyalty
from app.extensions import db
from app.services import privacy
from loyalty import tokens
from loyalty.models import LedgerEntry, RewardCode
from tests.conftest import ON_POSTGRES
from tests.loyalty import helpers

CODES = "/api/v1/loyalty/rewards/voucher-5/codes"  # voucher-5 costs 100 in the default policy


@pytest.fixture
def anna(brand):
    return helpers.customer(brand, "anna")


def link(brand, customer) -> str:
    return f"/loyalty/{loyalty.customer_token(brand.id, customer.id)}"


def give(brand, customer, points: int) -> None:
    loyalty.adjust(brand.id, customer.id, points=points, reason="welkom")
    db.session.commit()


def fill(brand, *codes: str, reward: str = "voucher-5") -> None:
    loyalty.codes.add(brand.id, reward, list(codes))
    db.session.commit()


def stored_codes() -> int:
    return db.session.scalar(select(func.count()).select_from(RewardCode))


def redeem_form(client, url: str, reward: str = "voucher-5") -> dict:
    """The hidden fields of a reward's Redeem form, as the page rendered them."""
    html = client.get(url).text
    forms = re.findall(
        r'action="([^"]+)">\s*<input type="hidden" name="form_key" value="([^"]+)">\s*'
        r'<input type="hidden" name="submission" value="([^"]+)">\s*'
        r'<input type="hidden" name="reward" value="([^"]+)">',
        html,
    )
    for action, form_key, submission, key in forms:
        if key == reward:
            action = action.replace("&amp;", "&")
            return {"action": action, "form_key": form_key, "submission": submission, "reward": key}
    raise AssertionError(f"no Redeem form for {reward}")


def post(client, form: dict, **changes):
    fields = {name: form[name] for name in ("form_key", "submission", "reward")}
    return client.post(form["action"], data={**fields, **changes})


# ---- the pool through the API ----------------------------------------------------------


def test_codes_are_added_duplicates_left_out_and_counted(api, brand):
    reply = api.post(CODES, json={"codes": ["WELKOM-001", " WELKOM-002 ", "WELKOM-001", ""]})
    assert reply.status_code == 201, reply.json
    assert reply.json == {
        "reward": "voucher-5",
        "added": 2,
        "duplicates": 1,
        "available": 2,
        "handed_out": 0,
        "low": True,
    }
    # the brand's codes are one set: the same code for another reward is a duplicate too
    again = api.post(
        "/api/v1/loyalty/rewards/voucher-15/codes", json={"codes": ["WELKOM-002", "V15.X_9"]}
    )
    assert (again.json["added"], again.json["duplicates"]) == (1, 1)
    assert api.get(CODES).json == {
        "reward": "voucher-5",
        "available": 2,
        "handed_out": 0,
        "low": True,
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"codes": []}, "codes", "add at least one code"),
        ({"codes": ["  ", ""]}, "codes", "add at least one code"),
        ({"codes": ["GOED-1", "X" * 65]}, "codes.1", "longer than 64 characters"),
        ({"codes": ["GOED-1", "met spatie"]}, "codes.1", "letters, digits"),
        ({"codes": ["ab"]}, "codes.0", "3-64"),
        ({"codes": ["GOED-1", 12345]}, "codes.1", "Not a valid string."),
        ({"codes": "GOED-1"}, "codes", "Not a valid list."),
        ({}, "codes", "Missing data for required field."),
        ({"codes": [f"CODE-{n}" for n in range(5_001)]}, "codes", "at most 5,000 codes"),
    ],
)
def test_bad_codes_are_a_422_naming_them_and_nothing_is_stored(api, brand, body, field, message):
    reply = api.post(CODES, json=body)
    assert reply.status_code == 422, reply.json
    assert reply.json["error"]["code"] == "validation_error"
    assert any(message in text for text in reply.json["error"]["fields"][field])
    assert stored_codes() == 0


def test_the_message_counts_the_bad_codes_and_names_at_most_twenty(api, brand):
    one = api.post(CODES, json={"codes": ["GOED-1", "met spatie"]}).json["error"]
    assert one["message"] == "1 of the codes is not valid; nothing was stored"
    many = api.post(CODES, json={"codes": ["GOED-1"] + ["x"] * 25}).json["error"]
    assert many["message"] == "25 of the codes are not valid; nothing was stored"
    assert len(many["fields"]) == 21 and "codes.20" in many["fields"]
    assert many["fields"]["codes"] == ["5 more codes are not valid either"]
    assert stored_codes() == 0


def test_another_brands_reward_or_an_unknown_one_is_a_404(api, brand, other_brand):
    from tests.conftest import ApiClient

    loyalty.save_policy(
        other_brand["brand"].id, {"rewards": [{"key": "eigen", "name": "Eigen", "points": 5}]}
    )
    db.session.commit()
    for url in ("/api/v1/loyalty/rewards/eigen/codes", "/api/v1/loyalty/rewards/nope/codes"):
        assert api.post(url, json={"codes": ["ABC-123"]}).status_code == 404
        assert api.get(url).status_code == 404
    assert stored_codes() == 0
    # and the other brand's upload never shows in this brand's pools
    theirs = ApiClient(api.client, other_brand["key"])
    assert (
        theirs.post("/api/v1/loyalty/rewards/eigen/codes", json={"codes": ["ABC-123"]}).json[
            "added"
        ]
        == 1
    )
    assert api.get(CODES).json["available"] == 0


def test_unused_codes_are_removed_and_handed_out_ones_stay(api, brand, anna):
    """DELETE …/codes: a wrong or expired batch goes; the code a redemption handed out stays
    with it; the same request again removes nothing; another brand's pool is a 404."""
    fill(brand, "SHOP-AAA", "SHOP-BBB", "SHOP-CCC")
    give(brand, anna, 100)
    loyalty.redeem(brand.id, anna.id, reward_key="voucher-5", with_code=True)
    db.session.commit()
    removed = api.delete(CODES)
    assert removed.status_code == 200
    assert removed.json == {
        "reward": "voucher-5",
        "removed": 2,
        "available": 0,
        "handed_out": 1,
        "low": True,
    }
    assert db.session.scalars(select(RewardCode.code)).all() == ["SHOP-AAA"]
    assert api.delete(CODES).json["removed"] == 0
    assert api.delete("/api/v1/loyalty/rewards/nope/codes").status_code == 404
    # a reward taken out of the catalogue keeps its pool, to count and to empty
    fill(brand, "OUD-1", reward="voucher-15")
    loyalty.save_policy(brand.id, {"rewards": [{"key": "koffie", "name": "Koffie", "points": 5}]})
    db.session.commit()
    old = "/api/v1/loyalty/rewards/voucher-15/codes"
    assert api.get(old).json["available"] == 1
    assert api.delete(old).json["removed"] == 1
    assert api.get(old).status_code == 404  # nothing left of it: neither reward nor pool


def test_the_api_redeems_with_a_code_and_the_entry_and_webhook_carry_it(api, brand, anna):
    from app.models import WebhookDelivery

    give(brand, anna, 150)
    fill(brand, "SHOP-AAA")
    api.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example/loyalty", "events": ["loyalty.redeemed"]},
    )
    body = {"reward": "voucher-5", "with_code": True}
    reply = api.post("/api/v1/customers/anna/redemptions", json=body)
    assert reply.status_code == 201, reply.json
    assert reply.json["code"] == "SHOP-AAA"
    entries = api.get("/api/v1/customers/anna/loyalty").json["entries"]
    assert entries[0]["code"] == "SHOP-AAA"
    payload = db.session.scalars(select(WebhookDelivery)).one().payload
    assert payload["data"]["code"] == "SHOP-AAA" and payload["data"]["reward"] == "voucher-5"
    # the pool is empty now: a 409, and no points are taken
    give(brand, anna, 100)
    empty = api.post("/api/v1/customers/anna/redemptions", json=body)
    assert empty.status_code == 409 and empty.json["error"]["code"] == "no_code_left"
    assert loyalty.balance(brand.id, anna.id) == 150
    assert api.get(CODES).json == {
        "reward": "voucher-5",
        "available": 0,
        "handed_out": 1,
        "low": True,
    }


# ---- the customer's page -----------------------------------------------------------------


def test_a_reward_the_balance_covers_is_redeemed_for_a_code_shown_on_the_page(client, brand, anna):
    give(brand, anna, 120)
    fill(brand, "SHOP-AAA", "SHOP-BBB")
    url = link(brand, anna)
    form = redeem_form(client, url)
    reply = post(client, form)
    assert reply.status_code == 303
    page = client.get(reply.headers["Location"])
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.text
    assert '<h2 id="redeemed-title">Je code</h2>' in html
    assert "Je hebt Tegoedbon van € 5 ingewisseld voor 100 punten" in html
    assert "<code>SHOP-AAA</code>" in html
    # the ledger line keeps it; the balance went down by the reward's points
    assert "Ingewisseld: Tegoedbon van € 5 (code SHOP-AAA)" in html
    assert "<strong>20</strong> punten" in html
    assert "<script" not in html
    # 20 points left: no button any more, "still needed" as before
    assert 'class="loyalty-redeem"' not in html and "Nog 80 punten nodig" in html
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "redeem")).one()
    assert (entry.code, entry.points, entry.reward) == ("SHOP-AAA", -100, "voucher-5")
    taken = db.session.scalars(select(RewardCode).where(RewardCode.code == "SHOP-AAA")).one()
    assert taken.handed_out_at is not None and taken.entry_id == entry.id


def test_the_page_shows_only_her_own_redemptions_code_on_top(client, brand, anna):
    give(brand, anna, 100)
    fill(brand, "SHOP-AAA")
    bea = helpers.customer(brand, "bea")
    give(brand, bea, 100)
    theirs = post(client, redeem_form(client, link(brand, bea))).headers["Location"]
    entry_id = theirs.split("redeemed=")[1].split("#")[0]
    html = client.get(f"{link(brand, anna)}?redeemed={entry_id}").text
    assert "SHOP-AAA" not in html and 'id="redeemed"' not in html
    assert client.get(f"{link(brand, anna)}?redeemed=x").status_code == 200


def test_english_and_the_formal_dutch_page(client, brand, anna):
    give(brand, anna, 120)
    fill(brand, "SHOP-AAA", "SHOP-BBB")
    url = link(brand, anna)
    english = client.get(url + "?lang=en").text
    assert ">Redeem</button>" in english and "get a code for your next order" in english
    done = client.get(post(client, redeem_form(client, url + "?lang=en")).headers["Location"])
    assert '<html lang="en">' in done.text
    assert "You redeemed €5 voucher for 100 points. Your code:" in done.text
    assert "Redeemed: €5 voucher (code SHOP-AAA)" in done.text
    brand.formal_address = True
    give(brand, anna, 100)
    formal = client.get(url + "?lang=nl").text
    assert ">Inwisselen</button>" in formal and "krijgt u meteen een code" in formal
    done = client.get(post(client, redeem_form(client, url + "?lang=nl")).headers["Location"])
    assert "U heeft Tegoedbon van € 5 ingewisseld" in done.text and "Uw code" in done.text
    assert " je " not in done.text.split("<main", 1)[1].split("</main>")[0]


def test_no_button_without_the_balance_or_without_codes(client, brand, anna):
    give(brand, anna, 99)
    fill(brand, "SHOP-AAA")
    html = client.get(link(brand, anna)).text
    assert 'class="loyalty-redeem"' not in html and "Nog 1 punt nodig" in html
    # a reward without a pool is still the shop's to hand out: the old sentence stays
    assert "Noem de beloning bij je volgende bestelling" in html


def test_an_empty_pool_is_temporarily_unavailable_and_takes_no_points(client, brand, anna):
    give(brand, anna, 300)
    fill(brand, "SHOP-AAA")
    url = link(brand, anna)
    form = redeem_form(client, url)
    second = redeem_form(client, url)  # the same page open in a second tab
    assert post(client, form).status_code == 303
    html = client.get(url).text
    voucher = html.split('id="reward-1"')[1].split("</li>")[0]
    assert "Tijdelijk niet beschikbaar" in voucher and "<button" not in voucher
    assert "Temporarily unavailable" in client.get(url + "?lang=en").text
    refused = post(client, second)
    assert refused.status_code == 409
    assert "Tegoedbon van € 5 is tijdelijk niet beschikbaar" in refused.text
    assert 'role="alert"' in refused.text
    assert loyalty.balance(brand.id, anna.id) == 200
    assert db.session.scalar(select(func.count()).where(LedgerEntry.kind == "redeem")) == 1


def test_a_balance_spent_meanwhile_is_refused_and_keeps_the_code(client, brand, anna):
    give(brand, anna, 100)
    fill(brand, "SHOP-AAA")
    form = redeem_form(client, link(brand, anna))
    loyalty.adjust(brand.id, anna.id, points=-50, reason="elders besteed")
    db.session.commit()
    refused = post(client, form)
    assert refused.status_code == 409 and "Je saldo is niet genoeg" in refused.text
    assert loyalty.codes.counts(brand.id, "voucher-5")["available"] == 1


def test_a_double_click_or_a_resend_gives_the_same_code_once(client, brand, anna):
    give(brand, anna, 500)
    fill(brand, "SHOP-AAA", "SHOP-BBB", "SHOP-CCC")
    form = redeem_form(client, link(brand, anna))
    first, second = post(client, form), post(client, form)
    assert first.headers["Location"] == second.headers["Location"]
    assert loyalty.balance(brand.id, anna.id) == 400
    assert loyalty.codes.counts(brand.id, "voucher-5")["handed_out"] == 1
    # the same submission id for another reward is not a second redemption either
    assert post(client, form, reward="voucher-15").status_code == 400
    assert loyalty.balance(brand.id, anna.id) == 400


def test_a_post_without_the_pages_form_key_is_refused(client, brand, anna):
    give(brand, anna, 100)
    fill(brand, "SHOP-AAA")
    form = redeem_form(client, link(brand, anna))
    for changes in (
        {"form_key": ""},
        {"form_key": form["form_key"][:-2] + "xx"},
        # a key of another customer's page
        {"form_key": redeem_form(client, link(brand, helpers_customer(brand)))["form_key"]},
        {"submission": "short"},
    ):
        reply = post(client, form, **changes)
        assert reply.status_code == 400
        assert "Er is niets ingewisseld" in reply.text
    assert loyalty.balance(brand.id, anna.id) == 100 and stored_codes() == 1
    assert loyalty.codes.counts(brand.id, "voucher-5")["available"] == 1


def helpers_customer(brand):
    """Bea, with enough points for a Redeem button of her own."""
    bea = helpers.customer(brand, "bea")
    give(brand, bea, 100)
    return bea


def test_an_expired_or_forged_link_redeems_nothing(client, brand, anna, monkeypatch):
    give(brand, anna, 100)
    fill(brand, "SHOP-AAA")
    form = redeem_form(client, link(brand, anna))
    forged = form["action"].replace("/loyalty/", "/loyalty/x", 1)
    assert client.post(forged, data=form).status_code == 404
    monkeypatch.setattr(tokens, "MAX_AGE", -1)
    expired = post(client, form)
    assert expired.status_code == 410 and "verlopen" in expired.text
    assert loyalty.balance(brand.id, anna.id) == 100
    assert loyalty.codes.counts(brand.id, "voucher-5")["available"] == 1


def test_an_erased_customer_keeps_her_code_on_the_tombstone_and_the_pool_stays(client, brand, anna):
    give(brand, anna, 100)
    fill(brand, "SHOP-AAA", "SHOP-BBB")
    url = link(brand, anna)
    form = redeem_form(client, url)
    assert post(client, form).status_code == 303
    privacy.erase(brand, "anna", actor="test")
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "redeem")).one()
    assert entry.code == "SHOP-AAA" and entry.source_id.startswith("erased-")
    assert loyalty.codes.counts(brand.id, "voucher-5") == {
        "available": 1,
        "handed_out": 1,
        "low": True,
    }
    # her old page link redeems nothing more
    assert 'class="loyalty-redeem"' not in client.get(url).text


# ---- concurrency -------------------------------------------------------------------------


def redeem_twenty_at_once(app, client, brand, customers: list) -> list[int]:
    forms = [redeem_form(client, link(brand, who)) for who in customers]
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(forms))

    def worker(form):
        try:
            barrier.wait()
            statuses.append(post(app.test_client(), form).status_code)
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)

    pool = [threading.Thread(target=worker, args=(form,)) for form in forms]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert errors == []
    return statuses


def check_five_codes_for_twenty(app, client, brand, customers):
    fill(brand, *(f"SHOP-{n:03d}" for n in range(5)))
    statuses = redeem_twenty_at_once(app, client, brand, customers)
    assert sorted(statuses) == [303] * 5 + [409] * 15
    given = db.session.scalars(select(LedgerEntry.code).where(LedgerEntry.kind == "redeem")).all()
    assert sorted(given) == [f"SHOP-{n:03d}" for n in range(5)]  # each once
    assert loyalty.codes.counts(brand.id, "voucher-5")["handed_out"] == 5
    people = {who.id for who in customers}
    total = sum(loyalty.balance(brand.id, who) for who in people)
    assert total == 2_000 * len(people) - 5 * 100  # points only with a code


@pytest.mark.postgres
@pytest.mark.parametrize("customers", ["one", "twenty"])
def test_twenty_parallel_redemptions_hand_out_a_pool_of_five_on_postgresql(
    app, client, brand, customers
):
    """One customer whose balance covers all twenty (her lock queues them), and twenty
    customers at once (FOR UPDATE SKIP LOCKED hands each a different code)."""
    people = [
        helpers.customer(brand, f"klant-{n}") for n in range(20 if customers == "twenty" else 1)
    ]
    for who in people:
        give(brand, who, 2_000)
    check_five_codes_for_twenty(app, client, brand, people * (20 // len(people)))


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL run has its own test")
def test_twenty_parallel_redemptions_hand_out_a_pool_of_five_on_sqlite(app, client, brand):
    people = [helpers.customer(brand, f"klant-{n}") for n in range(20)]
    for who in people:
        give(brand, who, 2_000)
    check_five_codes_for_twenty(app, client, brand, people)
