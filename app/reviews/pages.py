"""Review pages: the brand's list, a phase's list, one review, the disclosure page, flagging.

Server-rendered, no script; each answers 304 to a matching If-None-Match / If-Modified-Since
before it renders anything.
"""

from flask import make_response, render_template, request

from app.errors import AppError
from app.extensions import limiter
from app.models.review import GROUNDS
from app.reviews import bp, jsonld
from app.reviews.forms import FLAG_TEXTS, FlagForm
from app.reviews.http import (
    absolute,
    alternates,
    cacheable,
    canonical,
    client_hash,
    etag_for,
    lang_param,
    lang_query,
    not_modified,
    page_locale,
    page_number,
)
from app.services import channel_texts, contact_budget, review_public, reviews
from app.services.review_labels import GROUND_LABELS, labels
from app.sessions import stateless
from app.timestamps import date_text

# The review templates append `lang_query(locale, default)` to their links: "" or "?lang=en".
bp.add_app_template_global(lang_query)


def number(value, locale: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "nl" else text


def _context(brand, locale: str, path: str, default: str, page: int | None = None) -> dict:
    return {
        "brand": brand,
        "locale": locale,
        "t": labels(locale),
        "path": path,
        "canonical": canonical(path, locale, default, page),
        "alternates": alternates(path, default, page),
        "date_text": date_text,
        "number": number,
        "about_url": f"/reviews/{brand.slug}/about",
        "list_url": f"/reviews/{brand.slug}",
        "language_links": [
            (other, absolute(path, lang=lang_param(other, default))) for other in ("nl", "en")
        ],
    }


def _list(slug: str, phase_key: str | None):
    brand = review_public.brand(slug)
    default = brand.default_locale
    locale = page_locale(default)
    number_ = page_number()
    phase_rows = review_public.phases_by_key(brand, phase_key) if phase_key else []
    only = [phase.id for phase in phase_rows] if phase_key else None
    seed, last_modified = review_public.version(brand)
    etag = etag_for(seed)
    if (early := not_modified(etag, last_modified)) is not None:
        return early
    found = review_public.page(brand, number_, only)
    summary = review_public.summary(brand, only)
    path = f"/reviews/{brand.slug}" + (f"/{phase_key}" if phase_key else "")
    context = _context(brand, locale, path, default, number_)
    phase_name = phase_rows[0].display_name(locale) if phase_rows else None
    items = [(review, f"/reviews/{brand.slug}/r/{review.id}") for review in found["items"]]
    structured = jsonld.list_page(
        review_public.item_reviewed(brand),
        summary,
        [(review, absolute(url)) for review, url in items],
        brand,
        locale,
    )
    prev_url = next_url = None
    if found["page"] > 1:
        prev_url = canonical(path, locale, default, found["page"] - 1)
    if found["page"] < found["pages"]:
        next_url = canonical(path, locale, default, found["page"] + 1)
    html = render_template(
        "reviews/list.html",
        **context,
        summary=summary,
        page=found,
        items=items,
        phase_key=phase_key,
        phase_name=phase_name,
        all_phases=review_public.phases(brand),
        structured=structured,
        prev_url=prev_url,
        next_url=next_url,
    )
    return cacheable(make_response(html), etag, last_modified)


@bp.route("/reviews/<slug>")
@stateless
def brand_reviews(slug):
    return _list(slug, None)


@bp.route("/reviews/<slug>/<phase_key>")
@stateless
def phase_reviews(slug, phase_key):
    return _list(slug, phase_key)


@bp.route("/reviews/<slug>/r/<int:review_id>")
@stateless
def review_detail(slug, review_id):
    brand = review_public.brand(slug)
    try:
        review = review_public.review(brand, review_id)
    except AppError as error:
        if error.code != 410:
            raise
        locale = page_locale(brand.default_locale)
        # Its own path: the language switch stays on this page rather than opening the list.
        html = render_template(
            "reviews/gone.html",
            **_context(brand, locale, f"/reviews/{brand.slug}/r/{review_id}", brand.default_locale),
        )
        return html, 410
    default = review.locale if review.locale in ("nl", "en") else brand.default_locale
    locale = page_locale(default)
    seed, last_modified = review_public.version(brand)
    etag = etag_for(seed)
    if (early := not_modified(etag, last_modified)) is not None:
        return early
    path = f"/reviews/{brand.slug}/r/{review.id}"
    context = _context(brand, locale, path, default)
    structured = jsonld.review_page(
        review_public.item_reviewed(brand), review, absolute(path), brand, locale
    )
    html = render_template("reviews/detail.html", **context, review=review, structured=structured)
    return cacheable(make_response(html), etag, last_modified)


@bp.route("/reviews/<slug>/about")
@stateless
def about(slug):
    brand = review_public.brand(slug)
    locale = page_locale(brand.default_locale)
    seed, last_modified = review_public.version(brand)
    etag = etag_for(seed + ":about")
    if (early := not_modified(etag, last_modified)) is not None:
        return early
    path = f"/reviews/{brand.slug}/about"
    html = render_template(
        "reviews/about.html",
        **_context(brand, locale, path, brand.default_locale),
        facts=review_public.disclosure(brand),
        grounds=[
            (ground, GROUND_LABELS[locale][ground].format(brand=brand.name)) for ground in GROUNDS
        ],
        policy_default=reviews.policy_mode(brand, ""),
        settings=reviews.FRAUD_DEFAULTS,
        # quoted as customers read it, in the brand's form of address
        consent_question=channel_texts.t(locale, "review_title", brand),
        contact=contact_budget.policy(brand),
    )
    return cacheable(make_response(html), etag, last_modified)


@bp.route("/reviews/<slug>/r/<int:review_id>/flag", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def flag(slug, review_id):
    """A reader reports a review; CSRF-protected, rate-limited, one report per reader."""
    brand = review_public.brand(slug)
    review = review_public.review(brand, review_id)
    # The review page's default (the review's language): the language switch and hreflang
    # links must leave ?lang off only for the language this page shows without it.
    default = review.locale if review.locale in ("nl", "en") else brand.default_locale
    locale = page_locale(default)
    form = FlagForm.for_locale(locale, brand.name)
    path = f"/reviews/{brand.slug}/r/{review.id}"
    context = _context(brand, locale, path + "/flag", default)
    status, outcome = 200, None
    if request.method == "POST":
        if form.validate_on_submit():
            added = reviews.flag(
                brand, review.id, form.reason.data, form.note.data or None, client_hash()
            )
            outcome = "thanks" if added else "repeat"
        else:
            status = 422
    html = render_template(
        "reviews/flag.html",
        **context,
        review=review,
        form=form,
        texts=FLAG_TEXTS[locale],
        outcome=outcome,
        review_url=path,
    )
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
