"""One error shape for every failure: {"error": {"code", "message", "fields"}}, or an HTML page."""

from urllib.parse import urlencode

from apispec import BasePlugin
from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_login import current_user
from flask_smorest import Api
from marshmallow import fields as marshmallow_fields
from marshmallow import validate
from werkzeug.exceptions import HTTPException, InternalServerError

from app.schemas.common import ErrorOut

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}

JSON_PREFIXES = ("/api/", "/w/", "/feeds/")


class AppError(HTTPException):
    """An error a service raises; the view layer turns it into the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields=None,
        headers: dict | None = None,
    ):
        super().__init__(description=message)
        self.code = status
        self.error_code = code or CODES.get(status, "error")
        self.fields = fields or {}
        self.extra_headers = headers or {}

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]


def not_found(what: str = "resource") -> AppError:
    return AppError(404, f"{what} not found")


def flatten_fields(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn webargs/marshmallow nested messages into {"answers.nps": ["…"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "form", "headers", "files") and not prefix:
                flat.update(flatten_fields(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            flat.update(flatten_fields(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat.setdefault(prefix or "_schema", []).extend(messages)
    elif isinstance(messages, list):
        for item in messages:
            flat.update(flatten_fields(item, prefix))
    else:
        flat.setdefault(prefix or "_schema", []).append(str(messages))
    return flat


def error_body(status: int, message: str, code: str | None = None, fields=None) -> dict:
    return {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES) or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render_error(exc: HTTPException):
    status = exc.code or 500
    fields = getattr(exc, "fields", None)
    code = getattr(exc, "error_code", None)
    message = exc.description or CODES.get(status, "error")
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs validation failure
        fields = flatten_fields(data["messages"])
        if status == 400:
            message = "the request body is not valid JSON"
            code = "malformed_json"
        else:
            message = "some fields are not valid"
    if status == 413:
        message = f"the request body is larger than {_size(request.max_content_length)}"
    if wants_json():
        response = jsonify(error_body(status, message, code, fields))
    else:
        response = make_response(_error_page(status, message, fields))
    response.status_code = status
    for key, value in exc.get_headers():
        # the body is ours now, so only headers such as Retry-After or WWW-Authenticate carry over
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def _size(limit: int | None) -> str:
    """The app's 64 KB, or a route's own larger limit (app.uploads) as it was set: 1 MB."""
    limit = limit or 64 * 1024
    return f"{limit // 1_000_000} MB" if limit % 1_000_000 == 0 else f"{limit // 1024} KB"


def _error_page(status: int, message: str, fields=None) -> str:
    """A customer's error page speaks their language, in words for them; a marketer's keeps
    the precise English message (page_language), and inside the dashboard its frame."""
    from app import page_language  # here: it imports the services, which import this module

    if not page_language.for_customers():
        if _on_dashboard():
            page = _dashboard_error_page(status, message, fields or {})
            if page is not None:
                return page
        return render_template("error.html", status=status, message=message, locale="en")
    # A customer's: the plain sheet of the survey pages, without the links to this
    # instance's own home page and API docs that the developers' frame has.
    locale = page_language.request_locale()
    return render_template(
        "channels/message.html",
        locale=locale,
        title=page_language.error_title(locale, status),
        body=page_language.error_message(locale, status),
    )


def _on_dashboard() -> bool:
    return request.path == "/dashboard" or request.path.startswith("/dashboard/")


def _dashboard_error_page(status: int, message: str, fields: dict) -> str | None:
    """The error inside the dashboard's navigation, with the fields at fault and a way back;
    None when nobody is logged in (or the frame cannot be drawn: the plain page then)."""
    try:
        if not current_user.is_authenticated:
            return None
        context = {}
        if request.url_rule is None:
            # No route matched (a 404 or 405 before any view): the dashboard blueprint's
            # context processor, which gives the frame its extra menu items, did not run.
            from app.dashboard.helpers import extra_nav

            context["dashboard_extra_nav"] = extra_nav(current_user)
        return render_template(
            "error.html",
            status=status,
            message=message,
            locale="en",
            dashboard=True,
            problems=_problems(fields),
            without_bad=_without_bad_parameters(fields),
            **context,
        )
    except Exception:  # the error page must not fail in turn (e.g. the database is down)
        current_app.logger.exception("the dashboard's error page could not be drawn")
        from app.extensions import db  # here: app.extensions imports this module

        db.session.rollback()
        return None


def _problems(fields: dict) -> list[dict]:
    """Each field at fault with its messages, and the value the query string gave it."""
    return [
        {
            "name": name,
            "messages": messages if isinstance(messages, list) else [messages],
            "value": request.args.get(name),
        }
        for name, messages in fields.items()
    ]


def _without_bad_parameters(fields: dict) -> dict | None:
    """For a GET whose query string failed: the same page without the failing parameters."""
    if request.method != "GET":
        return None
    bad = {name.split(".")[0] for name in fields} & set(request.args)
    if not bad:
        return None
    kept = [(key, value) for key, value in request.args.items(multi=True) if key not in bad]
    url = request.path + ("?" + urlencode(kept) if kept else "")
    return {"url": url, "dropped": sorted(bad)}


class PhasewiseApi(Api):
    """flask-smorest, answering its errors in the Phasewise error shape, and documenting that
    shape (not its own) as every operation's error response in the OpenAPI."""

    ERROR_SCHEMA = ErrorOut

    def handle_http_exception(self, error):
        return render_error(error)

    def _init_spec(self, **options):
        super()._init_spec(**options)
        self.ma_plugin.converter.add_attribute_function(_lengths)
        plugin = _EveryOperationsErrors()
        plugin.init_spec(self.spec)
        self.spec.plugins.append(plugin)


