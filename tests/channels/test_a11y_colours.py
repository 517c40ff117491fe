"""A brand colour for borders and the chosen answer that shows on white, whatever the brand
picked (WCAG 1.4.11 non-text contrast, 3:1): the accent beside the text colours."""

import re
from types import SimpleNamespace

import pytest

from app.services.survey_forms import _contrast, _luminance, brand_colours, ui_accent

WHITE = _luminance("#ffffff")


def _on_white(colour: str) -> float:
    return _contrast(_luminance(colour), WHITE)


@pytest.mark.parametrize(
    ("colour", "expected"),
    [
        ("#ffff00", "#999900"),  # the audit's yellow: 1.07:1 as it is
        ("#ff9800", "#cc7a00"),  # orange, 2.16:1
        ("#4caf50", "#48a64c"),  # green, 2.78:1
        ("#00bcd4", "#00a0b4"),  # cyan, 2.3:1
        ("#ffffff", "#8c8c8c"),  # white on white: a grey edge
        ("#000000", "#000000"),
        ("#0b6e4f", "#0b6e4f"),  # the demo brand: 6.25:1 already, kept
        ("#ff0000", "#ff0000"),  # 4:1, kept
    ],
)
def test_the_accent_reaches_3_to_1_on_white_and_keeps_a_passing_colour(colour, expected):
    accent = ui_accent(colour)
    assert accent == expected
    assert _on_white(accent) >= 3.0


@pytest.mark.parametrize("colour", ["#ffff00", "#ff9800", "#4caf50", "#00bcd4", "#ffffff"])
def test_the_accent_is_as_light_as_3_to_1_allows(colour):
    # darkened in 5 % steps, and the step before the accent is still under 3:1: the brand
    # colour keeps as much of itself as the contrast allows
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    steps = [
        "#" + "".join(f"{round(c * p / 100):02x}" for c in channels) for p in range(100, -1, -5)
    ]
    index = steps.index(ui_accent(colour))
    assert index > 0
    assert _on_white(steps[index - 1]) < 3.0


def test_every_grey_and_primary_reaches_3_to_1():
    for value in range(0, 256, 15):
        for colour in (f"#{value:02x}{value:02x}{value:02x}", f"#{value:02x}ff{value:02x}"):
            assert _on_white(ui_accent(colour)) >= 3.0, colour


@pytest.mark.parametrize("colour", ["#ffff00", "#FFFF00", "#0b6e4f", "#ffffff", "#000000"])
def test_brand_colours_carry_the_accent_beside_the_text_colours(colour):
    colours = brand_colours(SimpleNamespace(primary_color=colour))
    assert colours["color"] == colour.lower()
    assert colours["accent"] == ui_accent(colour.lower())
    assert _on_white(colours["accent"]) >= 3.0
    # the text colours are as before: 4.5:1 on the brand colour, and on white
    assert _contrast(_luminance(colours["on_color"]), _luminance(colours["color"])) >= 4.5
    assert _on_white(colours["ink"]) >= 4.5


def test_an_invalid_colour_falls_back_with_its_accent():
    colours = brand_colours(SimpleNamespace(primary_color="red; background: url(x)"))
    assert colours["color"] == colours["accent"] == "#0b6e4f"


def test_the_widget_and_the_hosted_page_get_the_accent(client, brand, survey, db, api):
    from tests.channels.helpers import widget_survey

    assert api.patch("/api/v1/brand", json={"primary_color": "#ffff00"}).status_code == 200
    body = widget_survey(client, {"site_key": brand.site_key}).get_json()
    assert body["brand"]["color"] == "#ffff00"
    assert body["brand"]["accent"] == "#999900"

    link = api.post("/api/v1/links", json={"journey_id": survey["journey_id"], "phase": "levering"})
    from tests.channels.helpers import link_path

    html = client.get(link_path(link.json["url"])).get_data(as_text=True)
    assert "--brand-accent:#999900" in html


def test_the_hosted_css_draws_edges_and_the_chosen_answer_with_the_accent():
    from pathlib import Path

    import app

    css = re.sub(
        r"/\*.*?\*/",
        "",
        (Path(app.__file__).parent / "static" / "survey.css").read_text(),
        flags=re.S,
    )
    rules = {
        selector.strip(): body
        for chunk in css.split("}")
        if "{" in chunk
        for selector, body in [chunk.rsplit("{", 1)]
    }
    assert "border: 1px solid var(--brand-accent)" in rules[".scale label, .options label"]
    checked = rules[".scale input:checked + label, .options input:checked + label"]
    # not the fill alone: a thicker accent edge and a check mark
    assert "inset 0 0 0 2px var(--brand-accent)" in checked
    mark = rules[".scale input:checked + label::before, .options input:checked + label::before"]
    assert 'content: "\\2713"' in mark
    assert "var(--brand)" not in rules[".scale label, .options label"]
