"""Editors: journeys, phases with hypotheses, touchpoints, personas, surveys; JSON import/export."""

import io
import json

import pytest

from app.extensions import db
from app.models import Journey, Persona, Phase, Question, Survey, Touchpoint
from tests.conftest import Contenders
from tests.dashboard.conftest import TOKEN, Dashboard, survey_form

NEW_JOURNEY = {
    "name": "Keuken",
    "phases.0.key": "orientatie",
    "phases.0.name.nl": "Oriëntatie",
    "phases.0.name.en": "Orientation",
    "phases.0.hypothesis.nps": "40",
    "phases.0.hypothesis.conversion": "50",  # a percentage, as the map shows conversion
    "phases.2.key": "levering",  # a gap in the rows is fine
    "phases.2.name.nl": "Levering",
    "phases.2.expected_days": "14",
}


def test_create_a_journey_with_hypotheses(dash, count_rows):
    response = dash.post("/dashboard/journeys/new", NEW_JOURNEY)
    assert response.status_code == 302
    journey = db.session.query(Journey).one()
    assert [(p.key, p.position) for p in journey.phases] == [("orientatie", 1), ("levering", 2)]
    assert journey.phases[0].name == {"nl": "Oriëntatie", "en": "Orientation"}
    assert journey.phases[0].hypothesis == {"nps": 40.0, "conversion": 0.5}
    assert journey.phases[1].expected_days == 14
    assert count_rows(Phase) == 2


