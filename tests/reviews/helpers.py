"""Helpers for the review tests: answers with review consent, through the real API and pipeline."""

from sqlalchemy import select

from app.extensions import db
from app.models import Brand, Review


def answer(api, survey, nps=9, text="De monteurs waren op tijd en netjes.", consent=True, **extra):
    """POST one response (processed inline) and return its id."""
    review = extra.pop("review", None)
    body = {"survey_id": survey["id"], "answers": {"nps": nps}, **extra}
    if text is not None:
        body["answers"]["why"] = text
    if consent:
        body["review"] = {"consent": True, "display_name": "Anna Bakker", **(review or {})}
    response = api.post("/api/v1/responses", json=body)
    assert response.status_code == 202, response.json
    return response.json["id"]


def review_of(response_id) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(select(Review).where(Review.response_id == response_id))


def set_policy(brand, publish="immediate", phases=None):
    brand = db.session.get(Brand, brand.id)
    brand.review_policy = {"publish": publish, "phases": phases or {}}
    db.session.commit()


def published(api, survey, brand, **kwargs) -> Review:
    set_policy(brand)
    review = review_of(answer(api, survey, **kwargs))
    assert review is not None and review.status == "published", review and review.fraud_signals
    return review
