"""Text PostgreSQL cannot take is refused at the door, for every route at once.

PostgreSQL stores no NUL character (in text or JSONB) and refuses to compare with one, and a
lone UTF-16 surrogate (which JSON's "\\ud800" escape decodes to) cannot be encoded as UTF-8
at all. Either would reach the database and fail there as a 500, after some of the work was
done. So a request that carries one, in its path, query, form or JSON body, is answered
before any view runs: 404 for a path (nothing is named so), otherwise 422 naming the field.
"""

import re

from flask import request

from app import json_input
from app.errors import AppError

NUL = "\x00"
BAD = re.compile("[\x00\ud800-\udfff]")  # in decoded text, a surrogate left is a lone one
# In the raw JSON: the escapes that decode to NUL or to a surrogate (valid pairs, as ensure_ascii
# writes emoji, match too; the decoded walk below tells them apart). Cheap enough for every body.
JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
MESSAGE = "NUL characters and unpaired surrogates cannot be stored"


def bad_fields(value, path: str = "") -> list[str]:
    """The dotted paths (as in the error shape) of strings, or keys, holding such characters."""
    found = []
    if isinstance(value, str):
        if BAD.search(value):
            found.append(path or "_schema")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and BAD.search(key):
                found.append(path or "_schema")
            found += bad_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += bad_fields(item, f"{path}.{index}" if path else str(index))
    return found


def _json(raw: bytes):
    """The body decoded, or None: malformed JSON is the view's own 400."""
    try:
        return json_input.loads(raw)
    except ValueError:
        return None


def _refuse(names: list[str]) -> AppError:
    return AppError(422, MESSAGE, fields={name: [MESSAGE] for name in names})


def check_request() -> None:
    if NUL in request.path:
        raise AppError(404, "not found")
    names = [name for name, value in request.args.items(multi=True) if NUL in name + value]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json or request.mimetype == "text/plain":  # the widget's beacons
            raw = request.get_data(cache=True)
            if JSON_SUSPECT.search(raw):
                names += bad_fields(_json(raw))
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            names += [n for n, value in request.form.items(multi=True) if NUL in n + value]
    if names:
        raise _refuse(sorted(set(names)))


def init_app(app) -> None:
    app.before_request(check_request)
