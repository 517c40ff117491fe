"""Owner settings: the brand's profile, API keys (shown once), the widget snippet and its
allowed origins; and the failed-job list that operators and marketers both need to see."""

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app import timestamps
from app.dashboard import bp, forms
from app.dashboard.access import current_brand, requires
from app.errors import AppError
from app.extensions import db
from app.models import ApiKey, Response
from app.models.response import FAILED, RECEIVED
from app.schemas.brand import BrandProfileForm
from app.schemas.journey_edit import ApiKeyCreate, OriginsIn
from app.services import (
    brand_settings,
    brands,
    contact_budget,
    journey_map,
    journeys,
    outbox,
    public_urls,
    reviews,
    surveys,
    worker,
)

WAITING_SHOWN = 10_000


def _keys(brand) -> list[ApiKey]:
    return list(
        db.session.scalars(
            select(ApiKey).where(ApiKey.brand_id == brand.id).order_by(ApiKey.id.desc())
        )
    )


def _page(status=200, **context):
    brand = current_brand()
    choices = journey_map.journey_choices(brand)
    phases = journeys.get_journey(brand, choices[0][0]).phases if choices else []
    # a tag for a phase no survey asks opens nothing (a 404 in the page's console)
    asking = surveys.phases_asking(brand, choices[0][0]) if choices else set()
    # Only a phase of the brand's: the snippet is text an owner copies into their own site,
    # and a link's ?phase= must not be able to write into it.
    phase_keys = [phase.key for phase in phases]
    wanted = request.args.get("phase")
    phase_key = wanted if wanted in phase_keys else (phase_keys[0] if phase_keys else "delivery")
    targeting, snippet_errors = _targeting(request.args)
    context.setdefault("errors", {})
    context.setdefault("form_id", None)
    return (
        render_template(
            "dashboard/settings.html",
            brand=brand,
            keys=_keys(brand),
            phases=phases,
            phase_key=phase_key,
            asking=asking,
            snippet=public_urls.snippet(brand, phase_key, **targeting),
            snippet_errors=snippet_errors,
            contact_policy=contact_budget.policy(brand),
            publish_mode=reviews.policy_mode(brand, ""),
            unverified_mode=reviews.unverified_mode(brand),
            # the stored zone is offered even when this server's zone list lacks it: else the
            # select shows the first zone, and any save would store that one
            time_zones=sorted({*timestamps.zone_names(), brand.time_zone}),
            **context,
        ),
        status,
    )


def _targeting(args) -> tuple[dict, dict]:
    """Who the snippet asks and when, from the snippet form: a share in percent (the
    attribute takes 0–1), seconds of delay, exit intent. A bad value is named beside its
    field and left out of the tag, as the widget itself would ignore it."""
    options, errors = {}, {}
    bounds = {"sample": (0, 100, "a percentage from 0 to 100"), "delay": (0, 3600, "0 to 3600")}
    for name, (low, high, expected) in bounds.items():
        text = args.get(name, "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            errors[name] = [f"Not {expected}: left out of the snippet."]
        else:
            options[name] = value / 100 if name == "sample" else value
    options["exit_intent"] = args.get("trigger") == "exit"
    return options, errors


@bp.route("/dashboard/settings")
@requires("manage")
def settings():
    return _page()


@bp.route("/dashboard/settings/brand", methods=["POST"])
@requires("manage")
def settings_brand():
    # emptied: no reply address, no privacy link, no logo; any hour
    clearable = ("reply_to", "privacy_url", "logo_url", "send_from_hour", "send_until_hour")
    form = forms.FormData(request.form, clearable=clearable)
    data, errors = forms.validate(BrandProfileForm(), form)
    if not errors:
        try:
            brand_settings.set_profile(current_brand(), data)
        except AppError as error:
            errors = forms.service_errors(error, form)
    if errors:
        return _page(422, errors=errors, form_id="brand", brand_form=request.form)
    flash("Brand profile saved; customers see it from their next page or mail.", "info")
    return redirect(url_for("dashboard.settings") + "#brand")


@bp.route("/dashboard/settings/api-keys", methods=["POST"])
@requires("manage")
def api_key_create():
    form = forms.FormData(request.form)
    data, errors = forms.validate(ApiKeyCreate(), form)
    if errors:
        return _page(422, errors=errors, form_id="new-key")
    key, secret = brands.create_api_key(current_brand(), data["name"])
    # Shown in this response only: the key is stored hashed and never shown again.
    return _page(201, new_key=key, new_secret=secret)


@bp.route("/dashboard/settings/identity-secret", methods=["POST"])
@requires("manage")
def identity_secret_rotate():
    brand = brands.rotate_identity_secret(current_brand())
    until = brand.previous_secret_until()
    flash(
        "A new identity secret: sign customer ids with it on your server now. The old one "
        f"is still accepted until {until:%Y-%m-%d %H:%M} UTC.",
        "info",
    )
    return redirect(url_for("dashboard.settings") + "#widget")


@bp.route("/dashboard/settings/api-keys/<int:key_id>/revoke", methods=["POST"])
@requires("manage")
def api_key_revoke(key_id):
    brands.revoke_api_key(current_brand(), key_id)
    flash("The API key is revoked; requests with it now get 401.", "info")
    return redirect(url_for("dashboard.settings") + "#keys")


@bp.route("/dashboard/settings/origins", methods=["POST"])
@requires("manage")
def origins_update():
    if "origins" not in request.form:  # an empty box clears the list; no box at all is no form
        raise AppError(400, "the form has no origins field")
    lines = [line for line in request.form["origins"].splitlines() if line.strip()]
    data, errors = forms.validate(OriginsIn(), _Lines(lines))
    if not errors:
        try:
            brand_settings.set_origins(current_brand(), data)
        except AppError as error:
            errors = {"origins": [m for ms in error.fields.values() for m in ms]}
    if errors:
        merged = {"origins": [m for ms in errors.values() for m in ms]}
        return _page(422, errors=merged, form_id="origins", origins_text=request.form["origins"])
    flash("Allowed origins saved.", "info")
    return redirect(url_for("dashboard.settings") + "#origins")


class _Lines(forms.FormData):
    """A textarea of one origin per line, as the schema's list."""

    def __init__(self, lines):
        self.remap = {}
        self.data = {"origins": lines}


@bp.route("/dashboard/jobs")
@requires("manage")
def jobs():
    brand = current_brand()
    waiting = db.session.scalars(
        select(Response.id)
        .where(Response.status == RECEIVED, Response.brand_id == brand.id)
        .limit(WAITING_SHOWN + 1)
    ).all()
    # The failed-job registry is the instance's: only this brand's jobs (their errors can
    # name customers); the CLI lists them all.
    failed = [
        {key: job[key] for key in ("queue", "id", "func", "ended_at", "error")}
        for job in worker.failed_jobs(brand.id)
    ]
    set_aside = db.session.scalars(
        select(Response.id)
        .where(Response.status == FAILED, Response.brand_id == brand.id)
        .order_by(Response.id)
        .limit(WAITING_SHOWN + 1)
    ).all()
    return render_template(
        "dashboard/jobs.html",
        outbox=outbox.waiting(brand),
        failed=failed,
        set_aside=set_aside,
        waiting=len(waiting),
        waiting_cap=WAITING_SHOWN,
        inline=current_app.config.get("REDIS_URL") is None,
        due_look=int(float(current_app.config.get("DUE_LOOK_SECONDS") or 0)),
    )
