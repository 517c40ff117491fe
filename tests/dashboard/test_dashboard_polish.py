"""What a marketer reads right: scopes named, next steps on empty pages, gaps that add up,
the period in words, unmeasured hypotheses, plurals, ground labels and UTC times."""

import re

from tests.conftest import new_survey
from tests.dashboard.conftest import answer

ONE_QUESTION = [{"key": "nps", "type": "nps", "text": "Q?"}]


def phase_url(journey, query=""):
    return f"/dashboard/journeys/{journey['id']}/phases/levering{query}"


def _survey_box(page: str) -> str:
    return page.split('id="surveys-title"')[1].split("</section>")[0]


def test_survey_counts_say_that_only_the_period_applies(dash, seeded):
    page = dash.html(phase_url(seeded["journey"], "?persona=senioren"))
    nps_n = re.search(r"too few answers \(n=(\d+)\)", page).group(1)
    box = _survey_box(page)
    # The NPS card follows the persona filter; survey_rollup has no persona, so its counts cannot.
    assert int(nps_n) < 8 and "8 answers" in box
    assert "all customers and channels" in box
    assert "can be higher than the figures above" in box
    unfiltered = _survey_box(dash.html(phase_url(seeded["journey"])))
    assert "all customers and channels" in unfiltered
    assert "can be higher" not in unfiltered


def test_a_new_journey_shows_the_first_steps_with_links(dash, api, journey):
    page = dash.html("/dashboard")
    steps = page.split('id="start-title"')[1].split("</section>")[0]
    for key in ("orientatie", "aankoop", "levering"):
        assert f"/dashboard/surveys/new?journey={journey['id']}&amp;phase={key}" in steps, key
    assert "/dashboard/settings#widget" in steps and "/api/v1/docs" in steps
    assert "<code>value</code>" in steps and "POST /api/v1/events" in steps
    # Invitations: the dashboard's own page (a list pasted or uploaded) beside the API.
    assert 'href="/dashboard/invitations">Invitations page</a>' in steps
    assert "POST /api/v1/invitations" in steps
    # A phase that has a survey is ticked, not offered again.
    new_survey(api, journey["id"], "levering", ONE_QUESTION)
    steps = dash.html("/dashboard").split('id="start-title"')[1].split("</section>")[0]
    assert "phase=levering" not in steps and "✓ has a survey" in steps


def test_the_first_steps_go_once_answers_come_and_a_filtered_empty_view_says_so(dash, api, survey):
    answer(api, survey, 9)
    assert 'id="start-title"' not in dash.html("/dashboard")
    page = dash.html("/dashboard?from=2001-01-01&to=2001-01-31")
    assert 'id="start-title"' not in page
    assert 'data-note="empty-selection"' in page


def test_without_customer_values_the_map_says_why_nothing_is_ranked(dash, api, journey):
    assert 'data-note="no-events"' in dash.html("/dashboard")
    assert api.post("/api/v1/customers", json={"external_id": "c1"}).status_code == 201
    event = {"customer": "c1", "journey_id": journey["id"], "phase": "orientatie"}
    assert api.post("/api/v1/events", json=event).status_code == 201
    fix_first = dash.html("/dashboard").split('id="fix-title"')[1].split("</section>")[0]
    assert "Value at stake needs customer values" in fix_first
    assert "<code>value</code> with your customers" in fix_first
    api.post("/api/v1/customers", json={"external_id": "c2", "value": 500})
    api.post("/api/v1/events", json={**event, "customer": "c2"})
    assert 'data-note="no-values"' not in dash.html("/dashboard")


def test_a_gap_is_the_difference_of_the_figures_shown():
    from app.dashboard.helpers import number, percent
    from app.services.journey_map import _gap

    # 50% → 56.51% shows as 57%: +7 pts (rounding the exact 6.51 → 0.065 → half-even gave +6).
    for believed, measured, shown in ((0.5, 0.5651, 7), (0.95, 0.8249, -13), (0.4, 0.4049, 0)):
        gap = _gap("conversion", believed, measured, None)
        assert round(gap["gap"] * 100) == shown
        assert int(percent(measured)[:-1]) - int(percent(believed)[:-1]) == shown
    gap = _gap("nps", 10.05, 12.349, [5.0, 20.0])  # shown 10.1 and 12.3
    assert gap["gap"] == 2.2
    assert round(float(number(12.349)) - float(number(10.05)), 1) == gap["gap"]
    csat = _gap("csat", 4.125, 3.994, None)  # shown 4.12 (half-even) and 3.99
    assert csat["gap"] == -0.13


