"""The query string of every CSV download: which form of the file to write."""

from marshmallow import Schema, fields, validate

from app.services.exports import FORMS, PLAIN


class ExportQuery(Schema):
    """?format=csv (the default: comma, decimal point) or ?format=excel-nl (Excel, Dutch)."""

    format = fields.String(load_default=PLAIN, validate=validate.OneOf(list(FORMS)))
