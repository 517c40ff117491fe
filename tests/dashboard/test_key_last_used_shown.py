"""The settings page's "Last used" column shows the day a key was last used."""

import re

from sqlalchemy import select

from app.models import ApiKey


def test_the_settings_page_shows_when_a_key_was_last_used(app, db, api, dash):
    app.extensions.get("api_key_use_noted", {}).clear()
    assert api.get("/api/v1/journeys").status_code == 200
    db.session.expire_all()
    used = db.session.scalar(select(ApiKey.last_used_at))
    assert used is not None
    row = dash.html("/dashboard/settings").split("<tbody>")[1].split("</tr>")[0]
    cells = re.findall(r"<td>([^<]*)</td>", row)  # created, last used
    assert cells[-1] == used.strftime("%Y-%m-%d")
