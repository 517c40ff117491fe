"""HTML forms in, API-shaped data out: the dashboard validates with the API's own schemas.

Inputs are named after the API's field paths ("phases.0.hypothesis.nps"), so a form becomes
the same JSON the API takes, and each validation error lands next to its input.
"""

import re
from decimal import Decimal

from marshmallow import ValidationError, fields

from app.errors import AppError, flatten_fields
from app.schemas.common import StrictBoolean

_INDEX = re.compile(r"^\d+$")


def _clash(name: str) -> AppError:
    """Our forms never send "a" beside "a.b"; a hand-made request may (one value, or a group?)."""
    return AppError(422, "these form fields do not fit together", fields={name: ["clashes"]})


# The API's fractions (0 to 1) that a form asks for as percentages, as the map shows them: a
# marketer who expects 60 % conversion types 60, not 0.6.
PERCENT_FIELDS = ("hypothesis.conversion",)
PERCENT_MESSAGE = ["a percentage from 0 to 100"]
_PERCENT = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*%?")


def _fraction(value: str) -> str:
    """ "60", "60,5" or "60 %" as the fraction the API takes; anything else as typed, for the
    schema to refuse (its message is then PERCENT_MESSAGE)."""
    found = _PERCENT.fullmatch(value)
    if not found:
        return value
    # in decimal, so 33.3 % is 0.333 and not the float 0.33299999999999996
    return str(Decimal(found.group(1).replace(",", ".")) / 100)


class FormData:
    """A form turned into nested data, remembering where compacted list rows came from.

    An empty field is left out, which the services read as "keep"; a name in `clearable`
    (a top-level field that may be taken away, a brand's reply address) emptied is None."""

    def __init__(self, form, skip=("csrf_token",), clearable=()):
        self.remap: dict[tuple, dict[int, int]] = {}
        tree: dict = {}
        for name in form:
            if name in skip:
                continue
            values = [value.strip() for value in form.getlist(name)]
            value = values[-1] if values else ""
            if name.endswith(PERCENT_FIELDS):
                value = _fraction(value)
            node = tree
            *parents, leaf = name.split(".")
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise _clash(name)
            if isinstance(node.get(leaf), dict):
                raise _clash(name)
            node[leaf] = value
        self.data = self._clean(tree, ())
        for name in clearable:
            if name in form and not form[name].strip():
                self.data[name] = None

    def _clean(self, node, path: tuple):
        if not isinstance(node, dict):
            return node if node != "" else None
        if node and all(_INDEX.match(key) for key in node):
            items, mapping = [], {}
            for key in sorted(node, key=int):
                item = self._clean(node[key], (*path, key))
                if item not in (None, {}, []):
                    mapping[len(items)] = int(key)
                    items.append(item)
            self.remap[path] = mapping
            return items
        cleaned = {}
        for key, value in node.items():
            item = self._clean(value, (*path, key))
            if item not in (None, {}, []):
                cleaned[key] = item
        return cleaned

    def field_name(self, error_key: str) -> str:
        """An error path of the compacted data, back in the form's input names."""
        parts = error_key.split(".")
        out: list[str] = []
        for part in parts:
            mapping = self.remap.get(tuple(out))
            if mapping is not None and _INDEX.match(part):
                part = str(mapping.get(int(part), int(part)))
            out.append(part)
        return ".".join(out)

    def errors(self, fields: dict) -> dict[str, list[str]]:
        return {
            self.field_name(key): PERCENT_MESSAGE if key.endswith(PERCENT_FIELDS) else value
            for key, value in (fields or {}).items()
        }


CHECKED, UNCHECKED = {"on", "true", "1", "yes"}, {"off", "false", "0", "no"}
DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
WHOLE = re.compile(r"-?[0-9]{1,9}")  # ASCII digits: "²" and "①" are digits to str.isdigit


def _json_types(schema, data) -> None:
    """A form sends text; the API's schemas take JSON's types only. A ticked box sends "on" (a
    select "1" or "0") where the schema has a boolean, and digits where it has a strict
    integer: turned into true/false and numbers in place; a decimal comma becomes a point.
    Anything else stays a string, for the schema to refuse."""
    if not isinstance(data, dict):
        return
    for name, field in schema.fields.items():
        key = field.data_key or name
        value = data.get(key)
        if isinstance(field, StrictBoolean) and isinstance(value, str):
            if value.lower() in CHECKED | UNCHECKED:
                data[key] = value.lower() in CHECKED
        elif isinstance(field, fields.Integer) and field.strict and isinstance(value, str):
            # signed, so that "-3" meets the field's range ("0 to 3650"), not "not an integer"
            if WHOLE.fullmatch(value):
                data[key] = int(value)
        elif isinstance(field, fields.Float) and isinstance(value, str):
            # Dutch writes a decimal comma: "4,5" is 4.5 (the fields take no thousands)
            if DECIMAL_COMMA.fullmatch(value):
                data[key] = value.replace(",", ".")
        elif isinstance(field, fields.Nested):
            _json_types(field.schema, value)
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            for item in value if isinstance(value, list) else []:
                _json_types(field.inner.schema, item)


def validate(schema, form_data: FormData) -> tuple[dict | None, dict[str, list[str]]]:
    """(loaded data, {}) or (None, errors by input name)."""
    _json_types(schema, form_data.data)
    try:
        return schema.load(form_data.data), {}
    except ValidationError as error:
        return None, form_data.errors(flatten_fields(error.messages))


def service_errors(error: AppError, form_data: FormData | None = None) -> dict[str, list[str]]:
    fields = error.fields or {"_schema": [error.description]}
    if "_schema" not in fields:
        fields = {**fields, "_schema": [error.description]}
    return form_data.errors(fields) if form_data else fields


def parse_options(text: str | None, locale: str = "nl") -> list[dict] | None:
    """Choice options, one per line: "key | Dutch label | English label", either label
    optional; a bare key is its own label in the survey's language (`locale`)."""
    if not text:
        return None
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key, *labels = (part.strip() for part in line.split("|"))
        label = {code: text for code, text in zip(("nl", "en"), labels, strict=False) if text}
        options.append({"key": key, "label": label or {locale: key}})
    return options


def options_text(options) -> str:
    lines = []
    for option in options or []:
        label = option.get("label") or {}
        parts = [option["key"], label.get("nl", "")]
        if label.get("en"):
            parts.append(label["en"])
        lines.append(" | ".join(parts))
    return "\n".join(lines)
