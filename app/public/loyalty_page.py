"""/loyalty/<token>: a customer's points, rewards and ledger (Dutch or English)."""

from flask import make_response, render_template, request

from app import page_language
from app.public import bp
from app.services import loyalty_page


@bp.route("/loyalty/<token>")
def loyalty_account(token):
    page = loyalty_page.customer_page(
        token, request.args.get("lang"), page_language.browser_locale()
    )
    response = make_response(render_template("loyalty/page.html", token=token, **page))
    # The link is the key to a personal page: keep it out of caches, search and Referer headers.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