def test_hypotheses_take_a_decimal_comma(dash):
    """Dutch marketers type 4,5 for 4.5; anything else with a comma stays refused."""
    form = {**NEW_JOURNEY, "phases.0.hypothesis.conversion": "90,0"}
    form["phases.0.hypothesis.csat"] = "4,5"
    assert dash.post("/dashboard/journeys/new", form).status_code == 302
    assert db.session.query(Journey).one().phases[0].hypothesis == {
        "nps": 40.0,
        "csat": 4.5,
        "conversion": 0.9,
    }
    refused = {**NEW_JOURNEY, "name": "Twee", "phases.0.hypothesis.csat": "4,5,1"}
    assert dash.post("/dashboard/journeys/new", refused).status_code == 422


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"),
        ({"phases.0.key": "Not a key!"}, "phases.0.key"),
        ({"phases.0.hypothesis.nps": "140"}, "phases.0.hypothesis.nps"),
        ({"phases.0.hypothesis.conversion": "lots"}, "phases.0.hypothesis.conversion"),
        ({"phases.0.hypothesis.conversion": "160"}, "phases.0.hypothesis.conversion"),
        ({"phases.2.key": "orientatie"}, "phases"),
        ({"phases.2.name.nl": ""}, "phases.2.name.nl"),  # shown at the Dutch name
        ({"phases.0.expected_days": "-1"}, "phases.0.expected_days"),
    ],
)
def test_a_bad_journey_form_is_422_next_to_its_field_and_stores_nothing(
    dash, count_rows, change, field
):
    response = dash.post("/dashboard/journeys/new", {**NEW_JOURNEY, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="err-{field.replace(".", "-")}"' in page
    if field != "phases":
        assert 'aria-invalid="true"' in page
    assert count_rows(Journey) == count_rows(Phase) == 0
    assert 'value="Keuken"' in page or change.get("name") == ""  # what was typed is kept


def test_conversion_hypotheses_are_percentages_in_forms(dash, as_role, journey):
    """The map shows conversion in %, so its forms ask in %: 60 (or "57,5 %") is 0.6 to the
    API; a number past 100 is refused in those words, not as "less than or equal to 1"."""
    url = f"/dashboard/journeys/{journey['id']}"
    edit = {"name.nl": "Levering", "hypothesis.conversion": "57,5 %"}
    assert dash.post(f"{url}/phases/levering/edit", edit).status_code == 302
    phase = db.session.query(Phase).filter_by(key="levering").one()
    assert phase.hypothesis["conversion"] == pytest.approx(0.575)
    page = dash.html(url)
    assert 'value="57.5"' in page and "conversion 57.5 %" not in page  # an editor sees the form
    refused = dash.post(f"{url}/phases/levering/edit", {**edit, "hypothesis.conversion": "160"})
    assert refused.status_code == 422
    assert "a percentage from 0 to 100" in refused.get_data(as_text=True)
    assert 'value="160"' in refused.get_data(as_text=True)  # as typed, to correct
    added = {"key": "nazorg", "name.nl": "Nazorg", "hypothesis.conversion": "33,3"}
    assert dash.post(f"{url}/phases", added).status_code == 302
    # 0.333, not the float 33.3 / 100 = 0.33299999999999996 in the API and every export
    assert db.session.query(Phase).filter_by(key="nazorg").one().hypothesis == {"conversion": 0.333}
    assert "conversion 57.5 %" in as_role("viewer").html(url)


def test_rename_and_edit_a_phase(dash, journey):
    url = f"/dashboard/journeys/{journey['id']}"
    assert dash.post(f"{url}/rename", {"name": "Badkamer 2.0"}).status_code == 302
    response = dash.post(
        f"{url}/phases/levering/edit",
        {
            "name.nl": "Levering",
            "name.en": "Delivery",
            "position": "1",
            "expected_days": "10",
            "hypothesis.nps": "25",
            "hypothesis.csat": "4.1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Journey, journey["id"])
    assert saved.name == "Badkamer 2.0"
    assert [p.key for p in saved.phases] == ["levering", "orientatie", "aankoop"]
    levering = saved.phases[0]
    assert levering.hypothesis == {"nps": 25.0, "csat": 4.1} and levering.expected_days == 10
    assert levering.name == {"nl": "Levering", "en": "Delivery"}


def test_a_bad_phase_edit_is_422_and_changes_nothing(dash, journey):
    url = f"/dashboard/journeys/{journey['id']}"
    response = dash.post(
        f"{url}/phases/levering/edit", {"name.nl": "Levering", "hypothesis.csat": "9"}
    )
    assert response.status_code == 422
    assert 'id="err-hypothesis-csat"' in response.get_data(as_text=True)
    assert dash.post(f"{url}/rename", {"name": ""}).status_code == 422
    db.session.expire_all()
    saved = db.session.get(Journey, journey["id"])
    assert saved.name == "Badkamer" and saved.phases[2].hypothesis == {"nps": 30}


def test_two_journeys_cannot_share_a_name(dash, journey, count_rows):
    """They would look alike in the map's picker, the survey editor and the weekly report."""
    refused = dash.post("/dashboard/journeys/new", {**NEW_JOURNEY, "name": " badkamer "})
    assert refused.status_code == 409 and 'id="err-name"' in refused.get_data(as_text=True)
    assert count_rows(Journey) == 1
    assert dash.post("/dashboard/journeys/new", NEW_JOURNEY).status_code == 302
    keuken = db.session.query(Journey).filter_by(name="Keuken").one()
    url = f"/dashboard/journeys/{keuken.id}/rename"
    renamed = dash.post(url, {"name": "BADKAMER"})
    assert renamed.status_code == 409 and 'id="err-name"' in renamed.get_data(as_text=True)
    assert dash.post(url, {"name": "keuken"}).status_code == 302  # its own name, recased
    db.session.expire_all()
    assert sorted(j.name for j in db.session.query(Journey)) == ["Badkamer", "keuken"]


def test_add_a_phase_at_a_position(dash, journey, count_rows):
    url = f"/dashboard/journeys/{journey['id']}/phases"
    response = dash.post(url, {"key": "offerte", "name.nl": "Offerte", "position": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    phases = db.session.get(Journey, journey["id"]).phases
    assert [(p.key, p.position) for p in phases] == [
        ("orientatie", 1),
        ("offerte", 2),
        ("aankoop", 3),
        ("levering", 4),
    ]
    duplicate = dash.post(url, {"key": "offerte", "name.nl": "Nog eens"})
    assert duplicate.status_code == 409
    assert "taken" in duplicate.get_data(as_text=True)
    assert dash.post(url, {"key": "x"}).status_code == 422  # a name is required
    assert count_rows(Phase) == 4


def _add_phases_at_once(app, journey_id, forms):
    """Each form posted by its own logged-in owner, both made to wait on the journey's row lock
    held by another connection, then let go together: (status, page) of each, by status."""
    url = f"/dashboard/journeys/{journey_id}/phases"
    posts = []
    for form in forms:
        client = app.test_client()  # its own: a thread has no `g` for the Dashboard to clear
        owner = Dashboard(client)
        assert owner.login("owner@testbad.example").status_code == 302
        posts.append((client, {**form, "csrf_token": owner.token("/dashboard/journeys")}))
    db.session.commit()
    requests = [
        lambda client=client, data=data: client.post(url, data=data) for client, data in posts
    ]
    held = ("SELECT id FROM journey WHERE id = :id FOR UPDATE", {"id": journey_id})
    with Contenders(requests, *held) as race:
        pass
    pages = ((reply.status_code, reply.get_data(as_text=True)) for reply in race.replies)
    return sorted(pages, key=lambda item: item[0])


@pytest.mark.postgres
def test_the_same_phase_twice_at_once_is_added_once_and_the_other_told_it_is_taken(
    dash, app, journey, count_rows
):
    """Both passed the key check before either inserted: the second INSERT was a 500."""
    form = {"key": "nazorg", "name.nl": "Nazorg"}
    (added, _), (refused, page) = _add_phases_at_once(app, journey["id"], [form, form])
    assert (added, refused) == (302, 409)
    later = dash.post(f"/dashboard/journeys/{journey['id']}/phases", form)
    assert later.status_code == 409
    assert TOKEN.sub("", page) == TOKEN.sub("", later.get_data(as_text=True))
    assert count_rows(Phase) == 4


@pytest.mark.postgres
def test_two_phases_added_at_once_get_the_next_two_positions(users, app, journey):
    """Both counted three phases: the two new ones were both put at 4."""
    forms = [{"key": "nazorg", "name.nl": "Nazorg"}, {"key": "service", "name.nl": "Service"}]
    assert [status for status, _ in _add_phases_at_once(app, journey["id"], forms)] == [302, 302]
    db.session.expire_all()
    phases = db.session.get(Journey, journey["id"]).phases
    assert [p.position for p in phases] == [1, 2, 3, 4, 5]
    assert {p.key for p in phases[3:]} == {"nazorg", "service"}


def test_touchpoints_are_added_and_removed(dash, journey, count_rows):
    url = f"/dashboard/journeys/{journey['id']}/phases/levering/touchpoints"
    assert dash.post(url, {"name": "Montageploeg", "channel": "onsite"}).status_code == 302
    assert dash.post(url, {"name": "Montageploeg", "channel": "onsite"}).status_code == 409
    assert dash.post(url, {"name": "Brief", "channel": "pigeon"}).status_code == 422
    assert dash.post(url, {"name": "", "channel": "web"}).status_code == 422
    assert count_rows(Touchpoint) == 1
    touchpoint = db.session.query(Touchpoint).one()
    assert dash.post(f"/dashboard/touchpoints/{touchpoint.id}/delete").status_code == 302
    assert count_rows(Touchpoint) == 0


def test_personas_are_created_and_edited(dash, count_rows):
    ok = dash.post(
        "/dashboard/personas", {"key": "senioren", "name": "Senioren", "description": "65+"}
    )
    assert ok.status_code == 302
    assert dash.post("/dashboard/personas", {"key": "senioren", "name": "X"}).status_code == 409
    bad = dash.post("/dashboard/personas", {"key": "Senioren!", "name": "X"})
    assert bad.status_code == 422 and 'id="err-key"' in bad.get_data(as_text=True)
    assert dash.post("/dashboard/personas", {"key": "x", "name": "y" * 121}).status_code == 422
    assert count_rows(Persona) == 1
    persona = db.session.query(Persona).one()
    url = f"/dashboard/personas/{persona.id}/edit"
    assert dash.post(url, {"name": "Senioren 65+", "description": ""}).status_code == 302
    assert dash.post(url, {"name": ""}).status_code == 422
    db.session.expire_all()
    assert persona.name == "Senioren 65+" and persona.description is None
    assert "Senioren 65+" in dash.html("/dashboard/personas")


SURVEY_FORM = {
    "name": "Levering kort",
    "locale": "nl",
    "active": "on",
    "questions.0.key": "score",
    "questions.0.type": "nps",
    "questions.0.text.nl": "Hoe waarschijnlijk…?",
    "questions.0.text.en": "How likely…?",
    "questions.0.required": "on",
    "questions.1.key": "waarom",
    "questions.1.type": "choice",
    "questions.1.text.nl": "Wat viel op?",
    "questions.1.options_text": "tijd | Op tijd | On time\nnetjes | Netjes",
}


def test_a_survey_without_a_phase_says_so_once(dash, journey, count_rows):
    """It said "Missing data for required field.; Missing data for required field." (the
    journey's and the phase's, which one select names)."""
    reply = dash.post("/dashboard/surveys/new", SURVEY_FORM)
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert page.count("choose a journey and phase") == 1
    assert "Missing data for required field." not in page
    assert count_rows(Survey) == 0


def test_create_a_survey_from_the_form(dash, journey, count_rows):
    form = {**SURVEY_FORM, "phase_ref": f"{journey['id']}:levering"}
    response = dash.post("/dashboard/surveys/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    survey = db.session.query(Survey).one()
    assert survey.phase.key == "levering" and survey.active and survey.name == "Levering kort"
    assert [q.type for q in survey.questions] == ["nps", "choice"]
    assert survey.questions[0].required is True
    assert survey.questions[1].options == [
        {"key": "tijd", "label": {"nl": "Op tijd", "en": "On time"}},
        {"key": "netjes", "label": {"nl": "Netjes"}},
    ]
    # Question 2 and an option have no English: English customers get the Dutch survey
    assert survey.locales == ["nl"]


def test_a_new_survey_with_active_unticked_stays_off(dash, journey, api):
    """An unticked box sends nothing: it was taken for "on", and the draft replaced the
    phase's live survey at once."""
    live = api.post(
        "/api/v1/surveys",
        json={
            "journey_id": journey["id"],
            "phase": "levering",
            "locale": "nl",
            "questions": [{"key": "nps", "type": "nps", "text": "Hoe waarschijnlijk?"}],
        },
    ).json
    form = {key: value for key, value in SURVEY_FORM.items() if key != "active"}
    response = dash.post(
        "/dashboard/surveys/new", {**form, "phase_ref": f"{journey['id']}:levering"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    draft = db.session.query(Survey).filter(Survey.id != live["id"]).one()
    assert draft.active is False
    assert db.session.get(Survey, live["id"]).active is True


def test_an_english_survey_from_the_form(dash, journey):
    form = {
        **SURVEY_FORM,
        "phase_ref": f"{journey['id']}:levering",
        "locale": "en",
        "questions.1.text.en": "What stood out?",
        "questions.1.options_text": "tijd | Op tijd | On time\nnetjes | | Neat\nprice",
    }
    response = dash.post("/dashboard/surveys/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    survey = db.session.query(Survey).one()
    assert survey.questions[1].options == [
        {"key": "tijd", "label": {"nl": "Op tijd", "en": "On time"}},
        {"key": "netjes", "label": {"en": "Neat"}},
        {"key": "price", "label": {"en": "price"}},  # a bare key: its own label
    ]
    assert survey.locales == ["en"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"phase_ref": ""}, "phase_ref"),
        ({"phase_ref": "999999:levering"}, "phase_ref"),
        ({"questions.0.type": "stars"}, "questions.0.type"),
        ({"questions.1.options_text": ""}, "questions.1.options"),
        ({"questions.1.options_text": "a | A\na | B"}, "questions.1.options"),
        ({"questions.1.key": "score"}, "questions"),
        ({"questions.0.text.nl": "", "questions.0.text.en": ""}, "questions.0.text.nl"),
        ({"questions.0.text.nl": ""}, "questions.0.text.nl"),  # English alone, Dutch survey
        ({"locale": "en", "questions.1.text.en": "Why?"}, "questions.1.options"),  # Dutch labels
        (
            {
                "questions.0.key": "",
                "questions.0.type": "",
                "questions.0.text.nl": "",
                "questions.0.text.en": "",
                "questions.0.required": "",
                "questions.1.key": "",
                "questions.1.type": "",
                "questions.1.text.nl": "",
                "questions.1.options_text": "",
            },
            "questions",
        ),
    ],
)
def test_a_bad_survey_form_is_422_and_stores_nothing(dash, journey, count_rows, change, field):
    form = {**SURVEY_FORM, "phase_ref": f"{journey['id']}:levering", **change}
    response = dash.post("/dashboard/surveys/new", form)
    assert response.status_code == 422
    assert f'id="err-{field.replace(".", "-")}"' in response.get_data(as_text=True)
    assert count_rows(Survey) == count_rows(Question) == 0


def test_a_survey_without_answers_is_edited_in_place(dash, survey, count_rows):
    url = f"/dashboard/surveys/{survey['id']}"
    form = dash.html(url)
    assert 'value="Hoe waarschijnlijk…?"' in form  # the form shows the current questions
    response = dash.post(
        url,
        {
            "name": "Nieuw",
            "active": "on",
            "questions.0.key": "nps",
            "questions.0.type": "nps",
            "questions.0.text.nl": "Aanraden?",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)
    db.session.expire_all()
    saved = db.session.get(Survey, survey["id"])
    assert saved.name == "Nieuw" and [q.key for q in saved.questions] == ["nps"]
    assert count_rows(Survey) == 1


def test_an_edit_without_the_surveys_language_is_422_and_changes_nothing(dash, survey):
    url = f"/dashboard/surveys/{survey['id']}"
    form = {
        "active": "on",
        "questions.0.key": "nps",
        "questions.0.type": "nps",
        "questions.0.text.en": "How likely?",
    }
    response = dash.post(url, form)
    assert response.status_code == 422
    assert 'id="err-questions-0-text-nl"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Survey, survey["id"]).questions) == 3


def test_a_survey_with_answers_gets_a_new_version(dash, api, survey, count_rows):
    from tests.dashboard.conftest import answer

    answer(api, survey, 9)
    url = f"/dashboard/surveys/{survey['id']}"
    response = dash.post(
        url,
        {
            "name": "Versie 2",
            "active": "on",
            "questions.0.key": "nps",
            "questions.0.type": "nps",
            "questions.0.text.nl": "Zou u ons aanraden?",
        },
    )
    assert response.status_code == 302
    assert count_rows(Survey) == 2
    new = db.session.query(Survey).order_by(Survey.id.desc()).first()
    assert new.version == 2 and new.family_id == survey["id"] and new.active
    assert response.headers["Location"].endswith(f"/dashboard/surveys/{new.id}")
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).active is False
    assert [q.key for q in db.session.get(Survey, survey["id"]).questions] == ["nps", "csat", "why"]


def test_renaming_an_answered_survey_makes_no_new_version(dash, api, survey, count_rows):
    from tests.dashboard.conftest import answer

    answer(api, survey, 9)
    url = f"/dashboard/surveys/{survey['id']}"
    form = survey_form("Alleen een naam")
    assert dash.post(url, form).status_code == 302
    assert count_rows(Survey) == 1
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).name == "Alleen een naam"


def test_activate_and_deactivate(dash, survey):
    url = f"/dashboard/surveys/{survey['id']}/active"
    assert dash.post(url, {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).active is False
    assert dash.post(url, {"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey["id"]).active is True


def test_switching_an_old_version_on_says_which_it_switched_off(dash, api, survey):
    api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}})
    questions = [{"key": "nps", "type": "nps", "text": "Nieuw?"}]
    newer = api.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": questions}).json
    page = dash.post(
        f"/dashboard/surveys/{survey['id']}/active", {"active": "1"}, follow_redirects=True
    )
    said = page.get_data(as_text=True)
    said_off = "is active; version 2, active until now, is switched off"
    assert f"Version 1 of “Survey {survey['id']}” {said_off}" in said
    db.session.expire_all()
    assert db.session.get(Survey, newer["id"]).active is False
    # nothing else was live: the plain words
    dash.post(f"/dashboard/surveys/{survey['id']}/active", {"active": "0"})
    again = dash.post(
        f"/dashboard/surveys/{survey['id']}/active", {"active": "1"}, follow_redirects=True
    )
    assert "Survey activated." in again.get_data(as_text=True)


def test_export_and_import_a_journey_in_the_dashboard(dash, journey, survey, count_rows):
    exported = dash.get(f"/dashboard/journeys/{journey['id']}/export.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    document = json.loads(exported.get_data(as_text=True))
    assert document["format"] == "phasewise.journey"
    assert [s["phase"] for s in document["surveys"]] == ["levering"]
    response = dash.post("/dashboard/journeys/import", {"document": json.dumps(document)})
    assert response.status_code == 302
    assert count_rows(Journey) == 2 and count_rows(Survey) == 2
    upload = dash.post(
        "/dashboard/journeys/import",
        {"file": (io.BytesIO(json.dumps(document).encode()), "journey.json")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    assert count_rows(Journey) == 3
    with_bom = dash.post(  # as Notepad saves it
        "/dashboard/journeys/import",
        {"file": (io.BytesIO(json.dumps(document).encode("utf-8-sig")), "journey.json")},
        content_type="multipart/form-data",
    )
    assert with_bom.status_code == 302
    assert count_rows(Journey) == 4


@pytest.mark.parametrize(
    "text, status",
    [
        ("", 400),
        ("{not json", 400),
        ("[1, 2]", 422),
        ('{"format": "phasewise.journey", "version": 1}', 422),
        (
            '{"format": "phasewise.journey", "version": 1, "journey": {"name": "J", "phases": '
            '[{"key": "a", "name": "A"}]}, "surveys": [{"phase": "zz", "questions": '
            '[{"key": "q", "type": "nps", "text": "Q"}]}]}',
            422,
        ),
        # Escapes that decode to what PostgreSQL cannot store; the form field itself is plain.
        (
            '{"format": "phasewise.journey", "version": 1, "journey": {"name": "J\\u0000", '
            '"phases": [{"key": "a", "name": "A"}]}}',
            422,
        ),
        (
            '{"format": "phasewise.journey", "version": 1, "journey": {"name": "J", '
            '"phases": [{"key": "a", "name": {"nl": "\\ud800"}}]}}',
            422,
        ),
        ('{"a":' * 3000 + "1" + "}" * 3000, 400),  # deeper than the parser's recursion
    ],
)
def test_a_bad_import_says_why_and_stores_nothing(dash, count_rows, text, status):
    response = dash.post("/dashboard/journeys/import", {"document": text})
    assert response.status_code == status
    assert 'role="alert"' in response.get_data(as_text=True)
    assert count_rows(Journey) == count_rows(Survey) == 0
