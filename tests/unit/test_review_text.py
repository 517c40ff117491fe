"""The pure review rules: display names, the 1-5 rating, text cleaning, duplicate keys."""

import pytest

from app.services import review_text


@pytest.mark.parametrize(
    ("given", "locale", "expected"),
    [
        ("Jan de Vries", "nl", "Jan V."),
        ("Anna B.", "nl", "Anna B."),
        ("  anna   bakker ", "en", "anna B."),
        ("Priya", "en", "Priya"),
        ("", "nl", "Klant"),
        (None, "en", "Customer"),
        ("\u202eevil\u202c Name", "en", "evil N."),
        ("Anna (Öztürk)", "nl", "Anna Ö."),  # the initial is a letter, not "("
        ("Anna -- ", "nl", "Anna"),  # no letter to take an initial from
    ],
)
def test_display_name_is_first_name_and_initial(given, locale, expected):
    assert review_text.display_name(given, locale) == expected


@pytest.mark.parametrize(
    ("nps", "stars"),
    [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 3), (7, 4), (8, 4), (9, 5), (10, 5)],
)
def test_nps_maps_to_stars_so_detractors_never_get_four(nps, stars):
    assert review_text.rating(nps, None) == (stars, "nps", nps)


def test_csat_is_used_as_is_when_present():
    assert review_text.rating(10, 2) == (2, "csat", 2)
    assert review_text.rating(None, None) is None


def test_clean_drops_bidi_controls_and_xml_invalid_characters():
    text = "ok\u202e txt.exe\u2066 \x00\x08 fine \u200f"
    assert review_text.clean(text) == "ok txt.exe  fine"
    assert review_text.clean("  <script>  ") == "<script>"  # escaping is the renderer's job


def test_body_key_ignores_case_spacing_and_punctuation():
    assert review_text.body_key("Top service!!") == review_text.body_key("  top   SERVICE ")
    assert review_text.body_key("Top service") != review_text.body_key("Slechte service")
