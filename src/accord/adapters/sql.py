"""Small helpers shared by the SQLAlchemy adapters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

_STAMP = sa.DateTime(timezone=True)


def upsert_insert(connection: sa.Connection, table: sa.Table) -> Any:
    """The dialect's INSERT that supports ON CONFLICT (SQLite and PostgreSQL share it)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def driver_sql(connection: sa.Connection, statement: str) -> str:
    """`statement` written with `?` placeholders, in the driver's parameter style.

    The hot statements of ingest and apply go straight to the DBAPI driver: SQLAlchemy's
    per-row parameter processing would otherwise cost more than the database work.
    """
    if connection.dialect.paramstyle == "qmark":
        return statement
    return statement.replace("?", "%s")


def execute_many(connection: sa.Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Run `statement` (`?` placeholders) once per row; returns the rows it changed."""
    if not rows:
        return 0
    result = connection.exec_driver_sql(driver_sql(connection, statement), list(rows))
    return int(result.rowcount)


def fetch_all(
    connection: sa.Connection, statement: str, parameters: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Rows of `statement` (`?` placeholders) as plain tuples, straight from the driver,
    in the connection's open transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(driver_sql(connection, statement), tuple(parameters))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def stamp(connection: sa.Connection, value: datetime) -> Any:
    """`value` as the driver stores a timezone-aware DateTime column (text on SQLite)."""
    processor = _STAMP.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return value if processor is None else processor(value)


def placeholders(count: int) -> str:
    return ", ".join("?" * count)