def test_the_gaps_table_adds_up_on_the_page(dash, api, journey, survey):
    for score in [9, 9, 9, 10, 7, 8, 2]:  # levering believed at NPS 30, measured 42.857…
        answer(api, survey, score)
    gaps = dash.html("/dashboard").split('class="gaps"')[1].split("</table>")[0]
    row = gaps.split("Levering &amp; montage")[1].split("</tr>")[0]
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>([^<]*)", row)]
    assert cells[1:4] == ["30.0", "42.9", "+12.9"]


def _selected_period(page: str) -> str:
    select = page.split('id="f-period"')[1].split("</select>")[0]
    return re.findall(r"<option[^>]* selected>([^<]*)</option>", select)


def test_from_and_to_win_over_a_preset_and_the_bar_says_which_days(dash, survey, monkeypatch):
    from datetime import datetime

    from app.services import brand_days

    # 23:30 UTC: in Amsterdam, whose days the brand's figures count, it is the 7th already
    monkeypatch.setattr(brand_days, "utcnow", lambda: datetime(2026, 12, 6, 23, 30))
    page = dash.html("/dashboard?period=7d&from=2026-10-01")
    assert _selected_period(page) == ["Custom (From – To)"]
    assert "Showing 1 Oct 2026 – today (7 Dec 2026), days in Europe/Amsterdam" in page
    assert "From and To win over “Last 7 days”" in page
    page = dash.html("/dashboard?from=2026-10-01&to=2026-12-06")
    assert "Showing 1 Oct 2026 – 6 Dec 2026, days in Europe/Amsterdam." in page
    page = dash.html("/dashboard?period=30d")
    assert _selected_period(page) == ["Last 30 days"]
    assert "Showing 8 Nov 2026 – 7 Dec 2026, days in Europe/Amsterdam." in page
    page = dash.html("/dashboard")
    assert _selected_period(page) == ["All time"] and "Showing all time." in page
    phase = dash.html(phase_url({"id": survey["journey_id"]}, "?period=7d&to=2026-11-30"))
    assert _selected_period(phase) == ["Custom (From – To)"]
    assert "Showing all days up to 30 Nov 2026, days in Europe/Amsterdam" in phase


def test_one_is_singular_everywhere_a_count_is_written(dash, api, journey):
    from app.dashboard.charts import plural

    assert plural(1, "customer") == "1 customer" and plural(0, "answer") == "0 answers"
    assert plural(1250, "point", shown="1,250") == "1,250 points"
    survey = new_survey(api, journey["id"], "levering", ONE_QUESTION)
    api.post("/api/v1/customers", json={"external_id": "c1", "value": 10})
    for phase in ("orientatie", "aankoop", "levering"):
        event = {"customer": "c1", "journey_id": journey["id"], "phase": phase}
        assert api.post("/api/v1/events", json=event).status_code == 201
    answer(api, survey, 9, customer="c1")
    page = dash.html("/dashboard")
    assert "1 customer <" in page and "1 customers" not in page
    page = dash.html(phase_url(journey))
    assert "1 question ·" in page and "1 answer, 0 with text" in page
    assert not re.search(r"\b1 (customers|answers|questions)\b", page)


def test_the_terms_notes_count_one_as_one(dash, api, journey, survey):
    """ "1 detractor answer and 1 others", "the latest 1 detractor, 0 passive and 1 promoter
    answers": the written answers a phase's terms come from, counted word by word."""
    answer(api, survey, 2, text="De monteur kwam veel te laat.")
    answer(api, survey, 10, text="Netjes en op tijd geleverd.")
    page = " ".join(dash.html(phase_url(journey)).split())
    assert "from the latest 2 written answers (1 detractor, 0 passives, 1 promoter;" in page
    assert "Too few written answers to compare: 1 detractor answer and 1 other;" in page
    assert not re.search(r"\b1 others\b|\b0 passive\b", page)


