"""/w/v1: the widget's API. Public site key + allowed Origin; CORS for those origins (and,
for error responses only, for any page, so it can read why it was refused).

Bodies may be application/json or text/plain (navigator.sendBeacon and "simple" fetches
send text/plain, which needs no preflight). No cookies are used, so CSRF does not apply.
"""

from flask import Blueprint, current_app, g, jsonify, make_response, request
from flask_limiter.util import get_remote_address
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app import json_input, page_language
from app.errors import AppError, flatten_fields
from app.extensions import csrf, limiter
from app.schemas.channels import WidgetResponseIn, WidgetSurveyQuery
from app.services import widget

bp = Blueprint("widget_api", __name__, url_prefix="/w/v1")

BODY_TYPES = ("application/json", "text/plain")
PREFLIGHT_MAX_AGE = "600"


def load(schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise AppError(
            422, "some fields are not valid", fields=flatten_fields(error.messages)
        ) from None


# Per-request caches live in the WSGI environ, not in `g`: g belongs to the app context,
# which a test (or a CLI context) may share between several requests.
BODY, SITE_KEY = "phasewise.widget_body", "phasewise.widget_site_key"


def _body() -> dict:
    if BODY not in request.environ:
        if request.mimetype not in BODY_TYPES:
            raise AppError(415, "send the body as JSON (application/json or text/plain)")
        raw = request.get_data(cache=True)  # over 64 KB, werkzeug answers 413 here
        try:
            data = json_input.loads(raw)
        except ValueError:  # bad syntax, bad UTF-8 or too deep (json_input)
            raise AppError(
                400, "the request body is not valid JSON", code="malformed_json"
            ) from None
        if not isinstance(data, dict):
            raise AppError(400, "the request body must be a JSON object", code="malformed_json")
        request.environ[BODY] = data
    return request.environ[BODY]


def site_key() -> str:
    """The site key from the query, else from the body; "" when there is none (yet)."""
    if SITE_KEY not in request.environ:
        key = request.args.get("site_key")
        if key is None and request.method == "POST":
            try:
                key = _body().get("site_key")
            except HTTPException:
                key = None  # the view reports the bad body; the limiter only needs a key
        request.environ[SITE_KEY] = key if isinstance(key, str) else ""
    return request.environ[SITE_KEY]


def _client_limit() -> str:
    config = current_app.config
    return config.get("RATELIMIT_WIDGET_CLIENT") or config.get("RATELIMIT_PUBLIC", "120/minute")


def _site_limit() -> str:
    return current_app.config.get("RATELIMIT_WIDGET_SITE") or "3000/minute"


def _per_site_key() -> str:
    return "site:" + site_key()


def rate_limited(view):
    """Per client address and per site key: the key is public, so both are needed."""
    view = limiter.limit(_site_limit, key_func=_per_site_key)(view)
    return limiter.limit(_client_limit, key_func=get_remote_address)(view)


@bp.before_request
def open_brand():
    g.cors_origin = None  # set only once the origin is known to be allowed
    origin = request.headers.get("Origin")
    if request.method == "POST":
        body_key = _body().get("site_key")
        query_key = request.args.get("site_key")
        if query_key and body_key and query_key != body_key:
            raise AppError(
                422, "site_key differs in query and body", fields={"site_key": ["differs"]}
            )
    g.brand = widget.open_brand(site_key() or None, origin, request.host_url)
    g.cors_origin = origin
    if request.method == "OPTIONS":
        response = make_response("", 204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response
    return None


@bp.after_request
def cors(response):
    response.vary.add("Origin")
    origin = g.get("cors_origin")
    if origin is None and response.status_code >= 400 and request.method != "OPTIONS":
        # An error is readable by any page, so its developer sees why (origin_not_allowed,
        # invalid_site_key…) instead of a bare CORS failure; error bodies hold nothing secret
        # and no credentials are allowed. Success (and any preflight) only for allowed origins.
        origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.route("/survey", methods=["GET"])
@rate_limited
def survey():
    """The active survey of a phase, or 204 when the contact budget says not now."""
    query = load(WidgetSurveyQuery(), request.args.to_dict())
    payload = widget.survey_for(g.brand, query, page_language.browser_locale())
    if payload is None:
        return "", 204
    return jsonify(payload)


@bp.route("/responses", methods=["POST"])
@rate_limited
def responses():
    """Take an answer; 202 with the thank-you facts (points, review consent)."""
    data = load(WidgetResponseIn(), _body())
    reply, _created = widget.submit(
        g.brand,
        data,
        request.headers.get("Idempotency-Key"),
        widget.client_hash(request.remote_addr),
    )
    return jsonify(reply), 202


csrf.exempt(responses)
csrf.exempt(survey)
