"""A simulator's records, kept in a state directory so a restarted simulator finds them.

A vendor keeps its records whatever happens to the hub, and a landscape that restarts
must find the Salesforce accounts, NetSuite invoices and idempotency keys it wrote, or a
replay would write them twice. Each simulator keeps its working set in memory, as
before, and writes every change through a `StateStore`: one SQLite file per simulator
(`<state dir>/<vendor>.sqlite3`), one row per record, so a write costs the same with a
million records as with ten. Without a directory the store lives in memory only (tests).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, key)
)
"""


class StateStore:
    """Entries (JSON values) by kind and key, in the order they were first written.

    Thread-safe. A write outside `atomically()` is committed at once; a SIGKILL loses
    nothing a client has been answered for, since a simulator answers after it writes.
    """

    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path) if path is not None else ":memory:"
        self.path = path
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    @classmethod
    def in_directory(cls, directory: Path | None, name: str) -> StateStore:
        """The store of simulator `name` in `directory`; in memory when there is none."""
        return cls(directory / f"{name}.sqlite3" if directory is not None else None)

    def put(self, kind: str, key: str, value: Any) -> None:
        """Create or replace the entry `(kind, key)` (it keeps its place in the order)."""
        text = json.dumps(value, separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT INTO entries (kind, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
                (kind, key, text),
            )

    def get(self, kind: str, key: str) -> Any:
        """The entry's value, or None when there is none."""
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def load(self, kind: str) -> dict[str, Any]:
        """Every entry of `kind` by key, in the order they were first written."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM entries WHERE kind = ? ORDER BY rowid", (kind,)
            ).fetchall()
        return {key: json.loads(value) for key, value in rows}

    def kinds(self, prefix: str = "") -> list[str]:
        """The kinds of entry held that start with `prefix`, sorted."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT kind FROM entries WHERE substr(kind, 1, ?) = ? ORDER BY kind",
                (len(prefix), prefix),
            ).fetchall()
        return [kind for (kind,) in rows]

    @contextmanager
    def atomically(self) -> Iterator[None]:
        """Writes inside are kept together or, when the block raises, not at all (as a
        Salesforce `allOrNone` request is). Other threads wait until the block ends;
        nested blocks join the outermost."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                if self._depth == 1:
                    self._db.execute("ROLLBACK")
                raise
            else:
                if self._depth == 1:
                    self._db.execute("COMMIT")
            finally:
                self._depth -= 1

    def close(self) -> None:
        with self._lock:
            self._db.close()
