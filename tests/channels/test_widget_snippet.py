"""The widget tag a brand is given (CLI, dashboard): it follows the visitor's language unless
the brand adds data-locale for a page in one language."""

import html
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


def test_the_printed_snippet_carries_who_is_asked_and_when(app, db, brand, journey):
    runner = app.test_cli_runner()
    base = ["widget", "snippet", "--brand", brand.slug, "--phase", "levering"]
    result = runner.invoke(args=[*base, "--sample", "0.2", "--delay", "15", "--exit"])
    assert result.exit_code == 0, result.output
    assert 'data-sample="0.2" data-delay="15" data-trigger="exit" async' in result.output
    plain = runner.invoke(args=[*base, "--sample", "1", "--delay", "0"]).output
    assert "data-sample" not in plain and "data-delay" not in plain  # everyone, at once
    refused = runner.invoke(args=[*base, "--sample", "20"])  # meant 20 %: the widget would warn
    assert refused.exit_code != 0 and "0<=x<=1" in refused.output


def test_the_dashboard_snippet_carries_who_is_asked_and_when(client, brand, journey, db):
    from app.models import User

    db.session.add(
        User(brand=brand, email="t@snippet.example", role="owner", password_hash=PASSWORD_HASH)
    )
    db.session.commit()
    dash = Dashboard(client)
    assert dash.login("t@snippet.example").status_code == 302

    def snippet(query):
        page = dash.html(f"/dashboard/settings?phase=levering&{query}")
        return page, html.unescape(page.split('id="snippet"')[1].split("</textarea>")[0])

    page, tag = snippet("sample=20&delay=15&trigger=exit")
    assert 'data-sample="0.2" data-delay="15" data-trigger="exit"' in tag  # percent → share
    assert 'id="snippet-sample" name="sample" type="number" value="20"' in page
    page, tag = snippet("sample=0.004&delay=0.5")  # a tiny share is not written as 0, nobody
    assert 'data-sample="0.00004" data-delay="0.5"' in tag
    page, tag = snippet("sample=250&delay=soon")
    assert "data-sample" not in tag and "data-delay" not in tag
    assert page.count('aria-invalid="true"') == 2 and "left out of the snippet" in page
