"""A key's "Last used" is written on use, but at most once an hour: answers come too fast to
write a row for each."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select, update

from app.models import ApiKey


@contextmanager
def key_writes(db):
    """The UPDATEs of api_key the block sends to the database."""
    writes: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE API_KEY"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def last_used(db, brand):
    db.session.expire_all()
    return db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.brand_id == brand.id))


def forget_in_process(app):
    """As another worker process, which has not noted this key yet, would start."""
    app.extensions.get("api_key_use_noted", {}).clear()


def never_used(app, db):
    """The key as it was before any request (the fixtures' requests used it)."""
    db.session.execute(update(ApiKey).values(last_used_at=None))
    db.session.commit()
    forget_in_process(app)


def test_a_request_sets_last_used_and_a_second_within_the_hour_writes_nothing(
    app, db, api, brand, survey
):
    never_used(app, db)
    assert last_used(db, brand) is None
    with key_writes(db) as writes:
        assert api.get("/api/v1/journeys").status_code == 200
    assert len(writes) == 1
    first = last_used(db, brand)
    assert first is not None
    with key_writes(db) as writes:
        assert api.get("/api/v1/journeys").status_code == 200
        answer = {"survey_id": survey["id"], "answers": {"nps": 9}}
        assert api.post("/api/v1/responses", json=answer).status_code == 202
    assert writes == []
    assert last_used(db, brand) == first


def test_another_process_within_the_hour_changes_nothing_and_after_it_writes_again(
    app, db, api, brand
):
    forget_in_process(app)
    assert api.get("/api/v1/journeys").status_code == 200
    first = last_used(db, brand)
    forget_in_process(app)
    assert api.get("/api/v1/journeys").status_code == 200
    assert last_used(db, brand) == first  # the UPDATE's condition held it
    long_ago = first - timedelta(hours=2)
    db.session.execute(
        update(ApiKey).where(ApiKey.brand_id == brand.id).values(last_used_at=long_ago)
    )
    db.session.commit()
    forget_in_process(app)
    assert api.get("/api/v1/journeys").status_code == 200
    assert last_used(db, brand) > first


def test_the_answer_path_notes_its_key_too(app, db, api, brand, survey):
    never_used(app, db)
    answer = {"survey_id": survey["id"], "answers": {"nps": 9}}
    assert api.post("/api/v1/responses", json=answer).status_code == 202
    assert last_used(db, brand) is not None


def test_a_wrong_key_writes_nothing(app, db, client, brand):
    forget_in_process(app)
    with key_writes(db) as writes:
        response = client.get("/api/v1/journeys", headers={"Authorization": "Bearer sk_wrong"})
    assert response.status_code == 401
    assert writes == [] and last_used(db, brand) is None
