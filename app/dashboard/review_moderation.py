"""Review moderation and replies, on the reviews engineer's services (app/services/reviews.py).
Reject and remove take one of the listed grounds; every action is logged with who and why."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError

from app.dashboard import bp, filters
from app.dashboard.access import current_brand, requires
from app.errors import AppError, flatten_fields
from app.models.review import GROUNDS, PUBLISHED, STATUSES
from app.schemas.review import ModerationIn, ReplyIn, ReviewQuery
from app.services import journeys, review_desk, review_import, reviews

MAILING = ("pending", "queued", "sent", "failed")  # a notice on its way (failed: retried)


def _page(
    args: dict,
    status_code: int = 200,
    problem: dict | None = None,
    imported: dict | None = None,
    import_errors: dict | None = None,
    import_values: dict | None = None,
):
    brand = current_brand()
    query = filters.parse(ReviewQuery(), args)
    status = query.get("status") if "status" in args else "pending"
    found = review_desk.page(brand, status or None, query.get("phase"), query.get("cursor"))
    return (
        render_template(
            "dashboard/reviews.html",
            found=found,
            status=status,
            phase=query.get("phase"),
            statuses=STATUSES,
            grounds=GROUNDS,
            ground_labels=review_desk.ground_labels(brand),
            problem=problem,
            phases=[phase for journey in journeys.list_journeys(brand) for phase in journey.phases],
            imported=imported,
            import_errors=import_errors or {},
            import_values=import_values or {"publish": "policy"},
            import_max_lines=review_import.MAX_LINES,
            import_max_kb=review_import.MAX_BYTES // 1000,
        ),
        status_code,
    )


def _kept(form) -> dict:
    """The list's filters, posted back with each action so the moderator stays on the tab."""
    return {key: form[key] for key in ("status", "phase") if key in form}


def _done(message: str, anchor: str = ""):
    flash(message, "info")
    return redirect(url_for("dashboard.reviews", **_kept(request.form)) + anchor)


def _failed(review_id: int, message: str, status_code: int):
    """The list again, with the message, and what was typed for that review kept in its
    fields (a refused reply or note was gone)."""
    typed = {key: request.form.get(key, "") for key in ("reason", "note", "body")}
    problem = {"review_id": review_id, "message": message, "typed": typed}
    return _page(_kept(request.form), status_code, problem)


def _messages(error: ValidationError, named: bool = True) -> str:
    """The messages, each after its field's name unless `named` is off: a form of one field
    (the reply) need not say "body:", a name the marketer never saw."""
    return "; ".join(
        f"{field}: {message}" if named else message
        for field, messages in flatten_fields(error.messages).items()
        for message in messages
    )


@bp.route("/dashboard/reviews", endpoint="reviews")
@requires("read")
def reviews_page():
    return _page(request.args)


@bp.route("/dashboard/reviews/<int:review_id>/moderation", methods=["POST"])
@requires("edit")
def review_moderate(review_id):
    reviews.get_review(current_brand(), review_id)  # another brand's review: 404 first
    fields = {
        key: request.form[key] for key in ("action", "reason", "note") if request.form.get(key)
    }
    try:
        data = ModerationIn().load(fields)
        reviews.moderate(
            current_brand(),
            review_id,
            data["action"],
            data.get("reason"),
            actor=current_user.email,
            note=data.get("note"),
        )
    except ValidationError as error:
        return _failed(review_id, f"Not moderated: {_messages(error)}", 422)
    except AppError as error:
        if error.code == 404:
            raise
        if "reason" in (error.fields or {}):  # the service names the grounds by their keys
            message = review_desk.missing_ground(current_brand(), fields["action"])
            return _failed(review_id, f"Not moderated: {message}", error.code)
        return _failed(review_id, f"Not moderated: {error.description}", error.code)
    done = {"publish": "published", "reject": "declined", "remove": "removed"}
    action = done.get(data["action"], data["action"])
    return _done(f"Review {review_id} {action}; the log names you as moderator.")


@bp.route("/dashboard/reviews/<int:review_id>/reply", methods=["POST"])
@requires("edit")
def review_reply(review_id):
    reviews.get_review(current_brand(), review_id)
    try:
        data = ReplyIn().load({"body": request.form.get("body", "")})
        review = reviews.reply(current_brand(), review_id, data["body"], actor=current_user.email)
    except ValidationError as error:
        return _failed(review_id, f"No reply saved: {_messages(error, named=False)}", 422)
    except AppError as error:
        if error.code == 404:
            raise
        return _failed(review_id, f"No reply saved: {error.description}", error.code)
    shown = (
        "is public"
        if review.status == PUBLISHED
        else "is saved: it is shown when the review is published"
    )
    # the first reply's log line carries the reviewer's notice; an edit's carries none
    notice = review.moderation[-1].notice or {}
    told = " The reviewer is emailed about it." if notice.get("status") in MAILING else ""
    return _done(f"Your reply to review {review_id} {shown}.{told}", f"#review-{review_id}")


@bp.route("/dashboard/reviews/import", methods=["POST"])
@requires("edit")
def reviews_import():
    """Reviews written elsewhere, from a CSV file: checked (a preview, storing nothing) or
    imported; the page then says what was imported and which lines were refused and why."""
    values = {
        "source": request.form.get("source", ""),
        "phase": request.form.get("phase", ""),
        "publish": request.form.get("publish", "policy"),
        "dry_run": request.form.get("dry_run"),
    }
    if values["dry_run"] not in (None, "on"):  # a box sends "on" or nothing
        return _page(
            {}, 422, import_errors={"dry_run": ["tick the box or leave it"]}, import_values=values
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page({}, 422, import_errors={"file": ["choose a CSV file"]}, import_values=values)
    options = {**values, "dry_run": values["dry_run"] == "on"}
    try:
        result = review_import.import_file(
            current_brand(),
            upload.read(review_import.MAX_BYTES + 1),
            options,
            actor=current_user.email,
        )
    except AppError as error:
        return _page(
            {},
            error.code,
            import_errors=error.fields or {"file": [error.description]},
            import_values=values,
        )
    shown = (
        {"status": "pending"} if result["pending"] and not result["published"] else {"status": ""}
    )
    return _page(shown, imported=result, import_values=values)
