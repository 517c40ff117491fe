"""What the map says about its own figures: what € at stake is, what a channel or language
filter does to it, and which figures the stats API gives (not the median time in phase)."""

from html import unescape

from tests.api.test_priority_rules import build_scenario


def section(page: str, ident: str) -> str:
    """The section's HTML, unescaped, with its line breaks and indents read as one space."""
    return " ".join(unescape(page.split(f'id="{ident}"')[1].split("</section>")[0]).split())


def test_value_at_stake_is_defined_where_it_is_shown(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    page = dash.html("/dashboard")
    summary = page.split('aria-label="Summary"')[1].split("</section>")[0]
    assert 'href="#stake-definition"' in summary  # the "Fix first" card points at it
    definition = section(page, "fix-first").split('id="stake-definition"')[1].split("</p>")[0]
    for words in (
        "drop-off (the share of customers who reached no later phase)",
        "× the value of the customers who reached the phase",
        "× the share of detractors",
        "the value you sent for each customer",
        "an index of where value is being lost, not money already lost",
    ):
        assert words in definition, words


def test_a_channel_or_language_filter_is_explained_as_a_part(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    for query in ("?channel=api", "?locale=nl"):
        note = section(dash.html(f"/dashboard{query}"), "fix-first")
        assert "this selection's part of the phase's value at stake" in note, query
        assert "the parts add up to the whole" in note, query
    assert "this selection's part" not in section(dash.html("/dashboard"), "fix-first")


def test_the_map_says_which_figures_the_api_gives(dash, api, journey, survey):
    build_scenario(api, journey, survey)
    how = unescape(dash.html("/dashboard")).split("How these figures are made")[1]
    how = " ".join(how.split("</details>")[0].split())
    assert "exactly these numbers" not in how
    assert "mean_days_to_next" in how and "figures CSV" in how
