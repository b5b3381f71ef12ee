"""Column types that behave the same on SQLite and PostgreSQL, and how a column's values are
seen by the database (``kind_of``) and written as JSON (``json_dumps``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out.

    PostgreSQL keeps ``timestamptz``. SQLite has no time zones: values are stored as naive UTC
    text, which sorts chronologically, and given back aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONDocument: Any = sa.JSON().with_variant(JSONB(), "postgresql")

#: Auto-incrementing 64-bit keys; on SQLite, INTEGER PRIMARY KEY is the rowid.
SequenceKey: Any = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def kind_of(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    """The column's type as the database sees it (a decorator's underlying type)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, sa.TypeDecorator) else kind
