"""CSV downloads for spreadsheets: streamed, as attachments, with a byte-order mark."""

from collections.abc import Iterable

from flask import Response, stream_with_context

# Excel reads a CSV without a byte-order mark in the computer's legacy code page, so
# "Oriëntatie" and "€" came out garbled on a Dutch Windows; Google Sheets, Numbers and
# LibreOffice read it either way. A program reading the file decodes it as utf-8-sig.
BOM = "\ufeff"


def csv_download(chunks: Iterable[str], filename: str) -> Response:
    def with_bom():
        yield BOM
        yield from chunks

    return Response(
        stream_with_context(with_bom()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