def test_a_review_names_the_answer_it_was_rated_from(dash, api, survey):
    """ "from a nps answer of 4": the scale's name in capitals, with its article."""
    from tests.reviews.helpers import answer as review_answer

    review_answer(api, survey, nps=4, text="Monteur kwam niet opdagen.")
    page = dash.html("/dashboard/reviews")
    assert "from an NPS answer of 4" in page and "from a nps" not in page


def test_a_refused_moderation_names_the_grounds_by_their_words(dash, api, survey):
    from tests.reviews.helpers import answer as review_answer
    from tests.reviews.helpers import review_of

    review = review_of(review_answer(api, survey, nps=3, text="Monteur kwam niet opdagen."))
    url = f"/dashboard/reviews/{review.id}/moderation"
    refused = dash.post(url, {"action": "reject"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    message = page.split('role="alert">')[1].split("</p>")[0]
    assert "listed ground" in message and "contains personal data" in message
    assert "the writer is not a customer" in message and "personal_data" not in message
    select = page.split('name="reason"')[1].split("</select>")[0]
    assert '<option value="personal_data">contains personal data</option>' in select
    assert dash.post(url, {"action": "reject", "reason": "personal_data"}).status_code == 302
    log = dash.html("/dashboard/reviews?status=rejected")
    assert "on “contains personal data”" in log


def test_verbatim_times_say_they_are_utc(dash, seeded):
    page = dash.html(phase_url(seeded["journey"]))
    first = page.split('data-response="')[1].split("</li>")[0]
    stamp = re.search(
        r'<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)" title="([^"]+)">([^<]+)</time>', first
    )
    assert stamp, first
    assert stamp.group(2).endswith(" UTC") and stamp.group(3).endswith(" UTC")
    assert stamp.group(1)[:10] == stamp.group(3)[:10]


def test_a_belief_nothing_measures_is_listed_as_not_measured(dash, api, journey):
    # believed of orientatie: NPS 40, CSAT 4.2, conversion 60%
    nps_only = new_survey(api, journey["id"], "orientatie", ONE_QUESTION)
    answer(api, nps_only, 9)
    gaps = dash.html("/dashboard").split('class="gaps"')[1].split("</table>")[0]
    rows = {
        re.search(r"<td>(NPS|CSAT|Conversion)</td>", row).group(1): row
        for row in gaps.split("<tr")[2:]
        if "Oriëntatie" in row
    }
    assert set(rows) == {"NPS", "CSAT", "Conversion"}
    assert "not measured" in rows["CSAT"] and "no CSAT answers" in rows["CSAT"]
    assert "4.20" in rows["CSAT"]
    assert "not measured" in rows["Conversion"] and "60%" in rows["Conversion"]
    assert "not measured" not in rows["NPS"]


def _orientatie_gaps(dash) -> dict[str, str]:
    gaps = dash.html("/dashboard").split('class="gaps"')[1].split("</table>")[0]
    return {
        re.search(r"<td>(NPS|CSAT|Conversion)</td>", row).group(1): row
        for row in gaps.split("<tr")[2:]
        if "Oriëntatie" in row
    }


def test_a_belief_a_survey_asks_but_nobody_answered_yet_reads_none_yet(dash, api, journey):
    """A new brand's NPS survey with no answers yet was asked "does a survey of this phase
    ask it?" as if it did not; the question is kept for what no active survey asks."""
    nps_only = new_survey(api, journey["id"], "orientatie", ONE_QUESTION)
    rows = _orientatie_gaps(dash)
    assert (
        "no NPS answers in this selection yet: an active survey of this phase asks it"
        in (rows["NPS"])
    )
    assert "does a survey" not in rows["NPS"]
    assert "no CSAT answers in this selection: does a survey of this phase ask it?" in rows["CSAT"]

    switched_off = api.patch(f"/api/v1/surveys/{nps_only['id']}", json={"active": False})
    assert switched_off.json["active"] is False
    rows = _orientatie_gaps(dash)
    assert "does a survey of this phase ask it?" in rows["NPS"]
    assert "asks it" not in rows["NPS"]
