"""The loyalty overview's totals follow the chosen period, as its other figures do, and say
which period they cover; the member lift reads in percentage points."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from loyalty import members
from loyalty.models import LedgerEntry
from tests.reviews.helpers import answer


def stat(page: str, label: str) -> int:
    found = re.search(
        rf'<span class="label">{re.escape(label)}</span><span class="value">([\d,]+)', page
    )
    assert found, label
    return int(found.group(1).replace(",", ""))


def phase_points(page: str) -> int:
    table = page.split('id="phase-points-title"')[1].split("</table>")[0]
    rows = re.findall(r"</th><td>([\d,]+)</td>", table)
    return sum(int(points.replace(",", "")) for points in rows)


@pytest.fixture
def old_and_new_points(api, survey):
    """Three customers earn for answering; the first earned 40 days ago."""
    for number in range(3):
        answer(api, survey, nps=8, text=None, consent=False, customer=f"klant-{number}")
    first = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).first()
    moved = first.effective_at - timedelta(days=40)
    db.session.execute(
        update(LedgerEntry).where(LedgerEntry.id == first.id).values(effective_at=moved)
    )
    # entries are never moved in the app: as if it had been written so, first moment included
    members.note([(first.brand_id, first.customer_id, moved)])
    db.session.commit()
    return first.points


def test_points_issued_follow_the_period_and_add_up_with_the_phases(dash, old_and_new_points):
    all_time = dash.html("/dashboard/loyalty")
    assert '<h2 id="summary-title" class="period">All time</h2>' in all_time
    recent = dash.html("/dashboard/loyalty?period=30d")
    assert '<h2 id="summary-title" class="period">Last 30 days</h2>' in recent
    issued = stat(recent, "Points issued")
    assert issued == stat(all_time, "Points issued") - old_and_new_points
    assert issued == phase_points(recent)  # the summary and the table tell the same period
    assert stat(recent, "Members") == 2 and stat(all_time, "Members") == 3
    # what is left at the period's end counts the older points too
    assert stat(recent, "Outstanding") == stat(all_time, "Outstanding")
    dated = dash.html("/dashboard/loyalty?from=2000-01-01&to=2000-12-31")
    assert "From 2000-01-01 to 2000-12-31" in dated
    assert stat(dated, "Points issued") == 0 and stat(dated, "Outstanding") == 0


@pytest.mark.parametrize(
    ("lift", "words"),
    [
        (0.282, "28.2 percentage points</strong> more often"),
        (-0.05, "5.0 percentage points</strong> less often"),
    ],
)
def test_the_member_lift_reads_in_percentage_points(dash, monkeypatch, lift, words):
    from loyalty import reports

    others = 0.3
    rates = {
        "programme": {"reached": 100, "answered": 0, "rate": round(others + lift, 4)},
        "others": {"reached": 100, "answered": 0, "rate": others},
        "lift": lift,
    }
    monkeypatch.setattr(reports, "response_rates", lambda *args, **kwargs: rates)
    page = " ".join(dash.html("/dashboard/loyalty").split())
    assert words in page
    assert f"than others ({(others + lift) * 100:.1f}% against 30.0%)" in page
