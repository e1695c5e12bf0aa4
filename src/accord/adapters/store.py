"""The SQLAlchemy store: engine set-up for SQLite (WAL), PostgreSQL or MariaDB, and
migrations.

SQLite is the embedded default. It is tuned on connect (WAL, synchronous=NORMAL, a busy
timeout) and every write transaction starts with ``BEGIN IMMEDIATE`` so two writers
queue on the lock instead of failing on a lock upgrade halfway through a batch. A
connection that only reads (`READ_ONLY`) begins a deferred transaction instead: in WAL
mode it reads the last committed state and never waits for a writer.

A writer waits for the lock at most `BUSY_TIMEOUT_SECONDS` (an engine's `busy_timeout`);
then, as on a PostgreSQL or MariaDB lock timeout, serialization failure or deadlock, the
store raises `StoreBusy` (nothing was kept): the API answers 503 with `Retry-After`, a
flow step tries again.

MariaDB transactions run READ COMMITTED, as PostgreSQL's do: a statement sees what
committed before it, and InnoDB takes no gap locks that would deadlock concurrent
writers of different keys.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext

from accord.adapters.locks import exclusive
from accord.adapters.tables import MARIADB
from accord.application.contention import StoreBusy

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = {"accord_read_only": True}
"""Execution options for a connection that only reads (a plain deferred ``BEGIN``)."""
BUSY_TIMEOUT_SECONDS = 5.0
"""The longest a SQLite writer waits for another's lock: well under what a person or an
HTTP client waits for an answer (the old 30 s turned contention into 500s)."""
_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary result codes)
_POSTGRES_BUSY = {"55P03", "40001", "40P01"}  # lock_not_available, serialization, deadlock
_MARIADB_BUSY = {1205, 1213}  # ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK


def create_store_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine for `url`; creates the SQLite file's directory when needed. A SQLite
    writer waits `busy_timeout` seconds for another's lock before the store is busy."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() in MARIADB:
        engine = sa.create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")
    elif parsed.get_backend_name() != "sqlite":
        engine = sa.create_engine(url, pool_pre_ping=True)
    else:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        event.listen(engine, "connect", partial(_tune_sqlite, busy_timeout=busy_timeout))
        event.listen(engine, "begin", _begin_sqlite)
    event.listen(engine, "handle_error", _raise_store_busy)
    return engine


def is_busy(error: BaseException | None) -> bool:
    """Whether a driver error says a lock could not be taken in time (try again)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_BUSY
    if error is not None and type(error).__module__.startswith("pymysql"):
        return bool(error.args) and error.args[0] in _MARIADB_BUSY
    return getattr(error, "sqlstate", None) in _POSTGRES_BUSY


def _raise_store_busy(context: ExceptionContext) -> None:
    if is_busy(context.original_exception):
        raise StoreBusy(str(context.original_exception)) from context.original_exception


def _tune_sqlite(dbapi_connection: Any, _record: Any, *, busy_timeout: float) -> None:
    # Take over transaction control from the sqlite3 module so "begin" below decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    # A 32 MiB page cache (default 2 MiB) keeps the log's indexes in memory across batches.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(connection: sa.Connection) -> None:
    read_only = connection.get_execution_options().get("accord_read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


_MIGRATE = 0x61636364_6D696772  # "accdmigr": the advisory lock key of migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (safe to run on every start).

    Processes starting together (scale-out) migrate one after the other. On MariaDB,
    where every DDL statement commits, the lock is a named one held across them."""
    if engine.dialect.name in MARIADB:
        with exclusive(engine, "migrations"):
            _upgrade(engine)
    else:
        _upgrade(engine)


def _upgrade(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATE})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
