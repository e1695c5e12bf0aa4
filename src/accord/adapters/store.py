"""The SQLAlchemy store: engine set-up for SQLite (WAL) or PostgreSQL, and migrations.

SQLite is the embedded default. It is tuned on connect (WAL, synchronous=NORMAL, a busy
timeout) and every write transaction starts with ``BEGIN IMMEDIATE`` so two writers
queue on the lock instead of failing on a lock upgrade halfway through a batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = {"accord_read_only": True}
"""Execution options for a connection that only reads (a plain deferred ``BEGIN``)."""


def create_store_engine(url: str) -> Engine:
    """An engine for `url`; creates the SQLite file's directory when needed."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Take over transaction control from the sqlite3 module so "begin" below decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A 32 MiB page cache (default 2 MiB) keeps the log's indexes in memory across batches.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(connection: sa.Connection) -> None:
    read_only = connection.get_execution_options().get("accord_read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


_MIGRATE = 0x61636364_6D696772  # "accdmigr": the advisory lock key of migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (safe to run on every start)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Processes starting together (scale-out) migrate one after the other.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATE})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
