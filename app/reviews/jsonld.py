"""schema.org JSON-LD for review pages: Review, and AggregateRating on the item reviewed.

The dicts are serialised with Jinja's `tojson`, which escapes <, >, & and ' as \\u escapes, so a
review containing `</script>` cannot end the script element.
"""

from app.models.review import Review
from app.services.review_labels import labels, verification
from app.timestamps import local_day


def disclosure(review: Review, locale: str) -> str:
    """The verified/incentivized labels in words: schema.org has no property for them."""
    text = labels(locale)
    parts = [verification(review, text)]
    if review.incentivized:
        parts.append(text["incentivized_long"])
    return "; ".join(parts)


def keywords(review: Review) -> list[str]:
    """Stable machine-readable labels, the same in every language."""
    found = ["verified" if review.verified else "unverified"]
    if review.verified_by:
        found.append(f"verified-by-{review.verified_by.replace('_', '-')}")
    if review.incentivized:
        found.append("incentivized")
    if review.source:
        found.append("imported")
    return found


def review(review: Review, url: str, brand, locale: str) -> dict:
    """One review; its dates are the days in the brand's time zone, as its pages show them."""
    data = {
        "@type": "Review",
        "@id": url,
        "url": url,
        "author": {"@type": "Person", "name": review.display_name},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": review.rating,
            "bestRating": 5,
            "worstRating": 1,
        },
        "datePublished": local_day(review.published_at, brand.time_zone).isoformat(),
        "reviewBody": review.body,
        "inLanguage": review.locale,
        "keywords": keywords(review),
        "disambiguatingDescription": disclosure(review, locale),
    }
    if review.title:
        data["name"] = review.title
    if review.reply_body:
        data["comment"] = {
            "@type": "Comment",
            "text": review.reply_body,
            "author": {"@type": "Organization", "name": brand.name},
            "dateCreated": local_day(review.replied_at, brand.time_zone).isoformat(),
        }
    return data


def review_page(item: dict, one: Review, url: str, brand, locale: str) -> dict | None:
    """None for a review imported from another site: Google's review snippets take only
    reviews the site collected itself, so it is shown but not marked up."""
    if one.source:
        return None
    return {
        "@context": "https://schema.org",
        **review(one, url, brand, locale),
        "itemReviewed": item,
    }


def list_page(item: dict, summary: dict, reviews: list[tuple[Review, str]], brand, locale):
    """The item with its AggregateRating and this page's reviews (only when there are any).

    Both of reviews collected here only: `summary` leaves the imported ones out, and so does
    the list of Reviews (Google: no reviews aggregated from other sites in the markup)."""
    reviews = [(one, url) for one, url in reviews if not one.source]
    data = {"@context": "https://schema.org", **item}
    if summary["count"]:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": summary["average"],
            "reviewCount": summary["count"],
            "bestRating": 5,
            "worstRating": 1,
        }
        data["review"] = [review(one, url, brand, locale) for one, url in reviews]
    return data
