"""Named locks shared by every process on one PostgreSQL or MariaDB store.

A PostgreSQL session-level advisory lock, like a MariaDB `GET_LOCK` lock, belongs to one
connection: it is released when the holder unlocks it or when its connection ends,
however the process ended (SIGKILL included). That makes it three tools at once:

- `exclusive(name)`: mutual exclusion around a read-modify-write; `exclusive_all(names)`
  takes several at once on one connection, in one global order (the billing book locks
  every contract a step touches), so two holders never wait on each other;
- `HeldLock`: a lock held for a process's lifetime — the scheduler's leadership, and a
  worker's "I am alive" under its executor id;
- `HeldLock.is_free(name)`: whether a process holding `name` is still alive.

On SQLite (the embedded default, one process) the same calls use in-process locks.
MariaDB's lock names are server-wide, so each is qualified by the store's database; a
server that refuses `GET_LOCK` (a Galera cluster) raises `LockUnavailable`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.tables import MARIADB

_WAIT_SECONDS = 365 * 24 * 3600
"""How long a MariaDB `GET_LOCK` waits: for ever, as `pg_advisory_lock` does (MariaDB
takes no negative timeout)."""
_local_locks: dict[str, threading.RLock] = {}
_local_guard = threading.Lock()
_held = threading.local()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (advisory locks take a bigint)."""
    digest = hashlib.blake2b(f"accord:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class LockUnavailable(RuntimeError):
    """The store gave no named lock: Accord cannot keep two processes apart on it."""


def _is_shared(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql" or engine.dialect.name in MARIADB


def _mariadb_name(conn: sa.Connection, name: str) -> str:
    qualified = f"{conn.engine.url.database}:{name}"
    return "accord:" + hashlib.blake2b(qualified.encode(), digest_size=16).hexdigest()


def _get_lock(conn: sa.Connection, name: str, wait: float) -> bool:
    try:
        taken = conn.execute(
            sa.text("SELECT GET_LOCK(:name, :wait)"),
            {"name": _mariadb_name(conn, name), "wait": wait},
        ).scalar()
    except sa.exc.DBAPIError as error:
        raise LockUnavailable(
            f"MariaDB refused GET_LOCK for {name!r} ({error.orig}): Accord needs named "
            "locks to keep its writers apart; a Galera cluster has none, use one server"
        ) from error
    if taken is None:
        raise LockUnavailable(
            f"MariaDB's GET_LOCK for {name!r} answered NULL: the wait was interrupted "
            "(max_statement_time, KILL) or the server failed"
        )
    return bool(taken)


def _lock(conn: sa.Connection, name: str) -> None:
    """Wait for `name` on `conn` (an AUTOCOMMIT connection of a shared store)."""
    if conn.dialect.name in MARIADB:
        if not _get_lock(conn, name, _WAIT_SECONDS):
            raise LockUnavailable(f"waited {_WAIT_SECONDS} s for the lock {name!r}")
        return
    conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(name)})


def _try_lock(conn: sa.Connection, name: str) -> bool:
    """Take `name` on `conn` if nobody holds it."""
    if conn.dialect.name in MARIADB:
        return _get_lock(conn, name, 0)
    key = lock_key(name)
    return bool(
        conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
    )


def _unlock(conn: sa.Connection, name: str) -> None:
    if conn.dialect.name in MARIADB:
        conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": _mariadb_name(conn, name)})
        return
    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})


def _local(name: str) -> threading.RLock:
    with _local_guard:
        return _local_locks.setdefault(name, threading.RLock())


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold `name` across every process on the store for the block; re-entrant within
    a thread."""
    depth: dict[str, int] = getattr(_held, "depth", None) or {}
    _held.depth = depth
    if depth.get(name):
        depth[name] += 1
        try:
            yield
        finally:
            depth[name] -= 1
        return
    with _local(name), _session_lock(engine, name):
        depth[name] = 1
        try:
            yield
        finally:
            depth[name] = 0


@contextmanager
def exclusive_all(engine: Engine, names: Collection[str]) -> Iterator[None]:
    """Hold every one of `names` for the block, taken in sorted order (so holders of
    overlapping sets cannot deadlock) on one connection; re-entrant within a thread like
    `exclusive`."""
    depth: dict[str, int] = getattr(_held, "depth", None) or {}
    _held.depth = depth
    wanted = sorted(set(names))
    fresh = [name for name in wanted if not depth.get(name)]
    with ExitStack() as stack:
        for name in fresh:
            stack.enter_context(_local(name))
        stack.enter_context(_session_locks(engine, fresh))
        for name in wanted:
            depth[name] = depth.get(name, 0) + 1
        try:
            yield
        finally:
            for name in wanted:
                depth[name] -= 1


@contextmanager
def _session_locks(engine: Engine, names: list[str]) -> Iterator[None]:
    if not _is_shared(engine) or not names:
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.dialect.name == "postgresql":
            with _postgres_locks(conn, names):
                yield
            return
        taken: list[str] = []
        try:
            for name in names:
                _lock(conn, name)
                taken.append(name)
            yield
        finally:
            for name in reversed(taken):
                _unlock(conn, name)


@contextmanager
def _postgres_locks(conn: sa.Connection, names: list[str]) -> Iterator[None]:
    try:
        conn.execute(_LOCK_ALL, {"keys": [lock_key(name) for name in names]})
        yield
    finally:
        conn.execute(_UNLOCK_ALL)


_LOCK_ALL = sa.text(
    "SELECT count(pg_advisory_lock(k)) FROM "
    "(SELECT k FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS t(k, n) ORDER BY n) AS o"
)
"""Every key in the order given, in one round trip (a month-end run locks every contract:
one statement per lock cost a round trip each, 20,000 of them for 10,000 contracts)."""
_UNLOCK_ALL = sa.text("SELECT pg_advisory_unlock_all()")
"""The block's connection holds nothing else: its own locks, whichever it got before a
failure, are released at once."""


@contextmanager
def _session_lock(engine: Engine, name: str) -> Iterator[None]:
    with _session_locks(engine, [name]):
        yield


class HeldLock:
    """A lock held on its own connection until `release()` or the process's end."""

    def __init__(self, engine: Engine, name: str) -> None:
        if not _is_shared(engine):
            raise ValueError("held locks need PostgreSQL or MariaDB (set ACCORD_DATABASE_URL)")
        self._engine = engine
        self.name = name
        self._connection: sa.Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this process holds it now."""
        if self._connection is not None:
            return True
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = _try_lock(connection, self.name)
        except LockUnavailable:
            connection.close()
            raise
        if taken:
            self._connection = connection
        else:
            connection.close()
        return bool(taken)

    def still_held(self) -> bool:
        """Whether the holding connection is alive (if it dropped, the lock is gone)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(sa.text("SELECT 1"))
        except sa.exc.DBAPIError:
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            _unlock(self._connection, self.name)
        except sa.exc.DBAPIError:
            pass  # the connection is gone, and the lock with it
        finally:
            self._connection.close()
            self._connection = None

    @staticmethod
    def is_free(engine: Engine, name: str) -> bool:
        """True if no live session holds `name` (it is taken and released at once)."""
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            taken = _try_lock(conn, name)
            if taken:
                _unlock(conn, name)
            return taken
