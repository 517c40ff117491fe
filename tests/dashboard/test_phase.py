"""The per-phase page: trends with significance, verbatims, top words, surveys, CSV exports."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest

from app.extensions import db
from app.services import keywords, trends
from tests.conftest import csv_text, new_survey
from tests.dashboard.conftest import add_rollup, answer


def phase_url(seeded, suffix=""):
    return f"/dashboard/journeys/{seeded['journey']['id']}/phases/levering{suffix}"


def test_the_phase_page_shows_figures_trend_words_surveys_and_verbatims(dash, seeded):
    page = dash.html(phase_url(seeded))
    assert "Levering &amp; montage" in page
    assert "Trend by week" in page and "<svg" in page
    assert "What detractors and promoters say" in page
    assert "Surveys of this phase" in page and "8 answers" in page
    assert "What customers wrote" in page


def test_verbatims_are_newest_first_labelled_and_escaped(dash, seeded):
    page = dash.html(phase_url(seeded))
    ids = [int(i) for i in re.findall(r'data-response="(\d+)"', page)]
    assert ids == sorted(ids, reverse=True)  # created in order, so newest first
    assert len(ids) == 7  # the answer without text is not a verbatim
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r'class="tag (positive|negative|neutral)"', page)
    assert "score 1 · detractor" in page


VERBATIM_FILTERS = [  # indexes into the seeded answers: scores 10, 9, 3, 2, 7 (no text), 8, 1, 9
    ("?category=detractor", {2, 3, 6}),
    ("?category=promoter", {0, 1, 7}),
    ("?score=10", {0}),
    ("?score=2&category=detractor", {3}),
]


def test_verbatims_filter_by_score_and_sentiment(dash, seeded):
    for query, expected in VERBATIM_FILTERS:
        page = dash.html(phase_url(seeded, query))
        shown = {int(i) for i in re.findall(r'data-response="(\d+)"', page)}
        assert shown == {seeded["response_ids"][i] for i in expected}, query
    for label in ("negative", "positive"):
        page = dash.html(phase_url(seeded, f"?sentiment={label}"))
        blocks = page.split('data-response="')[1:]
        assert blocks, label
        assert all(f'class="tag {label}"' in block for block in blocks)


def test_verbatims_page_with_a_cursor(dash, seeded, api, survey):
    for number in range(30):
        answer(api, survey, number % 11, text=f"opmerking nummer {number}")
    first = dash.html(phase_url(seeded))
    first_ids = re.findall(r'data-response="(\d+)"', first)
    assert len(first_ids) == 25
    older = re.search(r'href="([^"]+cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    second_ids = re.findall(r'data-response="(\d+)"', dash.html(older))
    assert second_ids and not set(first_ids) & set(second_ids)
    assert int(second_ids[0]) < int(first_ids[-1])


def test_verbatims_found_by_the_words_they_contain(dash, seeded, api, survey):
    """A marketer looks for every answer that says "kapot" (trial walkthrough): any case, and
    a % or _ typed is only itself, not a wildcard."""
    broken = answer(api, survey, 2, text="De wastafel kwam KAPOT aan.")
    percent = answer(api, survey, 6, text="Pas na 100% zeker weten besteld")
    answer(api, survey, 9, text="Alles heel aangekomen")
    for words, expected in (("kapot", {broken}), ("0%", {percent}), ("_", set())):
        page = dash.html(phase_url(seeded, "?" + urlencode({"words": words})))
        shown = {int(i) for i in re.findall(r'data-response="(\d+)"', page)}
        assert shown == expected, words
    none = dash.html(phase_url(seeded, "?words=schimmel&category=promoter"))
    assert "No written answer contains “schimmel” under these filters." in none
    assert 'name="words" type="search" maxlength="100" value="schimmel"' in none
    for bad in ("x" * 101, "a\nb"):
        assert dash.get(phase_url(seeded, "?" + urlencode({"words": bad}))).status_code == 422


def test_bad_phase_options_are_422_and_an_unknown_phase_404(dash, journey):
    url = f"/dashboard/journeys/{journey['id']}/phases/levering"
    for query in ("?grain=year", "?sentiment=angry", "?category=fan", "?score=11", "?score=x"):
        assert dash.get(url + query).status_code == 422, query
    assert dash.get(url + "?cursor=not-a-cursor").status_code == 422
    assert dash.get(f"/dashboard/journeys/{journey['id']}/phases/nope").status_code == 404


def test_trend_flags_a_change_only_when_the_two_period_test_says_so(brand, journey):
    from app.services import journeys

    phase = journeys.get_phase(brand, journey["id"], "levering")
    monday = date(2026, 3, 2)
    add_rollup(brand, phase.id, monday, 20, 10, 20)  # NPS 0
    add_rollup(brand, phase.id, monday + timedelta(days=7), 22, 10, 18)  # NPS 8: within chance
    add_rollup(brand, phase.id, monday + timedelta(days=15), 45, 5, 5)  # NPS 73: a real rise
    db.session.commit()
    series = trends.series(brand, phase, {"from_": monday}, None, "week")
    periods = series["periods"]
    assert [p["label"] for p in periods] == ["2026-W10", "2026-W11", "2026-W12"]
    assert periods[0]["changes"] == {}
    assert periods[1]["changes"]["nps"]["significant"] is False
    assert periods[2]["changes"]["nps"]["significant"] is True
    assert periods[2]["changes"]["nps"]["delta"] == pytest.approx(
        periods[2]["nps"]["score"] - periods[1]["nps"]["score"], abs=0.11
    )
    assert periods[2]["nps"]["ci95"][0] < periods[2]["nps"]["score"] < periods[2]["nps"]["ci95"][1]
    months = trends.series(brand, phase, {"from_": monday}, None, "month")["periods"]
    assert [p["label"] for p in months] == ["2026-03"] and months[0]["n"] == 155


def test_a_period_the_filter_cuts_shows_the_days_it_holds(dash, brand, journey):
    """From a Wednesday, the first week is Wednesday to Sunday: its label names the week, its
    start and end say which of its days are in, and it says it is partial."""
    from app.services import journeys

    phase = journeys.get_phase(brand, journey["id"], "levering")
    add_rollup(brand, phase.id, date(2026, 3, 4), 5, 0, 0)
    add_rollup(brand, phase.id, date(2026, 3, 10), 5, 0, 0)
    db.session.commit()
    filters = {"from_": date(2026, 3, 4), "to": date(2026, 3, 11)}
    periods = trends.series(brand, phase, filters, None, "week")["periods"]
    assert [(p["label"], p["start"], p["end"], p["partial"]) for p in periods] == [
        ("2026-W10", date(2026, 3, 4), date(2026, 3, 8), True),
        ("2026-W11", date(2026, 3, 9), date(2026, 3, 11), True),
    ]
    whole = trends.series(brand, phase, {"from_": date(2026, 3, 2)}, None, "week")["periods"]
    assert [p["partial"] for p in whole] == [False, False]
    url = f"/dashboard/journeys/{journey['id']}/phases/levering"
    url += "?grain=week&from=2026-03-04&to=2026-03-11"
    assert '2026-W10 <span class="muted">(only 2026-03-04 – 2026-03-08)</span>' in dash.html(url)


def test_the_week_and_month_under_way_end_today_and_say_so(monkeypatch, brand, journey):
    """Without a period chosen, the current week read as a whole one ending next Sunday and
    the month as all 31 days of December, a week into it, and were change-tested as such."""
    from app.services import brand_days, journeys

    # Monday 7 December, 10:00 in Amsterdam
    monkeypatch.setattr(brand_days, "utcnow", lambda: datetime(2026, 12, 7, 9))
    phase = journeys.get_phase(brand, journey["id"], "levering")
    add_rollup(brand, phase.id, date(2026, 11, 30), 5, 0, 0)
    add_rollup(brand, phase.id, date(2026, 12, 7), 5, 0, 0)
    db.session.commit()
    weeks = trends.series(brand, phase, {}, None, "week")["periods"]
    assert [(p["label"], p["start"], p["end"], p["partial"]) for p in weeks] == [
        ("2026-W49", date(2026, 11, 30), date(2026, 12, 6), False),
        ("2026-W50", date(2026, 12, 7), date(2026, 12, 7), True),
    ]
    months = trends.series(brand, phase, {}, None, "month")["periods"]
    assert [(p["label"], p["end"], p["partial"]) for p in months] == [
        ("2026-11", date(2026, 11, 30), False),
        ("2026-12", date(2026, 12, 7), True),
    ]


def test_an_empty_week_stays_in_the_series(brand, journey):
    from app.services import journeys

    phase = journeys.get_phase(brand, journey["id"], "levering")
    add_rollup(brand, phase.id, date(2026, 3, 2), 5, 0, 0)
    add_rollup(brand, phase.id, date(2026, 3, 23), 0, 0, 5)
    db.session.commit()
    periods = trends.series(brand, phase, {}, None, "week")["periods"]
    assert [p["n"] for p in periods] == [5, 0, 0, 5]
    assert periods[1]["nps"]["score"] is None


def test_mean_change_is_a_two_sample_test():
    before = {"csat_sum": 3.0 * 100, "csat_sq": (9 + 1) * 100, "csat_n": 100}
    same = dict(before)
    better = {"csat_sum": 4.0 * 100, "csat_sq": (16 + 1) * 100, "csat_n": 100}
    assert trends.mean_change(before, same, "csat")["significant"] is False
    assert trends.mean_change(before, better, "csat")["significant"] is True
    assert trends.mean_change(before, {"csat_n": 1, "csat_sum": 5, "csat_sq": 25}, "csat") is None


DETRACTOR_TEXTS = [
    "de levering was te laat",
    "levering te laat en kapot",
    "Delivery was late",
    "monteur kwam te laat",
    "slechte communicatie, te laat",
] * 2
PROMOTER_TEXTS = [
    "Fijne monteurs, netjes",
    "netjes opgeruimd",
    "fijne monteurs",
    "super netjes",
    "prima geholpen",
] * 2


def test_top_terms_set_detractors_apart_from_promoters():
    terms = keywords.contrast(DETRACTOR_TEXTS, PROMOTER_TEXTS)
    detractor_terms = [item["term"] for item in terms["detractors"]]
    promoter_terms = [item["term"] for item in terms["promoters"]]
    assert detractor_terms[0] in ("laat", "te laat")
    assert "netjes" in promoter_terms
    assert not {"de", "te", "en", "was", "the"} & set(detractor_terms + promoter_terms)
    assert terms["documents"] == {"detractors": 10, "passives": 0, "promoters": 10}
    assert terms["comparable"] == {"detractors": True, "promoters": True}
    # every term listed is used on its own side, and sets it apart significantly
    for side in ("detractors", "promoters"):
        assert all(item["count"] >= keywords.MIN_DOCS for item in terms[side])
        assert all(item["q"] <= keywords.FDR for item in terms[side])


@pytest.mark.parametrize("promoters", [[], PROMOTER_TEXTS[:3]])
def test_without_enough_answers_on_a_side_no_terms_are_listed(promoters):
    """51 complaints against no praise listed the complaints' words as the promoters'
    ("nachtmerrie: 0 answers") — the log-odds of an empty side."""
    terms = keywords.contrast(DETRACTOR_TEXTS * 5, promoters)
    assert terms["comparable"] == {"detractors": False, "promoters": False}
    assert terms["detractors"] == terms["promoters"] == []


def test_terms_tokenise_dutch_and_english_offline():
    assert keywords.terms("Monteur's kwamen NIET! 3x te laat…") >= {"monteur's", "kwamen", "laat"}
    assert "te" not in keywords.terms("te laat")


def test_responses_csv_streams_the_filtered_answers(dash, seeded):
    response = dash.get(phase_url(seeded, "/responses.csv?category=detractor&channel=api"))
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_text(response))))
    assert len(rows) == 8  # the score filter is for verbatims; the map filters apply
    by_id = {int(row["id"]): row for row in rows}
    assert by_id[seeded["response_ids"][0]]["touchpoint"] == "Montageploeg"
    assert by_id[seeded["response_ids"][0]]["persona"] == "senioren"
    assert all(row["phase"] == "levering" for row in rows)
    none = csv_text(dash.get(phase_url(seeded, "/responses.csv?channel=widget")))
    assert none.strip().count("\n") == 0  # the header only


def test_csv_cells_cannot_run_as_spreadsheet_formulas(dash, api, seeded, survey):
    answer(api, survey, 5, text='=HYPERLINK("http://evil.example")')
    text = csv_text(dash.get(phase_url(seeded, "/responses.csv")))
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_responses_csv_reads_in_batches(dash, seeded, monkeypatch):
    from app.services import exports

    monkeypatch.setattr(exports, "BATCH", 3)
    rows = list(csv.reader(io.StringIO(csv_text(dash.get(phase_url(seeded, "/responses.csv"))))))
    ids = [int(row[0]) for row in rows[1:]]
    assert sorted(ids, reverse=True) == ids and len(ids) == len(set(ids)) == 8


def test_a_streaming_export_holds_no_transaction_between_batches(db, brand, seeded, monkeypatch):
    """A client downloading for minutes must not keep a connection idle in transaction."""
    from app.models import Phase
    from app.services import exports

    monkeypatch.setattr(exports, "BATCH", 3)
    phase = db.session.scalar(
        db.select(Phase).where(Phase.brand_id == brand.id, Phase.key == "levering")
    )
    batches = iter(exports.responses_csv(brand, phase, {}, None).text("csv"))
    next(batches)  # the header
    sent = 0
    for chunk in batches:
        assert not db.session().in_transaction()
        sent += chunk.count("\n")
    assert sent == 8


def test_trend_csv(dash, seeded):
    response = dash.get(phase_url(seeded, "/trend.csv?grain=month"))
    assert response.status_code == 200
    lines = csv_text(response).strip().splitlines()
    assert lines[0].startswith("period,start,end,n,nps")
    assert sum(int(line.split(",")[3]) for line in lines[1:]) == 8


def test_surveys_show_invitation_response_rates_and_contact_budget_skips(dash, seeded):
    from app.models import Contact, Customer, Invitation
    from app.models.base import utcnow

    survey_id = seeded["survey"]["id"]
    customer = db.session.query(Customer).first()
    phase_id = _phase_id(seeded)
    now = utcnow()

    def invitation(status, reason=None, used=False, channel="email"):
        return Invitation(
            brand_id=customer.brand_id,
            customer_id=customer.id,
            survey_id=survey_id,
            phase_id=phase_id,
            channel=channel,
            locale="nl",
            status=status,
            skip_reason=reason,
            expires_at=now + timedelta(days=14),
            used_at=now if used else None,
        )

    db.session.add_all(
        [
            invitation("sent", used=True),
            invitation("sent"),
            invitation("sent"),
            invitation("sent", used=True),
            invitation("skipped", "min_days_between"),
            invitation("skipped", "min_days_between"),
            invitation("skipped", "unsubscribed"),
            # the widget's contact-budget "no" (contact_budget.record_widget_skip)
            invitation("skipped", "min_days_between", channel="widget"),
            Contact(
                brand_id=customer.brand_id,
                customer_id=customer.id,
                journey_id=seeded["journey"]["id"],
                phase_id=phase_id,
                channel="widget",
            ),
        ]
    )
    db.session.commit()
    page = dash.html(phase_url(seeded))
    rate = page.split(f'data-survey-rate="{survey_id}"')[1].split("</p>")[0]
    # the rate is the email's own: the widget skip is not an invitation that was not sent
    assert "4 sent, 2 answered" in rate and "50%" in rate and "3 not sent" in rate
    skips = page.split('class="skips"')[1].split("</ul>")[0]
    assert "asked too recently (minimum days between asks): <strong>3</strong>" in skips
    assert "(email 2, widget 1)" in skips
    assert "unsubscribed: <strong>1</strong>" in skips and "(email 1)" in skips
    assert "widget 1" in page
    old = dash.html(phase_url(seeded, "?from=2000-01-01&to=2000-12-31"))
    assert f'data-survey-rate="{survey_id}"' not in old  # the period applies


def _phase_id(seeded) -> int:
    return next(p["id"] for p in seeded["journey"]["phases"] if p["key"] == "levering")


def test_no_change_is_claimed_on_too_few_answers():
    """W36 had one answer (NPS 100), W37 many: "−85.7, p=0.031, significant" was shown."""
    few = {"csat_sum": 5.0, "csat_sq": 25.0, "csat_n": 1}
    many = {"csat_sum": 2.0 * 60, "csat_sq": 4.0 * 60 + 30, "csat_n": 60}
    assert trends.mean_change(few, many, "csat") is None
    almost = {name: value * 29 for name, value in few.items()}
    assert trends.mean_change(almost, many, "csat") is None  # 29 < MIN_ANSWERS
    enough = {"csat_sum": 4.5 * 30, "csat_sq": 20.5 * 30, "csat_n": 30}
    assert trends.mean_change(enough, many, "csat")["significant"] is True


def test_responses_csv_has_a_column_per_choice_question(dash, api, journey):
    """Choice answers live only in a response's answers: the CSV gives each its column."""
    question = {
        "key": "vond",
        "type": "choice",
        "text": {"nl": "Hoe vond je ons?"},
        "options": [
            {"key": "instagram", "label": "Instagram"},
            {"key": "vriend", "label": "Via een vriend"},
        ],
    }
    survey = new_survey(api, journey["id"], "aankoop", [question])
    for choice in ("instagram", "vriend"):
        reply = api.post(
            "/api/v1/responses", json={"survey_id": survey["id"], "answers": {"vond": choice}}
        )
        assert reply.status_code == 202
    url = f"/dashboard/journeys/{journey['id']}/phases/aankoop/responses.csv"
    rows = list(csv.DictReader(io.StringIO(csv_text(dash.get(url)))))
    assert sorted(row["choice_vond"] for row in rows) == ["instagram", "vriend"]


def test_the_phase_page_counts_each_option_chosen(dash, api, journey):
    """From choice_rollup, which the pipeline fills: the page reads no answers to count."""
    question = {
        "key": "vond",
        "type": "choice",
        "text": {"nl": "Hoe vond je ons?", "en": "How did you find us?"},
        "options": [
            {"key": "instagram", "label": "Instagram"},
            {"key": "vriend", "label": {"nl": "Via een vriend", "en": "Through a friend"}},
            {"key": "google", "label": "Google"},
        ],
    }
    survey = new_survey(api, journey["id"], "aankoop", [question])
    for choice in ("instagram", "instagram", "vriend"):
        body = {"survey_id": survey["id"], "answers": {"vond": choice}}
        assert api.post("/api/v1/responses", json=body).status_code == 202
    page = dash.html(f"/dashboard/journeys/{journey['id']}/phases/aankoop")
    table = page.split('data-choice-question="1"')[1].split("</table>")[0]
    assert "How did you find us?" in table and "3 answers" in table
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>([^<]+)</td>', table)
    assert rows == [
        ("Instagram", "2", "67%"),
        ("Through a friend", "1", "33%"),
        ("Google", "0", "0%"),
    ]
