"""/loyalty/<token>: a customer's points, rewards and ledger (Dutch or English), and the
form that redeems a reward for one of the brand's voucher codes."""

from flask import current_app, make_response, redirect, render_template, request, url_for

from app import ids, page_language
from app.extensions import csrf, limiter
from app.public import bp
from app.services import loyalty_page


def _limit() -> str:
    return current_app.config.get("RATELIMIT_PUBLIC", "120/minute")


def _render(token: str, page: dict, status: int = 200):
    response = make_response(render_template("loyalty/page.html", token=token, **page), status)
    # The link is the key to a personal page: keep it out of caches, search and Referer headers.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/loyalty/<token>")
def loyalty_account(token):
    page = loyalty_page.customer_page(
        token,
        request.args.get("lang"),
        page_language.browser_locale(),
        redeemed=ids.number(request.args.get("redeemed", "")),
    )
    return _render(token, page)


@bp.route("/loyalty/<token>/redeem", methods=["POST"])
@limiter.limit(_limit)
def loyalty_redeem(token):
    """A reward's "Redeem" button: the code, then the page again (303) showing it on top."""
    try:
        entry_id, locale = loyalty_page.redeem(
            token, request.form, request.args.get("lang"), page_language.browser_locale()
        )
    except loyalty_page.NotRedeemed as refusal:
        return _render(token, refusal.page, refusal.status)
    target = url_for(
        "public.loyalty_account", token=token, lang=locale, redeemed=entry_id, _anchor="redeemed"
    )
    return redirect(target, 303)


# The signed link authorises the page and its form; the form's own key (services.form_keys)
# proves the POST came from an opened page. A session-bound CSRF token would need a cookie
# this page never sets, and a browser that blocks cookies could never redeem.
csrf.exempt(loyalty_redeem)
