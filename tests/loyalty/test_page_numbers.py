"""/loyalty/<token>: balances, rewards, ledger and rules with the language's thousands separator."""

import pytest

import loyalty
from app.extensions import db
from tests.loyalty import helpers


def _account(brand, external_id: str, balance: int, policy: dict) -> str:
    """A customer with this balance under this policy: their page's URL."""
    customer = helpers.customer(brand, external_id)
    loyalty.save_policy(brand.id, policy)
    loyalty.adjust(brand.id, customer.id, points=balance, reason="welkom")
    db.session.commit()
    return f"/loyalty/{loyalty.customer_token(brand.id, customer.id)}"


@pytest.fixture
def rich(brand):
    """A customer with 1,250 points, a 2,500-point reward and 1,250 points per answer."""
    reward = {"key": "fiets", "name": {"nl": "Fiets", "en": "Bicycle"}, "points": 2500}
    return _account(brand, "anna", 1250, {"points_per_answer": 1250, "rewards": [reward]})


def test_dutch_page_groups_thousands_with_a_dot(client, rich):
    html = client.get(rich).text
    assert "<strong>1.250</strong> punten" in html
    assert "2.500 punten" in html
    assert "1.250 van 2.500 punten" in html
    assert "Nog 1.250 punten nodig" in html
    assert ">+1.250</td>" in html and ">1.250</td>" in html  # the ledger's change and balance
    assert "1.250 punten als je de vragen" in html
    assert 'max="2500" value="1250"' in html  # the progress bar's values stay numbers


def test_english_page_groups_thousands_with_a_comma(client, rich):
    html = client.get(rich + "?lang=en").text
    assert "<strong>1,250</strong> points" in html
    assert "1,250 of 2,500 points" in html
    assert "1,250 more points needed" in html
    assert ">+1,250</td>" in html
    assert "1,250 points for answering" in html


@pytest.fixture
def one_short(brand):
    """A customer with 1 point, a 2-point reward, 1 point an answer, points that last a month."""
    ones = {"points_per_answer": 1, "review_bonus": 1, "daily_cap": 1, "expiry_months": 1}
    reward = {"key": "pen", "name": {"nl": "Pen", "en": "Pen"}, "points": 2}
    return _account(brand, "bert", 1, {**ones, "rewards": [reward]})


def test_one_point_is_one_punt_not_one_punten(client, one_short):
    """A customer one point short read "Nog 1 punten nodig" / "1 more points needed"."""
    html = client.get(one_short).text
    assert "<strong>1</strong> punt</p>" in html
    assert "Nog 1 punt nodig" in html
    assert "1 punt als je de vragen" in html and "1 punt als je review" in html
    assert "hoogstens 1 punt per dag" in html and "vervallen 1 maand nadat" in html
    assert "1 punten" not in html and "1 maanden" not in html
    english = client.get(one_short + "?lang=en").text
    assert "<strong>1</strong> point</p>" in english and "1 more point needed" in english
    assert "1 point for answering" in english and "at most 1 point a day" in english
    assert "expire 1 month after" in english
    assert "1 points" not in english and "1 months" not in english