# The error shape's component, by reference: this runs after the marshmallow plugin has
# turned schemas into references, so a schema class here would be left unresolved.
ERROR_BODY = {"schema": {"$ref": "#/components/schemas/ErrorOut"}}


class _EveryOperationsErrors(BasePlugin):
    """The refusals every operation of /api/v1 can give, each by name: a generated client saw
    401, 413 and 415 only as "default". Every operation needs a key (api.auth.protect); one
    that takes a body refuses one that is not JSON or over the size limit."""

    BODY = {
        "413": "The body is over 64 KB (1 MB for the batches)",
        "415": "The body is not JSON",
    }

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            named = {"401": "No API key, or not a live one"}
            if "requestBody" in operation:
                named |= self.BODY
            for status, description in named.items():
                operation["responses"].setdefault(
                    status,
                    {"description": description, "content": {"application/json": ERROR_BODY}},
                )


def _lengths(converter, field, ret, **kwargs) -> dict:
    """The lengths the server checks, as the OpenAPI can say them. apispec reads a Length
    only among a field's own validators, not inside validate.And (a name's 1–120, an external
    id's 1–128 went undocumented), and writes minLength/maxLength for a dict, where they mean
    nothing ("answers": {} passed the schema): a dict's Length bounds its keys."""
    for validator in field.validators:
        if isinstance(validator, validate.And):
            for inner in validator.validators:
                if isinstance(inner, validate.Length) and inner.equal is None:
                    if inner.min is not None:
                        ret.setdefault("minLength", inner.min)
                    if inner.max is not None:
                        ret.setdefault("maxLength", inner.max)
    if isinstance(field, marshmallow_fields.Dict):
        for text, keys in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
            if text in ret:
                ret[keys] = ret.pop(text)
    return {}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(Exception)
    def unhandled(exc):  # pragma: no cover - the last line of defence
        if isinstance(exc, HTTPException):
            return render_error(exc)
        from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

        # A row this request refers to (a survey, a phase, a customer) was deleted by another
        # request while this one waited for its lock: PostgreSQL refuses the INSERT. Not the
        # request's fault nor the server's; tried again, it gets the 404 or 422 of what is gone.
        gone = isinstance(exc, IntegrityError) and _foreign_key_refused(exc)
        # The database's trouble, not the request's: a restart, a lost connection, a deadlock
        # or serialization failure PostgreSQL broke by failing this transaction. Its work was
        # rolled back (or, for a lost commit, cannot be known): a 503 to try again shortly, as
        # intake answers, rather than a 500 that says the request itself was wrong.
        unavailable = isinstance(exc, OperationalError | InterfaceError)
        if unavailable or gone:
            app.logger.warning(
                "%s: %s",
                "deleted meanwhile" if gone else "database unavailable",
                exc.__class__.__name__,
                exc_info=exc,
            )
        else:
            app.logger.exception("unhandled error")
        # The failure may have left the request's transaction aborted; the error page reads
        # the database too (the dashboard's navigation), so it starts a fresh one.
        from app.extensions import db  # here: app.extensions imports this module

        try:
            db.session.rollback()
        except (OperationalError, InterfaceError):
            db.session.remove()  # the connection is gone: the pool makes a new one later
        if gone:
            return render_error(
                AppError(
                    409,
                    "something this request refers to was deleted while it was handled; "
                    "nothing was stored",
                    code="deleted_meanwhile",
                )
            )
        if unavailable:
            return render_error(
                AppError(
                    503,
                    "the database is not available at the moment; try again shortly",
                    code="unavailable",
                    headers={"Retry-After": "1"},
                )
            )
        return render_error(InternalServerError())


def _foreign_key_refused(exc) -> bool:
    """Whether the database refused a row for a foreign key (PostgreSQL's SQLSTATE 23503;
    SQLite's message, where foreign keys are enforced)."""
    state = getattr(exc.orig, "sqlstate", None)
    return state == "23503" or (state is None and "FOREIGN KEY constraint" in str(exc.orig))
