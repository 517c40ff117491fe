"""/reviews.js, the embeddable badge and carousel, and the JSON it renders.

The data is public (published reviews only); the browser may read it cross-origin from the
brand's allowed origins, the same list the survey widget uses.
"""

from flask import jsonify, request

from app.errors import AppError
from app.numbers import counted, whole
from app.public import assets
from app.reviews import bp, jsonld
from app.reviews.http import absolute, cacheable, etag_for, lang_param, not_modified
from app.services import review_public
from app.services.review_labels import LOCALES, labels
from app.sessions import stateless

BADGE_REVIEWS = 10
BODY_MAX = 400
TEXTS = {
    "nl": {
        "carousel": "carrousel",
        "slide": "review",
        "reply": "Reactie",
        "read": "Lees de review",
        # the carousel steps from review to review, not from page to page
        "previous": "Vorige review",
        "next": "Volgende review",
        "labels": "{verified} van de {count} geverifieerd · bij {incentivized} zijn punten "
        "aangeboden voor het beantwoorden (met label)",
    },
    "en": {
        "carousel": "carousel",
        "slide": "review",
        "reply": "Reply",
        "read": "Read the review",
        "previous": "Previous review",
        "next": "Next review",
        "labels": "{verified} of {count} verified · {incentivized} were offered points for "
        "answering (labelled)",
    },
}


@bp.route("/reviews.js")
@stateless
def badge_script():
    return assets.script_response("reviews.js")


def _cors(response):
    """Allow the brand's own sites to read the badge data; never with credentials."""
    response.vary.add("Origin")
    return response


def _number(value, locale: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "nl" else text


@bp.route("/feeds/<slug>/badge.json")
@stateless
def badge_data(slug):
    from app.timestamps import date_text

    brand = review_public.brand(slug)
    locale = request.args.get("lang", brand.default_locale)
    if locale not in LOCALES:
        raise AppError(400, "lang must be nl or en", fields={"lang": ["nl or en"]})
    phase_key = request.args.get("phase")
    phase_rows = review_public.phases_by_key(brand, phase_key) if phase_key else []
    only = [phase.id for phase in phase_rows] if phase_key else None
    seed, last_modified = review_public.version(brand)
    etag = etag_for(seed)
    origin = request.headers.get("Origin")
    allowed = origin if origin and origin in (brand.allowed_origins or []) else None
    early = not_modified(etag, last_modified)
    if early is None:
        text = labels(locale)
        summary = review_public.summary(brand, only)
        items = []
        for review in review_public.latest(brand, BADGE_REVIEWS, only):
            body = review.body if len(review.body) <= BODY_MAX else review.body[:BODY_MAX] + "…"
            items.append(
                {
                    "id": review.id,
                    # in the badge's language, as the list pages link their reviews
                    "url": absolute(
                        f"/reviews/{brand.slug}/r/{review.id}",
                        lang=lang_param(locale, review.locale),
                    ),
                    "rating": review.rating,
                    "rating_text": text["rating"].format(rating=review.rating),
                    "title": review.title,
                    "body": body,
                    "author": review.display_name,
                    "phase": review.phase.display_name(locale),
                    "locale": review.locale,
                    "date": date_text(
                        review.answered_at if review.source else review.published_at,
                        locale,
                        brand.time_zone,
                    ),
                    "verified": review.verified,
                    "incentivized": review.incentivized,
                    "labels": jsonld.keywords(review),
                    # imported from another site: its name, and the date is the day written there
                    "source": review.source,
                    "reply": review.reply_body,
                }
            )
        count = summary["count"]
        facts = review_public.label_counts(brand, only)
        data = {
            "brand": brand.name,
            "locale": locale,
            "url": absolute(
                f"/reviews/{brand.slug}", lang=lang_param(locale, brand.default_locale)
            ),
            "about": absolute(
                f"/reviews/{brand.slug}/about",
                lang=lang_param(locale, brand.default_locale),
            ),
            "count": count,
            "average": summary["average"],
            "scale": {"best": 5, "worst": 1},
            "average_text": text["rating"].format(rating=_number(summary["average"], locale))
            if count
            else "",
            "count_text": counted(text, "count", count).format(count=whole(count, locale)),
            "labels_text": TEXTS[locale]["labels"].format(
                **{name: whole(value, locale) for name, value in {"count": count, **facts}.items()}
            ),
            "texts": {
                "title": text["reviews_of"].format(brand=brand.name),
                "verified": text["verified"],
                "not_verified": text["not_verified"],
                "incentivized": text["incentivized"],
                "imported": text["imported_from"],
                "about": text["about_short"],
                **{
                    key: TEXTS[locale][key]
                    for key in ("carousel", "slide", "reply", "read", "previous", "next")
                },
            },
            "reviews": items,
        }
        early = cacheable(jsonify(data), etag, last_modified, 300)
    if allowed:
        early.headers["Access-Control-Allow-Origin"] = allowed
    return _cors(early)
