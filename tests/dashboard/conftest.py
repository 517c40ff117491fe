"""Dashboard fixtures: users of each role, a logged-in browser-like client, seeded answers."""

import re
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import MapRollup, Rollup
from app.models.base import utcnow

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class _FreshClient:
    """The test client, minus what `g` remembers between requests.

    The db fixture keeps one app context open for the whole test, so every request shares its
    `g`: Flask-Login's cached user and Flask-WTF's cached token would leak from one request
    (or client) to the next, which no real deployment does.
    """

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name in ("get", "post", "open", "put", "delete", "patch", "head"):

            def call(*args, **kwargs):
                from flask import g

                g.pop("_login_user", None)
                g.pop("csrf_token", None)
                return attribute(*args, **kwargs)

            return call
        return attribute


class Dashboard:
    """A test client that logs in through the form and sends the CSRF token like a browser."""

    def __init__(self, client):
        self.client = _FreshClient(client)

    def token(self, page="/login") -> str:
        found = TOKEN.search(self.client.get(page).get_data(as_text=True))
        assert found, f"no CSRF token on {page}"
        return found.group(1)

    def login(self, email, password=PASSWORD):
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": self.token()}
        )

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token("/dashboard/journeys")
        return self.client.post(url, data=data, **kwargs)

    def html(self, url, status=200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response.get_data(as_text=True)


# A cheap hash for test logins only: the real one (scrypt) costs ~0.1 s per check.
PASSWORD_HASH = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")


@pytest.fixture
def users(brand, db):
    from app.models import User

    made = {
        role: User(
            brand=brand, email=f"{role}@testbad.example", role=role, password_hash=PASSWORD_HASH
        )
        for role in ("owner", "editor", "viewer")
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


@pytest.fixture
def dash(client, users):
    """Logged in as the owner."""
    dashboard = Dashboard(client)
    assert dashboard.login("owner@testbad.example").status_code == 302
    return dashboard


@pytest.fixture
def as_role(app, users):
    def login(role):
        dashboard = Dashboard(app.test_client())
        assert dashboard.login(f"{role}@testbad.example").status_code == 302
        return dashboard

    return login


def answer(api, survey, nps, csat=None, text=None, **extra):
    answers = {"nps": nps}
    if csat is not None:
        answers["csat"] = csat
    if text is not None:
        answers["why"] = text
    response = api.post(
        "/api/v1/responses", json={"survey_id": survey["id"], "answers": answers, **extra}
    )
    assert response.status_code == 202, response.json
    return response.json["id"]


@pytest.fixture
def seeded(api, journey, survey):
    """Personas, customers with values, journey events and answers in the levering phase."""
    assert (
        api.post("/api/v1/personas", json={"key": "senioren", "name": "Senioren"}).status_code
        == 201
    )
    assert (
        api.post("/api/v1/personas", json={"key": "gezinnen", "name": "Gezinnen"}).status_code
        == 201
    )
    url = f"/api/v1/journeys/{journey['id']}/phases/levering/touchpoints"
    touchpoint = api.post(url, json={"name": "Montageploeg", "channel": "onsite"}).json
    start = utcnow() - timedelta(days=40)
    for number in range(12):
        persona = "senioren" if number % 3 == 0 else "gezinnen"
        external = f"k{number}"
        created = api.post(
            "/api/v1/customers",
            json={"external_id": external, "persona": persona, "value": 1000 + number * 100},
        )
        assert created.status_code == 201, created.json
        phases = ["orientatie", "aankoop", "levering"][: 1 + number % 3 + (number > 6)]
        for step, phase in enumerate(phases):
            event = api.post(
                "/api/v1/events",
                json={
                    "customer": external,
                    "journey_id": journey["id"],
                    "phase": phase,
                    "occurred_at": (start + timedelta(days=step * (3 + number))).isoformat()
                    + "+00:00",
                },
            )
            assert event.status_code == 201, event.json
    texts = [
        (10, 5, "Monteurs waren top, alles netjes opgeruimd"),
        (9, 5, "Snelle levering en vriendelijke monteurs"),
        (3, 1, "Levering te laat en de tegels waren beschadigd"),
        (2, 2, "Monteur kwam niet opdagen, slechte communicatie"),
        (7, 4, None),
        (8, 3, "Prima"),
        (1, 1, "Tegels beschadigd, <script>alert(1)</script> slechte communicatie"),
        (9, 4, "Netjes gewerkt, monteurs top"),
    ]
    ids = []
    for index, (score, csat, text) in enumerate(texts):
        extra = {"customer": f"k{index}"}
        if index % 2 == 0:
            extra["touchpoint"] = touchpoint["id"]
        ids.append(answer(api, survey, score, csat, text, **extra))
    return {"journey": journey, "survey": survey, "touchpoint": touchpoint, "response_ids": ids}


def add_rollup(brand, phase_id, day, promoters, passives, detractors, csat=None):
    """The same counts in the answer rollup and the map's narrow copy, as the pipeline writes."""
    for model in (Rollup, MapRollup):
        _one_rollup(model, brand, phase_id, day, promoters, passives, detractors, csat)


def _one_rollup(model, brand, phase_id, day, promoters, passives, detractors, csat):
    extra = {"channel": "api", "locale": "nl"} if model is Rollup else {}
    row = model(
        brand_id=brand.id,
        phase_id=phase_id,
        day=day,
        persona_id=0,
        touchpoint_id=0,
        **extra,
        responses=promoters + passives + detractors,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )
    if csat:
        total, n = csat
        row.csat_sum, row.csat_sq, row.csat_n = total * n, total * total * n + n, n
    db.session.add(row)


# --- the browser tests' (tests marked `browser`) ---------------------------------------------

SIZES = {"desktop": {"width": 1366, "height": 900}, "mobile": {"width": 390, "height": 844}}


@pytest.fixture
def server(app):
    """The app served on a free loopback port, for a real browser."""
    from tests.channels.helpers import ThreadedServer

    with ThreadedServer(app) as running:
        yield running.origin


@pytest.fixture(scope="module")
def browser():
    from tests.channels.helpers import chromium

    with chromium() as launched:
        yield launched


# The loyalty overview's stored first moments are checked after every dashboard test too.
from tests.loyalty.conftest import first_moments_agree, pytest_runtest_makereport  # noqa: E402, F401


def survey_form(name: str) -> dict:
    """The survey page's form as it shows the `survey` fixture's questions (SURVEY_QUESTIONS),
    with `name`: an edit that changes nothing else."""
    from tests.conftest import SURVEY_QUESTIONS

    form = {"name": name, "active": "on"}
    for index, question in enumerate(SURVEY_QUESTIONS):
        at = f"questions.{index}."
        form |= {at + "key": question["key"], at + "type": question["type"]}
        form |= {f"{at}text.{lang}": text for lang, text in question["text"].items()}
        if question.get("required"):
            form[at + "required"] = "on"
        if "max_length" in question:
            form[at + "max_length"] = str(question["max_length"])
    return form
