"""Customer lookup for customer service: find a customer by exact email or external id, read
what is held about them, download their privacy export, erase them (services.privacy).

Reading is every role's, as every other page with answers is; the export is an editor's or
owner's; erasure, which cannot be undone, an owner's. The search is a POST, so the address
typed stays out of URLs (access logs, browser history, Referer); a customer's page is named
by its row id, never by its email or external id.
"""

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError

from app.dashboard import bp, filters
from app.dashboard.access import current_brand, requires
from app.errors import AppError, flatten_fields
from app.schemas.dashboard import CustomerQuery, CustomerSearch
from app.services import customer_lookup, follow_up, privacy

# Where a privacy request came from, in the log (its `by` names the login).
ACTOR = "dashboard"


def _search_page(text: str = "", found=None, errors=None, status: int = 200):
    return (
        render_template("dashboard/customers.html", q=text, found=found, errors=errors or {}),
        status,
    )


@bp.route("/dashboard/customers", endpoint="customers")
@requires("read")
def customers_page():
    return _search_page()


@bp.route("/dashboard/customers", methods=["POST"])
@requires("read")
def customers_search():
    text = request.form.get("q", "")
    try:
        data = CustomerSearch().load({"q": text.strip()})
    except ValidationError as error:
        return _search_page(text, errors=flatten_fields(error.messages), status=422)
    found = customer_lookup.search(current_brand(), data["q"])
    if len(found["customers"]) == 1 and found["erased"] is None:
        return redirect(url_for("dashboard.customer", customer_id=found["customers"][0].id))
    return _search_page(data["q"], found)


@bp.route("/dashboard/customers/<int:customer_id>")
@requires("read")
def customer(customer_id):
    brand = current_brand()
    cursors = filters.parse(CustomerQuery(), request.args)
    found = customer_lookup.get(brand, customer_id)
    if not any(cursors.values()):  # its first page: paging through older answers is one look
        privacy.log_view(brand, found, by=current_user.email)  # first: it commits
    held = customer_lookup.record(brand, found, cursors)
    return render_template(
        "dashboard/customer.html", held=held, brand=brand, reason_words=follow_up.REASONS
    )


@bp.route("/dashboard/customers/<int:customer_id>/export", methods=["POST"])
@requires("edit")
def customer_export(customer_id):
    """The API's privacy export as a file, logged as the API's is (by this login)."""
    brand = current_brand()
    found = customer_lookup.get(brand, customer_id)
    if found.erased_at is not None:
        raise AppError(409, "this customer is erased: nothing of theirs is left to export")
    data = privacy.export(brand, found.external_id, actor=ACTOR, by=current_user.email)
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    # named by the row id: the external id or address could put anything in a file name
    name = f"{brand.slug}-customer-{found.id}-export.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/dashboard/customers/<int:customer_id>/erase", endpoint="customer_erase")
@requires("manage")
def customer_erase_page(customer_id):
    brand = current_brand()
    found = customer_lookup.get(brand, customer_id)
    if found.erased_at is not None:
        return redirect(url_for("dashboard.customer", customer_id=found.id))
    preview = customer_lookup.erasure_preview(brand, found)
    return render_template("dashboard/customer_erase.html", customer=found, preview=preview)


@bp.route("/dashboard/customers/<int:customer_id>/erase", methods=["POST"])
@requires("manage")
def customer_erase_confirmed(customer_id):
    brand = current_brand()
    found = customer_lookup.get(brand, customer_id)
    if found.erased_at is not None:  # a second click, or a second owner
        flash("This customer was erased already.", "info")
        return redirect(url_for("dashboard.customer", customer_id=found.id))
    result = privacy.erase(brand, found.external_id, actor=ACTOR, by=current_user.email)
    counts = result["counts"]
    flash(
        f"Erased. {counts.get('responses', 0)} answers kept only their scores, "
        f"{counts.get('reviews', 0)} reviews were taken offline and blanked, and "
        f"{counts.get('journey_events', 0)} journey events, {counts.get('invitations', 0)} "
        "invitations and the contact history were deleted. The privacy log names you.",
        "info",
    )
    return redirect(url_for("dashboard.customer", customer_id=found.id))
