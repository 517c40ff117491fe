"""CSV downloads for spreadsheets: streamed, as attachments, with a byte-order mark, in the
form `?format=` asks for (exports.FORMS); the filters of the page are the view's business."""

from collections.abc import Iterable

from flask import Response, request, stream_with_context

from app.dashboard import filters
from app.schemas.exports import ExportQuery
from app.services import exports

# Excel reads a CSV without a byte-order mark in the computer's legacy code page, so
# "Oriëntatie" and "€" came out garbled on a Dutch Windows; Google Sheets, Numbers and
# LibreOffice read it either way. A program reading the file decodes it as utf-8-sig.
BOM = "\ufeff"


def csv_download(
    chunks: exports.Table | Iterable[str], filename: str, form: str | None = None
) -> Response:
    """`chunks` as a download in the requested form (`?format=`, or `form` as a posted form
    chose it, checked by its view); 422 for an unknown `format`, before any byte is sent. A
    form other than the plain CSV needs an exports.Table (typed rows)."""
    if form is None:
        form = filters.parse(ExportQuery(), request.args)["format"]
    if form != exports.PLAIN:
        chunks = chunks.text(form)
        filename = filename.removesuffix(".csv") + f"-{form}.csv"

    def with_bom():
        yield BOM
        yield from chunks

    return Response(
        stream_with_context(with_bom()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
