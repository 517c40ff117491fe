"""The URLs of every public review page, for /sitemap.xml and its parts past 50,000 URLs."""

import math
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Brand, Phase
from app.models.review import PUBLISHED, Review
from app.services import review_tally
from app.services.review_public import sitemap_max

Url = tuple[str, datetime | None]  # (path, lastmod)


def _public_brands() -> list[tuple[Brand, datetime]]:
    rows = db.session.execute(
        select(Brand, func.max(Review.updated_at))
        .join(Review, Review.brand_id == Brand.id)
        .where(Review.status == PUBLISHED)
        .group_by(Brand.id)
        .order_by(Brand.id)
    ).all()
    return [(brand, newest) for brand, newest in rows]


def brand_pages() -> list[Url]:
    """Each brand's list, about and phase pages (only brands with published reviews)."""
    urls: list[Url] = []
    phases = db.session.execute(
        select(Review.brand_id, Phase.key, func.max(Review.updated_at))
        .join(Phase, Phase.id == Review.phase_id)
        .where(Review.status == PUBLISHED)
        .group_by(Review.brand_id, Phase.key)
        .order_by(Review.brand_id, Phase.key)
    ).all()
    by_brand: dict[int, list] = {}
    for brand_id, key, newest in phases:
        by_brand.setdefault(brand_id, []).append((key, newest))
    for brand, newest in _public_brands():
        urls.append((f"/reviews/{brand.slug}", newest))
        urls.append((f"/reviews/{brand.slug}/about", newest))
        for key, phase_newest in by_brand.get(brand.id, []):
            urls.append((f"/reviews/{brand.slug}/{key}", phase_newest))
    return urls


def review_count() -> int:
    return review_tally.published_total()


def review_pages(part: int | None = None) -> Iterator[Url]:
    """Review detail URLs, oldest id first; `part` (1-based) picks one sitemap's worth."""
    query = (
        select(Brand.slug, Review.id, Review.updated_at)
        .join(Brand, Brand.id == Review.brand_id)
        .where(Review.status == PUBLISHED)
        .order_by(Review.id)
    )
    if part is not None:
        size = sitemap_max()
        query = query.offset((part - 1) * size).limit(size)
    for slug, review_id, updated_at in db.session.execute(query.execution_options(yield_per=2000)):
        yield f"/reviews/{slug}/r/{review_id}", updated_at


def plan() -> dict:
    """One sitemap when everything fits, else an index of a pages part and review parts."""
    pages = brand_pages()
    reviews = review_count()
    size = sitemap_max()
    if len(pages) + reviews <= size:
        return {"index": False, "pages": pages}
    newest = max((lastmod for _, lastmod in pages if lastmod), default=None)
    return {"index": True, "parts": max(1, math.ceil(reviews / size)), "newest": newest}


def part_count() -> int:
    return max(1, math.ceil(review_count() / sitemap_max()))
