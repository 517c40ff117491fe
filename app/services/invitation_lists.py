"""A list of customers to invite, as a marketer has one: a spreadsheet saved as CSV, or
addresses pasted one per line.

Excel writes ";" where the decimal mark is a comma (Dutch settings) and "," elsewhere, and
a UTF-8 file from it starts with a BOM; exports from shop systems carry columns of their
own. So the separator is sniffed, known columns are found by name (English or Dutch), the
others are left out and named, and a list of bare addresses needs no header at all.
"""

import csv
import io
import re

from marshmallow import ValidationError

from app.errors import AppError, flatten_fields
from app.schemas.customer import ListedCustomer

MAX_LINES = 2_000
# An uploaded file: 2,000 customers with a shop export's columns take about 150 KB. The page's
# body limit (app.uploads) adds room for the form's other fields.
MAX_BYTES = 950_000

# The column a header names, by its name lower-cased, without spaces, dashes or underscores.
COLUMNS = {
    "email": "email",
    "mail": "email",
    "emailadres": "email",
    "emailaddress": "email",
    "externalid": "external_id",
    "customerid": "external_id",
    "klantnummer": "external_id",
    "klantid": "external_id",
    "firstname": "first_name",
    "voornaam": "first_name",
    "locale": "locale",
    "language": "locale",
    "taal": "locale",
    "persona": "persona",
    "value": "value",
    "waarde": "value",
    "klantwaarde": "value",
}
_NAME_NOISE = re.compile(r"[\s_\-]+")
# An amount as Dutch writes it: points between thousands, a decimal comma ("1.250,00",
# "99,95", "1.250,-") or none ("1.250" is twelve hundred and fifty, not 1.25).
_DUTCH_AMOUNT = re.compile(r"([1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,(\d{1,2}|-))?")
_CURRENCY = re.compile(r"^(?:€|eur\b)\s*", re.IGNORECASE)
ERRORS_SHOWN = 20  # bad lines named one by one; a list wrong throughout says so once


def read(text: str) -> dict:
    """{"rows": [CustomerIn-shaped data with its "line"], "ignored": [column names left out]}.

    Raises a 422 naming every bad line ("lines.<n>.<field>"); a list is taken whole or not
    at all, so a marketer fixes the file once instead of guessing what went out."""
    numbers, records = read_records(text)
    if not records:
        raise AppError(422, "the list is empty", fields={"list": ["add at least one address"]})
    columns, ignored = header(records[0])
    if columns is None:  # no header: bare addresses, one per line
        if any(len(record) > 1 for record in records):
            raise AppError(
                422,
                "the first line must name the columns",
                fields={"list": ["name the columns on the first line: email, external_id, …"]},
            )
        columns = ["email"]
    else:
        records, numbers = records[1:], numbers[1:]
        if "email" not in columns and "external_id" not in columns:
            raise AppError(
                422,
                "the list has no email column",
                fields={"list": ["name a column email (or external_id for known customers)"]},
            )
    if len(records) > MAX_LINES:
        raise AppError(
            422,
            f"the list has more than {MAX_LINES:,} customers",
            fields={"list": [f"at most {MAX_LINES:,} customers per list; split it"]},
        )
    rows, errors = [], {}
    for number, record in zip(numbers, records, strict=True):
        data = {
            name: _cell(name, value.strip())
            for name, value in zip(columns, record, strict=False)
            if name and value.strip()
        }
        try:
            row = ListedCustomer().load(data)
        except ValidationError as error:
            for field, messages in flatten_fields(error.messages).items():
                errors[f"lines.{number}.{field}"] = messages
            continue
        rows.append({**row, "line": number})
    if errors:
        raise AppError(422, "some lines of the list are not valid", fields=_first(errors))
    if not rows:
        raise AppError(
            422, "the list names no customer", fields={"list": ["add customers under the header"]}
        )
    return {"rows": rows, "ignored": ignored}


