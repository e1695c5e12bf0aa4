"""Small helpers shared by the SQLAlchemy adapters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from accord.adapters.tables import MARIADB, Stamp

T = TypeVar("T")


def on_mariadb(connection: sa.Connection) -> bool:
    return connection.dialect.name in MARIADB


def insert_or_skip(connection: sa.Connection, table: sa.Table, row: dict[str, Any]) -> Any:
    """An INSERT of `row` that skips it if its unique key is taken (ON CONFLICT DO
    NOTHING; INSERT IGNORE on MariaDB, a value too long refused first): its rowcount is
    1 if the row was inserted (kept for an INSERT: psycopg's is -1 unless asked)."""
    if on_mariadb(connection):
        refuse_overlong(table, list(row), [tuple(row.values())])
        statement = sa.insert(table).prefix_with("IGNORE")
    else:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).on_conflict_do_nothing()
    return statement.values(row).execution_options(preserve_rowcount=True)


def insert_or_update(
    connection: sa.Connection, table: sa.Table, keys: Sequence[str], changes: dict[str, Any]
) -> Any:
    """An INSERT that, where `keys` are taken, sets `changes` on that row instead (ON
    CONFLICT DO UPDATE; ON DUPLICATE KEY UPDATE on MariaDB)."""
    if on_mariadb(connection):
        return mysql.insert(table).on_duplicate_key_update(changes)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_update(index_elements=keys, set_=changes)


def refuse_overlong(
    table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Raise ValueError for a value longer than its VARCHAR column, before an INSERT
    IGNORE on MariaDB would store it cut short (PostgreSQL refuses it too)."""
    widths = [
        (at, name, length)
        for at, name in enumerate(columns)
        if (length := getattr(table.c[name].type, "length", None))
    ]
    for row in rows:
        for at, name, length in widths:
            if row[at] is not None and len(row[at]) > length:
                raise ValueError(f"{table.name}.{name} holds at most {length} characters")


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
    processor = Stamp.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return value if processor is None else processor(value)


def placeholders(count: int) -> str:
    return ", ".join("?" * count)
