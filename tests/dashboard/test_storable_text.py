"""A dashboard form with a NUL character is refused before its view runs (PostgreSQL cannot
store one): an error page, nothing stored."""

from app.models import Persona


def test_a_form_field_with_a_nul_is_refused(dash, count_rows):
    before = count_rows(Persona)
    response = dash.post("/dashboard/personas", data={"key": "senioren", "name": "Sen\x00ioren"})
    assert response.status_code == 422
    assert "text/html" in response.content_type
    assert count_rows(Persona) == before
    accepted = dash.post("/dashboard/personas", data={"key": "senioren", "name": "Senioren"})
    assert accepted.status_code in (200, 302, 303)
    assert count_rows(Persona) == before + 1
