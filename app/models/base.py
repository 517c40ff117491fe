"""Column helpers shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import JSON, text
from sqlalchemy.dialects.postgresql import JSONB

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# A unique index over the rows an API client keyed (Idempotency-Key): the others, nearly all
# of a large table, have none, and an index of them only costs its build and every INSERT.
KEYED_ONLY = {
    "postgresql_where": text("idempotency_key IS NOT NULL"),
    "sqlite_where": text("idempotency_key IS NOT NULL"),
}
