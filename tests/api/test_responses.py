"""Posting answers: 202, idempotent, validated against the survey; listing them back."""

import pytest

from app.models import Customer, Response


def post(api, survey, answers, **extra):
    headers = extra.pop("headers", None)
    return api.post(
        "/api/v1/responses",
        json={"survey_id": survey["id"], "answers": answers, **extra},
        headers=headers,
    )


def test_answer_is_accepted_and_processed_inline(api, survey):
    response = post(
        api,
        survey,
        {"nps": 3, "csat": 2, "why": "De monteur kwam veel te laat."},
        customer="c1",
        locale="nl-BE",
    )
    assert response.status_code == 202
    assert response.json["status"] == "received"
    item = api.get("/api/v1/responses").json["items"][0]
    assert item["id"] == response.json["id"]
    assert item["status"] == "processed"
    assert item["nps_category"] == "detractor"
    assert item["sentiment"]["label"] == "negative"
    assert -1 <= item["sentiment"]["polarity"] < 0
    assert item["locale"] == "nl" and item["customer"] == "c1" and item["phase"] == "levering"
    assert item["answers"] == {"nps": 3, "csat": 2, "why": "De monteur kwam veel te laat."}


def test_same_idempotency_key_gives_the_same_response(api, survey, count_rows):
    headers = {"Idempotency-Key": "order-42-levering"}
    first = post(api, survey, {"nps": 9}, headers=headers)
    second = post(api, survey, {"nps": 9}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json["id"] == second.json["id"]
    assert count_rows(Response) == 1
    different = post(api, survey, {"nps": 2}, headers=headers)
    assert different.status_code == 409
    assert different.json["error"]["code"] == "idempotency_conflict"
    assert count_rows(Response) == 1


def test_a_key_used_for_another_request_stores_not_even_its_customer(api, survey, count_rows):
    """A 409 stores nothing: the customer a refused request names was made all the same."""
    headers = {"Idempotency-Key": "order-43-levering"}
    first = post(api, survey, {"nps": 9}, headers=headers, customer="mixc-0")
    assert first.status_code == 202
    other = post(api, survey, {"nps": 9}, headers=headers, customer="mixc-9")
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    assert count_rows(Response) == 1 and count_rows(Customer) == 1
    again = post(api, survey, {"nps": 9}, headers=headers, customer="mixc-0")
    assert (again.status_code, again.json["id"]) == (202, first.json["id"])


@pytest.mark.postgres
def test_concurrent_retries_with_one_key_store_one_row(api, survey, count_rows):
    """Eight copies of one request at once (a client retrying on a timeout): one row, one id."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    start = Barrier(8)

    def send(_):
        start.wait()
        return post(api, survey, {"nps": 7}, headers={"Idempotency-Key": "retry-storm"})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.json["id"] for answer in answers}) == 1
    assert count_rows(Response) == 1


@pytest.mark.postgres
def test_inline_jobs_after_a_direct_answer_run_in_a_transaction(api, survey, monkeypatch):
    """The answer is written in autocommit on a pooled connection; neither the inline pipeline
    nor whoever gets that connection next may inherit autocommit."""
    from app.extensions import db
    from app.services import processing

    seen, original = [], processing.process_batch

    def spy(ids, batch_size=200):
        connection = db.session.connection()
        seen.append(connection.get_isolation_level())
        seen.append(connection.connection.driver_connection.autocommit)
        return original(ids, batch_size)

    monkeypatch.setattr(processing, "process_batch", spy)
    db.session.remove()  # a request's fresh session, as in production
    assert post(api, survey, {"nps": 4}).status_code == 202
    assert seen == ["READ COMMITTED", False]
    db.session.remove()
    pooled = db.engine.raw_connection()
    try:
        assert pooled.driver_connection.autocommit is False
    finally:
        pooled.close()


def test_idempotency_keys_are_per_brand(api, client, survey, other_brand, count_rows):
    from tests.conftest import ApiClient

    theirs = ApiClient(client, other_brand["key"])
    headers = {"Idempotency-Key": "k1"}
    mine = post(api, survey, {"nps": 9}, headers=headers)
    other = theirs.post(
        "/api/v1/responses",
        json={"survey_id": other_brand["survey_id"], "answers": {"nps": 9}},
        headers=headers,
    )
    assert mine.json["id"] != other.json["id"]
    assert count_rows(Response) == 2


BAD_ANSWERS = [
    ({"nps": 11}, "answers.nps"),
    ({"nps": -1}, "answers.nps"),
    ({"nps": "9"}, "answers.nps"),
    ({"nps": 9.5}, "answers.nps"),
    ({"nps": True}, "answers.nps"),
    ({"nps": 9, "csat": 0}, "answers.csat"),
    ({"nps": 9, "csat": 6}, "answers.csat"),
    ({"nps": 9, "stars": 5}, "answers.stars"),
    ({"csat": 4}, "answers.nps"),  # nps is required
    ({"nps": 9, "why": "x" * 501}, "answers.why"),
    ({"nps": 9, "why": 42}, "answers.why"),
    ({"nps": 9, "why": "a\u0000b"}, "answers.why"),  # PostgreSQL refuses NUL in text
    ({}, "answers"),
]


@pytest.mark.parametrize(("answers", "field"), BAD_ANSWERS)
def test_bad_answers_are_422_and_store_nothing(api, survey, count_rows, answers, field):
    response = post(api, survey, answers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"], response.json
    assert count_rows(Response) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"nps": 9}},
        {"survey_id": "abc", "answers": {"nps": 9}},
        {"survey_id": 1, "answers": "nine"},
        {"survey_id": 1, "answers": {"nps": 9}, "channel": "fax"},
        {"survey_id": 1, "answers": {"nps": 9}, "surprise": True},
        {"survey_id": 1, "answers": {"nps": 9}, "review": {"display_name": "A"}},
        {"survey_id": 1, "answers": {"nps": 9}, "touchpoint": True},
        {"survey_id": 1, "answers": {"nps": 9}, "customer": "c\u00001"},
    ],
)
def test_malformed_bodies_are_422(api, survey, count_rows, body):
    response = api.post("/api/v1/responses", json=body)
    assert response.status_code == 422, response.json
    assert count_rows(Response) == 0


def test_unknown_or_foreign_survey_is_404(api, survey, other_brand, count_rows):
    assert (
        api.post(
            "/api/v1/responses", json={"survey_id": 999_999, "answers": {"nps": 9}}
        ).status_code
        == 404
    )
    assert (
        api.post(
            "/api/v1/responses", json={"survey_id": other_brand["survey_id"], "answers": {"nps": 9}}
        ).status_code
        == 404
    )
    assert count_rows(Response) == 0


def test_unknown_touchpoint_is_422(api, survey, journey, count_rows):
    assert post(api, survey, {"nps": 9}, touchpoint="Nowhere").status_code == 422
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    touchpoint = api.post(url, json={"name": "Montageploeg", "channel": "onsite"}).json
    assert post(api, survey, {"nps": 9}, touchpoint="Montageploeg").status_code == 202
    assert post(api, survey, {"nps": 9}, touchpoint=touchpoint["id"]).status_code == 202
    assert count_rows(Response) == 2


@pytest.mark.postgres
def test_a_touchpoint_deleted_meanwhile_is_the_422_of_an_unknown_one(
    app, api, brand, survey, journey, monkeypatch, count_rows
):
    """Deleted between its lookup and the INSERT: the foreign key refused the row, a 500,
    and the answer was lost. (SQLite does not enforce foreign keys here.)"""
    from app.extensions import db
    from app.models import Brand
    from app.services import intake, journey_editor

    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    assert api.post(url, json={"name": "Montageploeg", "channel": "onsite"}).status_code == 201
    brand_id, real, deleted = brand.id, intake._touchpoint, []

    def found_then_deleted(phase_id, value):
        touchpoint_id = real(phase_id, value)
        if touchpoint_id is not None and not deleted:
            with app.app_context():  # another request's session: the dashboard's delete
                journey_editor.delete_touchpoint(db.session.get(Brand, brand_id), touchpoint_id)
            deleted.append(touchpoint_id)
        return touchpoint_id

    monkeypatch.setattr(intake, "_touchpoint", found_then_deleted)
    refused = post(api, survey, {"nps": 9}, touchpoint="Montageploeg")
    assert refused.status_code == 422, refused.json
    assert "touchpoint" in refused.json["error"]["fields"]
    assert deleted and count_rows(Response) == 0


def test_oversized_and_non_json_bodies(api, survey, count_rows):
    big = post(api, survey, {"nps": 9, "why": "x" * 70_000})
    assert big.status_code == 413
    text = api.client.post(
        "/api/v1/responses",
        data="nps=9",
        headers={**api._headers(None), "Content-Type": "text/plain"},
    )
    assert text.status_code == 415
    assert count_rows(Response) == 0 and count_rows(Customer) == 0


def test_empty_text_is_not_an_answer(api, survey):
    post(api, survey, {"nps": 8, "why": "   "})
    item = api.get("/api/v1/responses").json["items"][0]
    assert item["answers"] == {"nps": 8}
    assert item["sentiment"] is None and item["nps_category"] == "passive"


def test_locale_falls_back_to_the_survey_default(api, survey):
    post(api, survey, {"nps": 9}, locale="de-DE")
    post(api, survey, {"nps": 9}, locale="en-GB")
    locales = [item["locale"] for item in api.get("/api/v1/responses").json["items"]]
    assert locales == ["en", "nl"]


def test_review_consent_is_kept_for_the_review_step(api, survey, db):
    post(
        api, survey, {"nps": 10, "why": "Top"}, review={"consent": True, "display_name": "Anna B."}
    )
    post(api, survey, {"nps": 10, "why": "Top"}, review={"consent": False})
    rows = db.session.query(Response).order_by(Response.id).all()
    assert rows[0].review_request == {"consent": True, "display_name": "Anna B."}
    assert rows[1].review_request is None


def test_list_paginates_with_a_cursor_and_filters(api, survey, journey):
    ids = [post(api, survey, {"nps": n}).json["id"] for n in range(5)]
    page = api.get("/api/v1/responses?limit=2").json
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    seen = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = api.get(f"/api/v1/responses?limit=2&cursor={page['next_cursor']}").json
        seen += [item["id"] for item in page["items"]]
    assert seen == ids[::-1]
    assert api.get("/api/v1/responses?phase=aankoop").json["items"] == []
    assert len(api.get(f"/api/v1/responses?survey_id={survey['id']}").json["items"]) == 5
    assert len(api.get("/api/v1/responses?since=2000-01-01T00:00:00Z").json["items"]) == 5
    assert api.get("/api/v1/responses?since=2999-01-01T00:00:00Z").json["items"] == []


@pytest.mark.parametrize(
    "query", ["cursor=%%%", "cursor=eDox", "limit=0", "limit=500", "since=yesterday", "status=done"]
)
def test_bad_list_queries_are_422(api, query):
    response = api.get(f"/api/v1/responses?{query}")
    assert response.status_code == 422
    assert response.json["error"]["fields"]


def test_other_brands_responses_are_invisible(api, client, survey, other_brand):
    from tests.conftest import ApiClient

    post(api, survey, {"nps": 9})
    theirs = ApiClient(client, other_brand["key"])
    assert theirs.get("/api/v1/responses").json["items"] == []
