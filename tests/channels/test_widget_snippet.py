"""The widget tag a brand is given (CLI, dashboard): it follows the visitor's language unless
the brand adds data-locale for a page in one language."""

import json

from tests.dashboard.conftest import PASSWORD_HASH, Dashboard


def test_the_printed_snippet_leaves_the_language_to_the_browser(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["brand", "create", "--name", "Taal Bad", "--origin", "https://taal.example"]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert "data-locale" not in created["widget_snippet"]
    plain = runner.invoke(args=["widget", "snippet", "--brand", created["slug"]]).output
    assert "data-locale" not in plain and f'data-site-key="{created["site_key"]}"' in plain
    chosen = runner.invoke(
        args=["widget", "snippet", "--brand", created["slug"], "--locale", "en"]
    ).output
    assert 'data-locale="en"' in chosen  # asked for: a page in one language


def test_the_dashboard_snippet_leaves_the_language_to_the_browser(client, brand, journey, db):
    from app.models import User

    db.session.add(
        User(brand=brand, email="o@snippet.example", role="owner", password_hash=PASSWORD_HASH)
    )
    db.session.commit()
    dash = Dashboard(client)
    assert dash.login("o@snippet.example").status_code == 302
    page = dash.html("/dashboard/settings?phase=levering")
    snippet = page.split('id="snippet"')[1].split("</textarea>")[0]
    assert brand.site_key in snippet
    assert "data-locale" not in snippet
    assert 'data-locale="nl"' in page  # the advice next to it says when to add it
