"""/w/v1: the widget's survey and answer endpoints, CORS, identity, and every kind of bad input."""

import json
from datetime import timedelta

import pytest

from app.models import Contact, Customer, Invitation, Response
from tests.channels.helpers import (
    ORIGIN,
    assert_error,
    widget_post,
    widget_survey,
)
from tests.reviews.helpers import review_of, set_policy


def test_survey_for_a_phase_in_dutch_with_cors(client, site):
    response = widget_survey(client, site)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["survey_id"] == site["survey_id"]
    assert body["locale"] == "nl"
    assert [q["type"] for q in body["questions"]] == ["nps", "csat", "text"]
    assert body["questions"][0]["scale"] == [0, 10]
    assert body["texts"]["send"] == "Versturen"
    assert body["review_step"] is True
    assert body["cooldown_days"] == 14
    assert body["brand"]["color"].startswith("#")


def test_survey_in_english_when_asked(client, site):
    response = widget_survey(client, site, locale="en-GB")
    assert response.json["locale"] == "en"
    assert response.json["questions"][0]["text"] == "How likely…?"
    assert response.json["texts"]["send"] == "Send"


def test_survey_language_from_accept_language(client, site):
    response = client.get(
        "/w/v1/survey",
        query_string={"site_key": site["site_key"], "phase": "levering"},
        headers={"Origin": ORIGIN, "Accept-Language": "en-US,en;q=0.8"},
    )
    assert response.json["locale"] == "en"


def test_answer_as_json_reaches_the_pipeline(client, site, db):
    response = widget_post(client, site, {"answers": {"nps": 9, "why": "Netjes gemonteerd"}})
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    reply = response.json
    assert reply["status"] == "received"
    assert reply["review_requested"] is False
    stored = db.session.get(Response, reply["id"])
    assert stored.channel == "widget"
    assert stored.status == "processed"  # inline jobs: the pipeline ran after the commit
    assert stored.nps_category == "promoter"
    assert stored.customer_id is None
    assert stored.client_hash and "127.0.0.1" not in stored.client_hash