def _first(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The errors of the first ERRORS_SHOWN bad lines, and how many more lines are bad."""
    lines = list(dict.fromkeys(key.split(".")[1] for key in errors))
    if len(lines) <= ERRORS_SHOWN:
        return errors
    shown = set(lines[:ERRORS_SHOWN])
    first = {key: value for key, value in errors.items() if key.split(".")[1] in shown}
    more = len(lines) - ERRORS_SHOWN
    return {**first, "list": [f"{more} more lines are not valid either; the first are shown"]}


def read_records(text: str, field: str = "list") -> tuple[list[int], list[list[str]]]:
    """The list's records and the line each starts on, blank lines left out. Read as a file,
    not line by line: Excel quotes a cell with a line break in it (an address, a note).

    Also how an imported review file is read (services.review_import); `field` names the
    form field an error is about."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(first))
    numbers, records, read_to = [], [], 0
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                numbers.append(read_to + 1)
                records.append(record)
            read_to = reader.line_num
    except csv.Error as error:  # an unclosed quote that runs to the end, a cell over 128 KB
        raise AppError(
            422,
            "the list cannot be read as CSV",
            fields={field: [f"line {read_to + 1} and after cannot be read as CSV ({error})"]},
        ) from error
    return numbers, records


def text_of(raw: bytes, field: str = "list", max_bytes: int = MAX_BYTES) -> str:
    """An uploaded file's text: UTF-8 (Excel's "CSV UTF-8" starts with a BOM), UTF-16 with its
    BOM (Excel's "Unicode text"), else Windows-1252, what Excel's plain "CSV" saves on a Dutch
    Windows ("Oriëntatie" would otherwise come out as "Ori�ntatie"). A file over MAX_BYTES is
    a 413; one that is no text at all (a workbook, .xlsx, is a zip; a picture) a 422."""
    if len(raw) > max_bytes:
        too_big = f"the file is larger than {max_bytes // 1000} KB; split it"
        raise AppError(413, "the file is too large", fields={field: [too_big]})
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    if raw.startswith(b"PK\x03\x04") or b"\x00" in raw:
        not_text = "this is not a CSV file: in Excel, choose Save as → CSV"
        raise AppError(422, "the file is not a CSV file", fields={field: [not_text]})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def separator(first_line: str) -> str:
    counts = {separator: first_line.count(separator) for separator in (";", "\t", ",")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def header_name(cell: str) -> str:
    """A header cell as the column tables name it: lower-cased, without spaces, dashes or
    underscores ("E-mail adres" is "emailadres")."""
    return _NAME_NOISE.sub("", cell.strip().lower())


def header(
    record: list[str], columns: dict[str, str] = COLUMNS
) -> tuple[list[str | None] | None, list[str]]:
    """The field each column fills (None: left out) and the names left out; (None, []) when
    the first line is data, not names. `columns`: the names known, lower-cased without
    spaces, dashes or underscores (a review import has its own)."""
    names = [header_name(cell) for cell in record]
    if not any(name in columns for name in names):
        return None, []
    fields, seen, ignored = [], set(), []
    for cell, name in zip(record, names, strict=True):
        field = columns.get(name)
        if field is None or field in seen:  # a second "email" column is left out too
            fields.append(None)
            if cell.strip():
                ignored.append(cell.strip())
            continue
        seen.add(field)
        fields.append(field)
    return fields, ignored


def _cell(name: str, value: str) -> str:
    if name == "locale":
        return value.lower()  # "NL" is as clear as "nl"
    if name != "value":
        return value
    value = _CURRENCY.sub("", value)
    amount = _DUTCH_AMOUNT.fullmatch(value)
    if not amount:
        return value  # "1250.50" as written; anything else for the schema to refuse
    whole, cents = amount.group(1).replace(".", ""), amount.group(2)
    return f"{whole}.{cents}" if cents and cents != "-" else whole
