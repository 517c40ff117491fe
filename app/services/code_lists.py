"""A pool of voucher codes as a marketer has one: pasted one per line, a TXT file, or a CSV
exported from the shop (Shopify, WooCommerce, Lightspeed) whose code column is named.

The file's text comes from invitation_lists.text_of (UTF-8 with or without a BOM, UTF-16,
Windows-1252; a workbook or a picture refused); the separator is sniffed as there.
"""

import csv

from app.errors import AppError
from app.services import invitation_lists

# A header naming the codes' column, as invitation_lists.header_name writes it.
HEADERS = {
    "code",
    "codes",
    "discountcode",
    "couponcode",
    "coupon",
    "vouchercode",
    "voucher",
    "kortingscode",
    "actiecode",
    "cadeaucode",
}


def read(text: str) -> tuple[list[str], int]:
    """(cells, first line): the code cell of every line from `first line` on, blank lines
    kept as "" so that cell i is on line first_line + i (loyalty.codes names bad ones so)."""
    lines = text.splitlines()
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return [], 1
    separator = invitation_lists.separator(lines[first])
    try:
        rows = list(csv.reader(lines, delimiter=separator))
    except csv.Error as error:
        raise AppError(
            422, "the list cannot be read", fields={"codes": [f"not a CSV file ({error})"]}
        ) from error
    names = [invitation_lists.header_name(cell) for cell in rows[first]]
    column = next((n for n, name in enumerate(names) if name in HEADERS), None)
    if column is not None:  # a header: the codes start under it
        first += 1
    elif len([cell for cell in rows[first] if cell.strip()]) > 1:
        raise AppError(
            422,
            "the list has more than one column",
            fields={"codes": ["name the column with the codes on the first line: code"]},
        )
    else:
        column = next(n for n, cell in enumerate(rows[first]) if cell.strip())
    cells = [row[column] if len(row) > column else "" for row in rows[first:]]
    return cells, first + 1