def test_answer_as_text_plain_like_send_beacon(client, site, count_rows):
    response = widget_post(client, site, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 202
    assert count_rows(Response) == 1


def test_the_same_idempotency_key_stores_once(client, site, count_rows):
    body = {"idempotency_key": "retry-key-0001"}
    first = widget_post(client, site, body)
    second = widget_post(client, site, body)
    assert first.status_code == second.status_code == 202
    assert first.json["id"] == second.json["id"]
    assert count_rows(Response) == 1


def test_one_customers_idempotency_key_does_not_answer_for_another(client, site, brand):
    """The fingerprint left the customer out: a second customer (or a visitor) sending the
    same key got the first one's receipt, points included, and their answer was dropped."""
    body = {"idempotency_key": "retry-key-0002"}
    first = widget_post(
        client, site, {**body, "customer_id": "anna", "customer_sig": brand.sign_customer("anna")}
    )
    assert first.status_code == 202
    other = {**body, "customer_id": "bert", "customer_sig": brand.sign_customer("bert")}
    for later in (widget_post(client, site, other), widget_post(client, site, body)):
        assert later.status_code == 409, later.json
        assert later.json["error"]["code"] == "idempotency_conflict"


def test_review_consent_travels_with_the_answer(client, site, db):
    body = {
        "answers": {"nps": 3, "why": "Te laat"},
        "review": {"consent": True, "display_name": "Anna B."},
    }
    response = widget_post(client, site, body)
    assert response.json["review_requested"] is True
    stored = db.session.get(Response, response.json["id"])
    assert stored.review_request["display_name"] == "Anna B."


def test_a_very_fast_widget_review_is_held_like_an_api_one(client, site, brand):
    """The widget sends review.elapsed_ms, so the "very fast" fraud signal fires for it too."""
    set_policy(brand, "immediate")
    answers = [
        ({"nps": 9, "why": "Snel geklikt, snel getypt."}, 900),
        ({"nps": 9, "why": "Rustig nagedacht en geschreven."}, 40_000),
    ]
    fast, slow = (
        review_of(
            widget_post(
                client, site, {"answers": a, "review": {"consent": True, "elapsed_ms": ms}}
            ).json["id"]
        )
        for a, ms in answers
    )
    assert fast.channel == "widget" and fast.elapsed_ms == 900
    assert fast.status == "pending"
    assert [s["signal"] for s in fast.fraud_signals] == ["very_fast"]
    assert slow.status == "published" and slow.fraud_signals == []


def test_thank_you_reports_points_from_loyalty(client, site):
    reply = widget_post(client, site).json
    assert set(reply) >= {"points", "incentivized"}
    if reply["points"] is not None:  # loyalty installed: points never depend on the score
        assert reply["points"] >= 0


def test_thank_you_tells_an_identified_customer_the_points_earned(client, site, brand):
    pytest.importorskip("loyalty")
    body = {"customer_id": "klant-8", "customer_sig": brand.sign_customer("klant-8")}
    assert widget_survey(client, site, **body).json["points_offered"] is True
    reply = widget_post(client, site, {**body, "answers": {"nps": 2}}).json
    assert reply["incentivized"] is True
    assert reply["points"] > 0  # inline jobs: the pipeline already awarded them


def test_points_are_not_promised_for_a_phase_survey_already_answered(client, site, brand, db):
    """Points are earned once per person per phase survey: the second time the widget offers
    none and the answer is not marked incentivized (no "points are on their way")."""
    pytest.importorskip("loyalty")
    body = {"customer_id": "klant-9", "customer_sig": brand.sign_customer("klant-9")}
    first = widget_post(client, site, {**body, "answers": {"nps": 8}}).json
    assert first["incentivized"] is True and first["points"] > 0
    assert widget_survey(client, site, **body).json["points_offered"] is False
    second = widget_post(client, site, {**body, "answers": {"nps": 3}}).json
    assert second["incentivized"] is False and not second["points"]
    assert db.session.get(Response, second["id"]).incentivized is False
    other = {"customer_id": "klant-10", "customer_sig": brand.sign_customer("klant-10")}
    assert widget_survey(client, site, **other).json["points_offered"] is True


def test_signed_identity_links_the_customer(client, site, brand, db):
    signature = brand.sign_customer("klant-7")
    response = widget_post(client, site, {"customer_id": "klant-7", "customer_sig": signature})
    assert response.status_code == 202
    stored = db.session.get(Response, response.json["id"])
    assert stored.customer.external_id == "klant-7"


def test_a_wrong_signature_is_anonymous_never_trusted(client, site, count_rows, db):
    for signature in ["0" * 64, "not-hex", "", "é", "İ" * 64]:  # non-ASCII was a 500
        response = widget_post(client, site, {"customer_id": "klant-7", "customer_sig": signature})
        assert response.status_code == 202
        assert db.session.get(Response, response.json["id"]).customer_id is None
        assert count_rows(Customer) == 0


def test_preflight_for_an_allowed_origin(client, site):
    response = client.options(
        "/w/v1/responses",
        query_string={"site_key": site["site_key"]},
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_preflight_for_another_origin_is_refused(client, site):
    for origin in ["https://evil.example", "null", "https://shop.example.evil"]:
        response = client.options(
            "/w/v1/responses",
            query_string={"site_key": site["site_key"]},
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert_error(response, 403, "origin_not_allowed")
        assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_without_site_key_is_refused(client, site):
    response = client.options(
        "/w/v1/responses", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert_error(response, 403, "invalid_site_key")


# --- bad input on every public endpoint: the error shape, and nothing stored -----------------


def test_wrong_site_key(client, site, count_rows):
    for key in ["pk_wrong", "", "x" * 70]:
        assert_error(widget_survey(client, {**site, "site_key": key}), 403, "invalid_site_key")
        response = widget_post(client, site, {"site_key": key}, query_string={"site_key": key})
        assert response.status_code in (403, 422)
        assert count_rows(Response) == 0


def test_another_brands_site_key_cannot_answer_this_brands_survey(
    client, site, other_brand, count_rows
):
    other = other_brand["brand"]
    other.allowed_origins = [ORIGIN]
    from app.extensions import db

    db.session.commit()
    response = widget_post(
        client, {**site, "site_key": other.site_key}, query_string={"site_key": other.site_key}
    )
    assert_error(response, 404)
    assert count_rows(Response) == 0


def test_disallowed_origin(client, site, count_rows):
    response = widget_survey(client, site, origin="https://evil.example")
    assert_error(response, 403, "origin_not_allowed")
    response = widget_post(client, site, origin="https://evil.example")
    assert_error(response, 403, "origin_not_allowed")
    assert count_rows(Response) == 0


def test_refusals_are_readable_by_the_page_so_the_widget_can_say_why(client, site, brand):
    """An error carries CORS for the calling page (a bare CORS failure tells its developer
    nothing); a success or a preflight never does for an origin that is not allowed."""
    evil = "https://evil.example"
    refusals = [
        (widget_survey(client, site, origin=evil), 403, "origin_not_allowed"),
        (widget_post(client, site, origin=evil), 403, "origin_not_allowed"),
        (widget_survey(client, {**site, "site_key": "pk_wrong"}), 403, "invalid_site_key"),
        (widget_survey(client, site, phase="onbekend"), 404, "not_found"),
    ]
    for response, status, code in refusals:
        error = assert_error(response, status, code)
        assert response.headers["Access-Control-Allow-Origin"] in (evil, ORIGIN)
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Origin" in response.headers["Vary"]
        # nothing about the brand in the body: not its origins, not its name
        assert "shop.example" not in response.get_data(as_text=True)
        assert brand.name not in error["message"]
    assert refusals[0][0].headers["Access-Control-Allow-Origin"] == evil


def test_requests_without_origin_are_server_side_and_allowed(client, site):
    assert widget_survey(client, site, origin=None).status_code == 200


def test_unknown_or_invalid_phase(client, site):
    assert_error(widget_survey(client, site, phase="onbekend"), 404)
    for phase in ["Levering!", ""]:
        assert "phase" in assert_error(widget_survey(client, site, phase=phase), 422)["fields"]


def test_phase_without_active_survey_is_404(client, site):
    assert_error(widget_survey(client, site, phase="aankoop"), 404)


def test_a_touchpoint_the_phase_lacks_is_refused_by_the_survey_as_by_the_answer(
    client, site, brand, journey, db
):
    """The widget must not open a survey whose answer the POST would refuse."""
    from app.services import journeys

    journeys.add_touchpoint(
        brand, journey["id"], "levering", {"name": "Montage", "channel": "onsite"}
    )
    refused = assert_error(widget_survey(client, site, touchpoint="Nergens"), 422)
    posted = assert_error(widget_post(client, site, {"touchpoint": "Nergens"}), 422)
    assert refused["fields"] == posted["fields"] == {"touchpoint": ["unknown"]}
    assert widget_survey(client, site, touchpoint="Montage").status_code == 200
    assert widget_post(client, site, {"touchpoint": "Montage"}).status_code == 202


def test_a_refused_touchpoint_does_not_count_as_an_ask(client, site, brand, db):
    signed = {"customer_id": "klant-tp", "customer_sig": brand.sign_customer("klant-tp")}
    assert_error(widget_survey(client, site, touchpoint="Nergens", **signed), 422)
    assert db.session.query(Contact).count() == 0
    assert widget_survey(client, site, **signed).status_code == 200


def test_the_widget_gets_its_error_texts_in_the_customers_language(client, site):
    dutch = widget_survey(client, site).json["texts"]
    english = widget_survey(client, site, locale="en").json["texts"]
    assert english["not_saved"] == "Sorry, your answer could not be saved."
    assert english["required"] == "Please choose or enter an answer."
    assert dutch["not_saved"].startswith("Sorry, je antwoord")
    assert dutch["required"] == "Kies of vul een antwoord in."


def test_malformed_json_body(client, site, count_rows):
    response = widget_post(client, site, data="{not json", query_string=_key(site))
    assert_error(response, 400, "malformed_json")
    response = widget_post(client, site, data="[1, 2]", query_string=_key(site))
    assert_error(response, 400, "malformed_json")
    assert count_rows(Response) == 0


def test_body_that_is_not_json_is_415(client, site, count_rows):
    response = widget_post(
        client,
        site,
        data="survey_id=1",
        content_type="application/x-www-form-urlencoded",
        query_string=_key(site),
    )
    assert_error(response, 415, "unsupported_media_type")
    assert count_rows(Response) == 0


def test_oversized_body_is_413(client, site, count_rows):
    body = {"answers": {"nps": 9, "why": "x" * 70_000}}
    response = widget_post(client, site, body, query_string=_key(site))
    assert_error(response, 413, "payload_too_large")
    assert count_rows(Response) == 0


INVALID = [
    ({"answers": {"nps": 11}}, "answers.nps"),
    ({"answers": {"nps": "9"}}, "answers.nps"),
    ({"answers": {"nope": 1}}, "answers.nope"),
    ({"answers": {}}, "answers"),
    ({"answers": {"csat": 3}}, "answers.nps"),  # nps is required
    ({"survey_id": "1"}, "survey_id"),
    ({"idempotency_key": "short"}, "idempotency_key"),
    ({"review": {"consent": "maybe"}}, "review.consent"),
    ({"review": {"consent": True, "elapsed_ms": -1}}, "review.elapsed_ms"),
    ({"review": {"consent": True, "elapsed_ms": 86_400_001}}, "review.elapsed_ms"),
    ({"review": {"consent": True, "elapsed_ms": 1.5}}, "review.elapsed_ms"),
    ({"review": {"consent": True, "elapsed_ms": True}}, "review.elapsed_ms"),
    ({"review": {"consent": True, "elapsed_ms": "fast"}}, "review.elapsed_ms"),
    ({"review": {"consent": True, "elapsed_ms": "900"}}, "review.elapsed_ms"),
    ({"unexpected": True}, "unexpected"),
    ({"answers": {"why": "<script>alert(1)</script>" * 30}}, "answers.why"),
]


def test_invalid_values_are_422_with_fields(client, site, count_rows):
    for body, field in INVALID:
        response = widget_post(client, site, body)
        error = assert_error(response, 422)
        assert field in error["fields"], (body, error)
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget reads it
        assert count_rows(Response) == 0


def test_unknown_survey_is_404(client, site, count_rows):
    assert_error(widget_post(client, site, {"survey_id": 999_999}), 404)
    assert count_rows(Response) == 0


def test_other_brands_survey_is_404(client, site, other_brand, count_rows):
    response = widget_post(client, site, {"survey_id": other_brand["survey_id"]})
    assert_error(response, 404)
    assert count_rows(Response) == 0


def test_site_key_differs_in_query_and_body(client, site, count_rows):
    response = widget_post(client, site, query_string={"site_key": "pk_other"})
    assert_error(response, 422)
    assert count_rows(Response) == 0


def test_survey_query_is_validated(client, site):
    error = assert_error(widget_survey(client, site, customer_id="x" * 200, customer_sig="y"), 422)
    assert "customer_id" in error["fields"]
    assert widget_survey(client, site, customer_id="c1", customer_sig="é").status_code == 200


@pytest.mark.parametrize("customer_id", ["klant\x0b7", "klant-7\n"])
def test_a_customer_id_with_control_characters_is_refused_as_by_the_api(
    client, site, brand, count_rows, customer_id
):
    body = {"customer_id": customer_id, "customer_sig": brand.sign_customer(customer_id)}
    error = assert_error(widget_post(client, site, body), 422)
    assert "customer_id" in error["fields"]
    assert count_rows(Customer) == count_rows(Response) == 0


def _key(site):
    return {"site_key": site["site_key"]}


# --- the contact budget ----------------------------------------------------------------------


def _signed(brand, customer_id="klant-1"):
    return {"customer_id": customer_id, "customer_sig": brand.sign_customer(customer_id)}


def test_contact_budget_blocks_a_second_ask_then_allows_it(client, site, brand, db):
    first = widget_survey(client, site, **_signed(brand))
    assert first.status_code == 200
    assert first.json["identified"] is True
    second = widget_survey(client, site, **_signed(brand))
    assert second.status_code == 204
    assert second.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert db.session.query(Contact).count() == 1
    # the same phase stays blocked for 60 days (same_phase_days), then it may be asked again
    for contact in db.session.query(Contact):
        contact.created_at -= timedelta(days=59)
    db.session.commit()
    assert widget_survey(client, site, **_signed(brand)).status_code == 204
    for contact in db.session.query(Contact):
        contact.created_at -= timedelta(days=2)
    db.session.commit()
    assert widget_survey(client, site, **_signed(brand)).status_code == 200


def test_widget_skips_are_kept_once_per_customer_phase_and_day(client, site, brand, db, api):
    """Page views asked in a loop leave one skip a day, for the dashboard, not one per view."""
    assert widget_survey(client, site, **_signed(brand)).status_code == 200
    for _ in range(5):
        assert widget_survey(client, site, **_signed(brand)).status_code == 204
    [skip] = db.session.query(Invitation).all()
    assert (skip.channel, skip.status, skip.skip_reason) == (
        "widget",
        "skipped",
        "min_days_between",
    )
    assert skip.survey_id == site["survey_id"] and skip.customer.external_id == "klant-1"
    skip.created_at -= timedelta(days=1)  # yesterday's: today's first 204 keeps a new one
    db.session.commit()
    assert widget_survey(client, site, **_signed(brand)).status_code == 204
    assert widget_survey(client, site, **_signed(brand)).status_code == 204
    assert db.session.query(Invitation).count() == 2
    assert db.session.query(Contact).count() == 1  # a skip is not an ask: the budget is unchanged
    # the invitations API stays about emails
    listing = api.get("/api/v1/invitations").json
    assert listing["items"] == [] and listing["counts"]["skipped"] == 0
    assert api.get(f"/api/v1/invitations/{skip.id}").status_code == 404


def test_a_widget_skip_day_is_the_brands_day(client, site, brand, db):
    """A skip kept at 00:01 in Amsterdam is today's there, though yesterday's in UTC: the
    next "no" today keeps no second one."""
    from app import timestamps
    from app.models.base import utcnow

    assert widget_survey(client, site, **_signed(brand)).status_code == 200
    assert widget_survey(client, site, **_signed(brand)).status_code == 204
    [skip] = db.session.query(Invitation).all()
    zone = brand.time_zone
    assert zone == "Europe/Amsterdam"
    today_began, _ = timestamps.local_days(timestamps.local_day(utcnow(), zone), None, zone)
    skip.created_at = today_began + timedelta(minutes=1)
    db.session.commit()
    assert widget_survey(client, site, **_signed(brand)).status_code == 204
    assert db.session.query(Invitation).count() == 1


def test_anonymous_visitors_have_no_server_budget(client, site, count_rows):
    assert widget_survey(client, site).status_code == 200
    assert widget_survey(client, site).status_code == 200
    assert count_rows(Contact) == 0 and count_rows(Invitation) == 0


def test_budget_is_per_customer(client, site, brand):
    assert widget_survey(client, site, **_signed(brand, "a")).status_code == 200
    assert widget_survey(client, site, **_signed(brand, "b")).status_code == 200
    assert widget_survey(client, site, **_signed(brand, "a")).status_code == 204


def test_a_wrongly_signed_customer_is_not_counted(client, site, count_rows):
    response = widget_survey(client, site, customer_id="a", customer_sig="0" * 64)
    assert response.status_code == 200
    assert response.json["identified"] is False
    assert count_rows(Contact) == 0


# --- rate limits -----------------------------------------------------------------------------


@pytest.fixture
def limited_client(database_uri, app, db):
    """An app with rate limiting on and tiny limits; the shared limiter is switched back off."""
    from app import create_app
    from app.extensions import limiter
    from tests.conftest import _normalise

    limited = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": _normalise(database_uri),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_WIDGET_CLIENT": "3/minute",
            "RATELIMIT_WIDGET_SITE": "100/minute",
        },
    )
    with limited.app_context():
        limiter.reset()
    yield limited.test_client()
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()  # close its pool now, not whenever the garbage collector runs
    limiter.enabled = False


def test_rate_limited_per_client(limited_client, site, count_rows):
    statuses = [widget_post(limited_client, site).status_code for _ in range(5)]
    assert statuses[:3] == [202, 202, 202]
    assert statuses[3] == 429
    response = widget_post(limited_client, site)
    assert_error(response, 429, "rate_limited")
    assert "Retry-After" in response.headers
    assert count_rows(Response) == 3


def test_json_body_content_is_not_reflected_unescaped(client, site):
    """Error messages never echo the body back as HTML."""
    response = widget_post(client, site, {"answers": {"<img src=x onerror=alert(1)>": 1}})
    assert response.mimetype == "application/json"
    assert json.loads(response.data)["error"]["code"] == "validation_error"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain;charset=UTF-8"])
def test_a_body_nested_too_deeply_to_parse_is_400(client, site, count_rows, content_type):
    deep = '{"a":' * 3000 + "1" + "}" * 3000  # 20 KB: under the size limit, over the parser's
    response = widget_post(client, site, data=deep, content_type=content_type)
    assert_error(response, 400, "malformed_json")
    assert count_rows(Response) == 0


def test_a_beacon_with_a_nul_is_422_and_stores_nothing(client, site, count_rows):
    answer = {"answers": {"nps": 9, "why": "Net\u0000jes"}}
    response = widget_post(client, site, answer, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["answers.why"]
    assert count_rows(Response) == 0


def test_an_answer_to_a_survey_switched_off_meanwhile_is_kept(client, api, site, db):
    """The page was opened while the survey was shown: its answer is stored against it."""
    assert (
        api.patch(f"/api/v1/surveys/{site['survey_id']}", json={"active": False}).json["active"]
        is False
    )
    assert widget_survey(client, site).status_code == 404  # no longer offered
    reply = widget_post(client, site)
    assert reply.status_code == 202, reply.get_data(as_text=True)
    assert db.session.get(Response, reply.json["id"]).survey_id == site["survey_id"]
