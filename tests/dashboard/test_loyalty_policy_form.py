"""Owners set the loyalty rules on the loyalty page: a new brand promised points and vouchers
nobody had chosen, changeable only with PUT /api/v1/loyalty/policy (trial walkthrough)."""

import pytest

import loyalty
from app.extensions import db


def _form(policy=None, **changes) -> dict:
    """The form as the page fills it for `policy` (the defaults), with `changes`."""
    policy = policy or loyalty.DEFAULTS
    form = {
        "enabled": "1" if policy["enabled"] else "0",
        **{
            name: "" if policy[name] is None else str(policy[name])
            for name in (
                "points_per_answer",
                "text_bonus",
                "text_min_chars",
                "review_bonus",
                "daily_cap",
                "expiry_months",
            )
        },
    }
    for row, item in enumerate(policy["rewards"]):
        form[f"rewards.{row}.key"] = item["key"]
        form[f"rewards.{row}.name.nl"] = item["name"]["nl"]
        form[f"rewards.{row}.name.en"] = item["name"]["en"]
        form[f"rewards.{row}.points"] = str(item["points"])
    return {**form, **changes}


def _policy(brand) -> dict:
    db.session.expire_all()
    return loyalty.get_policy(brand.id)


def test_a_new_brand_is_told_its_rules_are_the_defaults(dash, brand):
    page = dash.html("/dashboard/loyalty")
    assert "data-default-policy" in page and "Change them or switch the programme off" in page
    assert 'action="/dashboard/loyalty/policy"' in page
    assert 'name="rewards.2.key" type="text" value="gift"' in page
    assert 'name="rewards.4.key" type="text" value=""' in page  # two empty rows to add one


def test_an_owner_changes_the_rules_and_the_rewards(dash, brand):
    form = _form(
        points_per_answer="20",
        daily_cap="",  # no cap
        **{
            "rewards.1.key": "",  # emptied: taken away
            "rewards.1.name.nl": "",
            "rewards.1.name.en": "",
            "rewards.1.points": "",
            "rewards.3.key": "gratis-verzending",  # an empty row filled
            "rewards.3.name.nl": "Gratis verzending",
            "rewards.3.points": "80",
        },
    )
    answer = dash.post("/dashboard/loyalty/policy", form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    policy = _policy(brand)
    assert (policy["points_per_answer"], policy["daily_cap"]) == (20, None)
    assert [(r["key"], r["points"]) for r in policy["rewards"]] == [
        ("voucher-5", 100),
        ("gift", 500),
        ("gratis-verzending", 80),
    ]
    assert policy["rewards"][2]["name"] == {"nl": "Gratis verzending"}
    page = dash.html("/dashboard/loyalty")
    assert "data-default-policy" not in page
    assert "20 points per answer" in page and "no daily cap" in page


def test_switched_off_no_points_are_offered(dash, brand):
    assert dash.post("/dashboard/loyalty/policy", _form(enabled="0")).status_code == 302
    assert not loyalty.offers(_policy(brand))
    assert "The programme is switched off" in dash.html("/dashboard/loyalty")


def test_every_reward_row_emptied_leaves_no_rewards(dash, brand):
    emptied = {name: "" for name in _form() if name.startswith("rewards.")}
    assert dash.post("/dashboard/loyalty/policy", _form(**emptied)).status_code == 302
    assert _policy(brand)["rewards"] == []


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"points_per_answer": "-1"}, "points_per_answer"),
        ({"points_per_answer": ""}, "points_per_answer"),  # emptied is no "keep" here
        ({"text_min_chars": "veel"}, "text_min_chars"),
        ({"expiry_months": "121"}, "expiry_months"),
        ({"rewards.0.key": "Tegoedbon 5!"}, "rewards.0.key"),
        ({"rewards.3.name.nl": "Zonder sleutel"}, "rewards.3.key"),
        ({"rewards.3.key": "gift-card", "rewards.3.points": "9"}, "rewards.3.name.nl"),
        (
            {"rewards.3.key": "voucher-5", "rewards.3.name.nl": "Dubbel", "rewards.3.points": "9"},
            "rewards",
        ),
    ],
)
def test_a_bad_value_is_422_beside_its_input_and_nothing_changes(dash, brand, changes, field):
    answer = dash.post("/dashboard/loyalty/policy", _form(**changes))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'id="err-{field.replace(".", "-")}"' in page
    assert "Please correct the marked fields." in page
    for name, value in changes.items():
        assert f'name="{name}"' in page and f'value="{value}"' in page  # kept as typed
    assert loyalty.is_default(brand.id)


def test_a_hand_made_row_number_is_no_500(dash, brand):
    answer = dash.post("/dashboard/loyalty/policy", _form(**{"rewards.x.key": "a"}))
    assert answer.status_code == 422


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_owners_change_the_rules(as_role, brand, role):
    dashboard = as_role(role)
    page = dashboard.html("/dashboard/loyalty")
    assert 'action="/dashboard/loyalty/policy"' not in page
    assert "An owner can change them" in page
    assert dashboard.post("/dashboard/loyalty/policy", _form(enabled="0")).status_code == 403
    assert loyalty.is_default(brand.id)
