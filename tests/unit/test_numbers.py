"""app/numbers.py: money for the dashboard and the API's reasons, points for customers."""

import pytest

from app import numbers
from app.dashboard import helpers
from app.services import journey_map, stats


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "–"),
        (0, "€0"),
        (12, "€12"),
        (999, "€999"),
        (1000, "€1.0k"),
        (1234, "€1.2k"),
        (999.4, "€999"),
        (999.6, "€1.0k"),
        (999_000, "€999.0k"),
        (999_949, "€999.9k"),
        (999_960, "€1.0M"),
        (1_000_000, "€1.0M"),
        (1_500_000, "€1.5M"),
    ],
)
def test_money(value, shown):
    assert numbers.money(value) == shown


def test_every_money_figure_comes_from_the_one_function():
    # The journey map's copy once lacked the million branch and showed "€1500.0k".
    assert helpers.money is numbers.money
    assert journey_map.money is numbers.money
    assert stats.money is numbers.money


@pytest.mark.parametrize(
    ("n", "locale", "shown"),
    [
        (1250, "nl", "1.250"),
        (1250, "en", "1,250"),
        (1_234_567, "nl", "1.234.567"),
        (1_234_567, "en", "1,234,567"),
        (-1250, "nl", "-1.250"),
        (-1250, "en", "-1,250"),
        (0, "nl", "0"),
        (999, "nl", "999"),
        (1250, "nl-BE", "1.250"),
        (1250, "NL", "1.250"),
        (1250, "en-GB", "1,250"),
        (1250, "de", "1,250"),
        (1250, None, "1,250"),
    ],
)
def test_whole(n, locale, shown):
    assert numbers.whole(n, locale) == shown


def test_whole_is_a_template_filter(app):
    template = app.jinja_env.from_string("{{ n|whole('nl') }} / {{ n|whole('en') }}")
    assert template.render(n=1250) == "1.250 / 1,250"
