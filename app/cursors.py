"""Keyset cursors of newest-first lists: the (moment, id) of a page's last row, as an opaque
URL-safe text the next page starts after. The written answers and the customer lookup's lists
page this way, so page 500 costs what page 1 costs."""

import base64
import binascii
from datetime import datetime

from app import ids, timestamps
from app.errors import AppError


def encode(moment: datetime | None, ident: int, kind: str) -> str:
    """`kind` tells one list's cursors from another's: one pasted into another is refused."""
    raw = f"{kind}:{moment.isoformat() if moment else ''}:{ident}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kind: str, field: str = "cursor") -> tuple[datetime | None, int]:
    """(moment, id); a stale or made-up cursor is a 422 naming `field`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, rest = text.split(":", 1)
        stamp, _, ident = rest.rpartition(":")
        if found != kind:
            raise ValueError(found)
        moment = timestamps.naive_utc(datetime.fromisoformat(stamp)) if stamp else None
        return moment, ids.checked(int(ident))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise AppError(422, "the cursor is not valid", fields={field: ["invalid"]}) from exc
