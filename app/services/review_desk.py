"""The moderator's view of reviews: reviews.list_reviews, with what each row shows loaded in
bulk (phase, log, flags), and the count per status for the tabs (from the review tally)."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Brand, Review
from app.models.review import GROUNDS, STATUSES, ReviewFlag
from app.services import review_tally, reviews
from app.services.review_labels import ground_label


def page(brand: Brand, status: str | None, phase: str | None, cursor: str | None) -> dict:
    found = reviews.list_reviews(brand, status=status, phase=phase, cursor=cursor, limit=25)
    ids = [review.id for review in found["items"]]
    if ids:
        # One query per relationship for the whole page, instead of one per review.
        db.session.scalars(
            select(Review)
            .where(Review.id.in_(ids))
            .options(
                selectinload(Review.phase),
                selectinload(Review.moderation),
                selectinload(Review.flags),
            )
            .execution_options(populate_existing=True)
        ).all()
    # The tally's, kept with every change: counting a large brand's reviews per page view was
    # a scan of them all.
    totals = review_tally.totals(brand.id)
    return {**found, "counts": {status: totals[status] for status in STATUSES}}


def ground_labels(brand: Brand) -> dict[str, str]:
    """Every ground and readers' report reason with its words, in English (the dashboard's)."""
    return {reason: ground_label(reason, "en", brand.name) for reason in ReviewFlag.REASONS}


def missing_ground(brand: Brand, action: str) -> str:
    """Why a reject or remove was refused, naming the listed grounds by their words."""
    labels = ground_labels(brand)
    listed = "; ".join(labels[ground] for ground in GROUNDS)
    return f"{action} needs a listed ground — choose one of: {listed}"
