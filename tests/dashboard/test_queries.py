"""No N+1: each dashboard page runs the same number of queries at any data size."""

import contextlib

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.conftest import new_survey
from tests.dashboard.conftest import answer


@contextlib.contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def pages(seeded):
    journey, survey = seeded["journey"]["id"], seeded["survey"]["id"]
    return [
        "/dashboard",
        "/dashboard?persona=senioren&channel=api",
        f"/dashboard/journeys/{journey}/phases/levering",
        f"/dashboard/journeys/{journey}/phases/levering?grain=month&category=detractor",
        f"/dashboard/journeys/{journey}/figures.csv",
        f"/dashboard/journeys/{journey}/phases/levering/responses.csv",
        f"/dashboard/journeys/{journey}",
        "/dashboard/journeys",
        "/dashboard/surveys",
        f"/dashboard/surveys/{survey}",
        "/dashboard/personas",
        "/dashboard/settings",
    ]


def measure(dash, seeded) -> dict[str, int]:
    found = {}
    for url in pages(seeded):
        with counted() as statements:
            response = dash.get(url)
            response.get_data()  # streamed bodies run their queries here
        assert response.status_code == 200, url
        found[url] = len(statements)
    return found


def grow(api, seeded):
    """More of everything a page lists: phases, touchpoints, personas, surveys, answers."""
    journey = seeded["journey"]
    for number in range(3):
        api.post("/api/v1/personas", json={"key": f"p{number}", "name": f"P{number}"})
        for phase in ("orientatie", "aankoop", "levering"):
            api.post(
                f"/api/v1/journeys/{journey['id']}/phases/{phase}/touchpoints",
                json={"name": f"T{number}", "channel": "web"},
            )
        new_survey(api, journey["id"], "levering", [{"key": "nps", "type": "nps", "text": "Q?"}])
    for number in range(30):
        answer(
            api, seeded["survey"], number % 11, text=f"tekst {number}", customer=f"k{number % 12}"
        )


def test_query_counts_do_not_grow_with_the_data(dash, api, seeded):
    small = measure(dash, seeded)
    grow(api, seeded)
    large = measure(dash, seeded)
    assert large == small
    assert max(small.values()) <= 40, small  # and they stay few


@pytest.mark.parametrize("batch", [5])
def test_csv_export_queries_grow_with_batches_not_rows(dash, api, seeded, monkeypatch, batch):
    from app.services import exports

    monkeypatch.setattr(exports, "BATCH", batch)
    url = f"/dashboard/journeys/{seeded['journey']['id']}/phases/levering/responses.csv"
    with counted() as statements:
        dash.get(url).get_data()
    selects = [s for s in statements if "FROM response" in s]
    assert len(selects) == 2  # 8 answers in batches of 5
