"""Archiving, restoring and deleting a journey in the dashboard: a confirmation first, out of
the map's choices, back from the Archived list; viewers only read."""

import re

from app.extensions import db
from app.models import Journey, Survey
from tests.conftest import JOURNEY, new_survey
from tests.dashboard.conftest import answer


def _copy(api, journey_id) -> dict:
    document = api.get(f"/api/v1/journeys/{journey_id}/export").json
    created = api.post("/api/v1/journeys/import", json=document)
    assert created.status_code == 201, created.json
    return created.json


def _picker(page: str) -> list[str]:
    found = re.search(r'<select id="f-journey" name="journey">(.*?)</select>', page, re.S)
    return re.findall(r">([^<]+)</option>", found.group(1)) if found else []


def _map(page: str) -> str:
    """The map's phase columns, without the chart ids a page counts up."""
    columns = re.search(r'<ol class="map".*?</ol>', page, re.S).group(0)
    return re.sub(r"\bc\d+-([td])\b", r"c-\1", columns)


def test_archive_asks_first_then_leaves_the_map_and_comes_back(as_role, api, journey, survey):
    copy = _copy(api, journey["id"])
    answer(api, survey, 9, 5)
    answer(api, {"id": copy["surveys"][0]["id"]}, 4, 2)
    editor = as_role("editor")
    before = editor.html(f"/dashboard?journey={copy['journey']['id']}&period=all")
    assert _picker(before) == ["Badkamer", "Badkamer (2)"]

    confirm = editor.html(f"/dashboard/journeys/{journey['id']}/archive")
    assert "Archive “Badkamer”?" in confirm and "Its answers, reviews, points" in confirm
    db.session.expire_all()
    assert db.session.get(Journey, journey["id"]).archived_at is None  # asking is not doing

    done = editor.post(f"/dashboard/journeys/{journey['id']}/archive")
    assert done.status_code == 302 and done.location.endswith("/dashboard/journeys")
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).active is False
    listed = editor.html("/dashboard/journeys")
    living, archived = listed.split('id="archived"')
    assert "Badkamer (2)" in living and ">Badkamer</a>" not in living
    assert ">Badkamer</a>" in archived and "Restore" in archived

    # the map opens on the other journey, whose figures are as they were
    home = editor.html("/dashboard?period=all")
    assert "· Badkamer (2)</span>" in home and _picker(home) == []
    after = editor.html(f"/dashboard?journey={copy['journey']['id']}&period=all")
    assert _map(after) == _map(before)
    # the archived one's history stays readable, said to be archived
    old = editor.html(f"/dashboard?journey={journey['id']}&period=all")
    assert "This journey asks nobody" in old and "Badkamer (archived)" in _picker(old)
    page = editor.html(f"/dashboard/journeys/{journey['id']}")
    assert "Restore journey" in page and "Save phase" not in page and "Rename" not in page

    restored = editor.post(f"/dashboard/journeys/{journey['id']}/unarchive")
    assert restored.status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).active is True
    assert _picker(editor.html("/dashboard?period=all")) == ["Badkamer", "Badkamer (2)"]


def test_viewers_read_but_cannot_archive_restore_or_delete(as_role, api, journey, survey):
    viewer = as_role("viewer")
    page = viewer.html(f"/dashboard/journeys/{journey['id']}")
    assert "Archive…" not in page and "Delete…" not in page
    for path in ("archive", "delete"):
        assert viewer.get(f"/dashboard/journeys/{journey['id']}/{path}").status_code == 403
        assert viewer.post(f"/dashboard/journeys/{journey['id']}/{path}").status_code == 403
    api.post(f"/api/v1/journeys/{journey['id']}/archive")
    listed = viewer.html("/dashboard/journeys")
    assert "Badkamer" in listed.split('id="archived"')[1] and "Restore" not in listed
    assert viewer.post(f"/dashboard/journeys/{journey['id']}/unarchive").status_code == 403
    db.session.expire_all()
    assert db.session.get(Journey, journey["id"]).archived_at is not None


def test_delete_only_what_never_measured_anything(dash, api, journey, survey, count_rows):
    answer(api, survey, 8)
    page = dash.html(f"/dashboard/journeys/{journey['id']}/delete")
    assert "cannot be deleted" in page and "Archive it instead" in page
    refused = dash.post(f"/dashboard/journeys/{journey['id']}/delete")
    assert refused.status_code == 409 and count_rows(Journey) == 1

    mistake = api.post("/api/v1/journeys", json={**JOURNEY, "name": "Vergissing"}).json
    new_survey(api, mistake["id"])
    page = dash.html(f"/dashboard/journeys/{mistake['id']}/delete")
    assert "Delete “Vergissing”?" in page and "cannot be undone" in page
    done = dash.post(f"/dashboard/journeys/{mistake['id']}/delete")
    assert done.status_code == 302
    assert count_rows(Journey) == 1 and count_rows(Survey) == 1
    assert dash.get(f"/dashboard/journeys/{mistake['id']}").status_code == 404


def test_a_survey_of_an_archived_journey_cannot_be_switched_on(dash, api, journey, survey):
    api.post(f"/api/v1/journeys/{journey['id']}/archive")
    switched = dash.post(f"/dashboard/surveys/{survey['id']}/active", {"active": "1"})
    assert switched.status_code == 302
    assert "restore it to change it" in dash.html("/dashboard/surveys")
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).active is False
    new_page = dash.html("/dashboard/surveys/new")
    assert "Badkamer · " not in new_page  # its phases are no choice for a new survey
