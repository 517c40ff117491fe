"""The demo's review story: the brand's item, public replies, and one removal on a ground.

Runs after the demo's answers went through the pipeline, so the reviews themselves were made
by the real pipeline step from consented answers.
"""

from datetime import timedelta

from sqlalchemy import case, func, select, update

from app.extensions import db
from app.models import Brand
from app.models.base import utcnow
from app.models.review import PUBLISHED, ModerationEntry, Review
from app.services import reviews

ITEM = {"type": "Service", "name": "Badkamerrenovatie door Badkamerhuis Van Dijk"}
ACTOR = "demo: Marieke (klantenservice)"
REPLIES = {
    "low": {
        "nl": "Wat vervelend dat het zo gelopen is. We bellen u deze week om het samen op te "
        "lossen. — Marieke, klantenservice",
        "en": "We are sorry it went this way. We will call you this week to put it right. "
        "— Marieke, customer service",
    },
    "high": {
        "nl": "Dank u wel voor uw mooie woorden! — Marieke",
        "en": "Thank you! Enjoy your new bathroom. — Marieke",
    },
}


def run(brand: Brand, echo=print) -> dict:
    brand.review_policy = {**(brand.review_policy or {}), "item": ITEM}
    db.session.commit()
    _dated_by_their_answers(brand)
    public = db.session.scalars(
        select(Review)
        .where(Review.brand_id == brand.id, Review.status == PUBLISHED)
        .order_by(Review.published_at.desc(), Review.id.desc())
        .limit(200)
    ).all()
    low = [review for review in public if review.rating <= 2][:6]
    high = [review for review in public if review.rating >= 5][:4]
    for review in low + high:
        tone = "low" if review.rating <= 2 else "high"
        text = REPLIES[tone].get(review.locale, REPLIES[tone]["nl"])
        reviews.reply(brand, review.id, text, ACTOR, notify=False)
    _replied_a_day_later(brand)
    removed = 0
    spare = [review for review in public if review not in low + high]
    if spare:
        # One removal for the demo's log and feeds' tombstone: it named a fitter in full.
        reviews.moderate(
            brand,
            spare[-1].id,
            "remove",
            "personal_data",
            ACTOR,
            note="noemde de volledige naam en het telefoonnummer van een monteur",
            notify=False,
        )
        removed = 1
    count = db.session.scalar(
        select(func.count(Review.id)).where(Review.brand_id == brand.id, Review.status == PUBLISHED)
    )
    echo(f"Reviews: {count} published, {len(low + high)} replies, {removed} removed.")
    return {"published": count, "replies": len(low + high), "removed": removed}


def _dated_by_their_answers(brand: Brand) -> None:
    """The seeding's pipeline made and published every review at once, today; a shop's were
    made as their answers came in, over 90 days: the pages' "published on" and the feeds say
    so. The moderation log's lines move with them."""
    answered = Review.answered_at
    db.session.execute(
        update(Review)
        .where(Review.brand_id == brand.id)
        .values(
            created_at=answered,
            updated_at=answered,
            published_at=case((Review.published_at.is_not(None), answered), else_=None),
        )
    )
    of_review = (
        select(Review.answered_at).where(Review.id == ModerationEntry.review_id).scalar_subquery()
    )
    db.session.execute(
        update(ModerationEntry)
        .where(ModerationEntry.brand_id == brand.id)
        .values(created_at=of_review)
    )
    db.session.commit()


def _replied_a_day_later(brand: Brand) -> None:
    """The demo's replies, a day after their reviews (not all today), and their log lines."""
    now = utcnow()
    for review in db.session.scalars(
        select(Review).where(Review.brand_id == brand.id, Review.replied_at.is_not(None))
    ):
        review.replied_at = min(review.answered_at + timedelta(days=1), now)
        review.updated_at = review.replied_at
        for entry in review.moderation:
            if entry.action == "reply":
                entry.created_at = review.replied_at
    db.session.commit()
