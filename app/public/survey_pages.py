"""/s/<token> hosted survey pages, their QR codes, and /u/<token> unsubscribe pages.

Plain HTML forms that work without JavaScript or cookies. GET never records (mail scanners and
link previews follow links); only a POST from the page, with its form key, stores an answer.
"""

from flask import abort, current_app, make_response, render_template, request, url_for

import loyalty
from app import page_language
from app.extensions import csrf, limiter
from app.numbers import counted, whole
from app.public import bp
from app.schemas.common import SUPPORTED_LOCALES
from app.services import (
    channel_points,
    hosted,
    unsubscribes,
    widget,
)
from app.services.channel_texts import texts
from app.services.survey_forms import brand_colours


def _limit() -> str:
    return current_app.config.get("RATELIMIT_PUBLIC", "120/minute")


def _lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in SUPPORTED_LOCALES else None


def _private(response, status: int | None = None):
    """Personal pages: never cached, never indexed, and the token never leaks as a Referer."""
    response = make_response(response)
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _message(locale: str, title: str, body: str, status: int, brand=None, **extra):
    html = render_template(
        "channels/message.html",
        locale=locale,
        t=texts(locale, brand),
        title=title,
        body=body,
        brand=brand,
        colours=brand_colours(brand) if brand else None,
        **extra,
    )
    return _private(html, status)


def _unavailable(error: hosted.PageUnavailable):
    words = texts(error.locale, error.brand)
    return _message(
        error.locale,
        words[f"{error.reason}_title" if error.reason != "invalid" else "invalid_link_title"],
        words["invalid_link" if error.reason == "invalid" else error.reason],
        error.status,
        brand=error.brand,
    )


def _form(page: hosted.SurveyPage, status: int = 200):
    html = render_template(
        "channels/survey.html",
        page=page,
        locale=page.locale,
        t=texts(page.locale, page.brand),
        brand=page.brand,
        colours=brand_colours(page.brand),
        points=channel_points.offers_points(
            page.brand.id,
            page.customer.id if page.customer else None,
            page.survey.id,
            hosted.answer_order(page),
        ),
        other_locale=next((code for code in page.survey.locales if code != page.locale), None),
        score=request.args.get("score"),
        form_key=hosted.form_key(page.token),
    )
    return _private(html, status)


@bp.route("/s/<token>", methods=["GET"])
def survey_page(token):
    try:
        page = hosted.page_for_get(
            token, _lang(), page_language.browser_locale(), request.args.get("score")
        )
    except hosted.PageUnavailable as error:
        return _unavailable(error)
    return _form(page)


@bp.route("/s/<token>", methods=["POST"])
@limiter.limit(_limit)
def survey_submit(token):
    if not hosted.form_key_valid(token, request.form.get("form_key")):
        return _form_again(token)
    try:
        page, thanks = hosted.submit(
            token,
            request.form.to_dict(),
            _lang(),
            page_language.browser_locale(),
            widget.client_hash(request.remote_addr),
        )
    except hosted.PageUnavailable as error:
        return _unavailable(error)
    except hosted.FormInvalid as invalid:
        return _form(invalid.page, 422)
    words = texts(page.locale, page.brand)
    if thanks["points"]:
        points = thanks["points"]
        note = counted(words, "points_earned", points).format(points=whole(points, page.locale))
    else:
        note = words["points_pending"] if thanks["incentivized"] else ""
    points_page = None
    if note and page.customer is not None:
        # where the points are: the customer's own page, their balance and rewards
        token = loyalty.customer_token(page.brand.id, page.customer.id)
        points_page = url_for("public.loyalty_account", token=token, lang=page.locale)
    return _message(
        page.locale,
        words["thanks"],
        words["thanks_page"],
        200,
        brand=page.brand,
        note=note,
        points_page=points_page,
    )


def _form_again(token):
    """A POST without a valid form key: the page again with the answers kept, stored nothing."""
    try:
        page = hosted.page_again(
            token, request.form.to_dict(), _lang(), page_language.browser_locale()
        )
    except hosted.PageUnavailable as error:
        return _unavailable(error)
    page.errors["_form"] = texts(page.locale, page.brand)["send_again"]
    return _form(page, 400)


@bp.route("/s/<token>/qr.svg")
def survey_qr(token):
    """A QR code for a reusable link, or for a personal link issued to the brand (emailed
    invitation links get none)."""
    try:
        svg, personal = hosted.qr_code(token)
    except hosted.PageUnavailable:
        abort(404)
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    if personal:  # one customer's link: as private as her page
        return _private(response)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/u/<token>", methods=["GET"])
def unsubscribe_page(token):
    try:
        brand, customer = unsubscribes.lookup(token)
    except unsubscribes.UnsubscribeInvalid:
        locale = _lang() or page_language.browser_locale() or "nl"
        words = texts(locale)
        return _message(locale, words["invalid_link_title"], words["invalid_link"], 404)
    locale = unsubscribes.locale_of(brand, customer, _lang(), page_language.browser_locale())
    words = texts(locale, brand)
    html = render_template(
        "channels/unsubscribe.html",
        locale=locale,
        t=words,
        brand=brand,
        colours=brand_colours(brand),
        done=customer.unsubscribed_at is not None,
    )
    return _private(html)


@bp.route("/u/<token>", methods=["POST"])
@limiter.limit(_limit)
def unsubscribe(token):
    """The page's button, or a mail client's one-click POST (RFC 8058): the token is the key."""
    try:
        brand, customer = unsubscribes.unsubscribe(token)
    except unsubscribes.UnsubscribeInvalid:
        locale = _lang() or page_language.browser_locale() or "nl"
        words = texts(locale)
        return _message(locale, words["invalid_link_title"], words["invalid_link"], 404)
    locale = unsubscribes.locale_of(brand, customer, _lang(), page_language.browser_locale())
    words = texts(locale, brand)
    return _message(
        locale,
        words["unsubscribe_title"],
        words["unsubscribed"].format(brand=brand.name),
        200,
        brand=brand,
    )


# The survey POST checks its form key itself (above); unsubscribing is authorised by the signed
# token, and one-click unsubscribe POSTs from mail providers carry no form token.
csrf.exempt(survey_submit)
csrf.exempt(unsubscribe)
