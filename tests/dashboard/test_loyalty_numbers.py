"""The loyalty overview writes points with a thousands separator, as the rest of the English
dashboard reads."""

import loyalty
from app.extensions import db
from tests.reviews.helpers import answer


def test_points_read_with_a_comma(dash, api, brand, survey):
    loyalty.save_policy(brand.id, {"points_per_answer": 1250, "text_bonus": 0, "daily_cap": 5000})
    db.session.commit()
    answer(api, survey, nps=8, text=None, consent=False, customer="klant-1")
    page = dash.html("/dashboard/loyalty")
    assert '<span class="label">Points issued</span><span class="value">1,250</span>' in page
    assert '<span class="label">Outstanding</span><span class="value">1,250</span>' in page
    assert "<td>1,250</td>" in page  # points per phase
    assert "1,250 points per answer" in page and "at most 5,000 a day" in page
