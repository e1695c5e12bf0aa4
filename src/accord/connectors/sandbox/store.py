"""SQLite state of one sandbox system: versioned records and an append-only event feed.

Every system keeps its objects as `records` of a kind (customer, invoice, time_entry...)
with a generated id, an optional external id (unique per kind, the upsert key), a version
that grows with each change, and `updated_at` from the simulated clock. That one shape
gives every system external-id upserts and `updated_since` paging. One connection, guarded
by a re-entrant lock: the sandbox favours determinism over throughput.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from accord.connectors.sandbox.clock import SandboxClock, format_instant

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, id TEXT NOT NULL, external_id TEXT, version INTEGER NOT NULL,
    seq INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE UNIQUE INDEX IF NOT EXISTS records_external_id ON records(kind, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_changes ON records(kind, updated_at, seq);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, occurred_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Record:
    """One stored object; `to_json` is what the HTTP APIs return."""

    kind: str
    id: str
    external_id: str | None
    version: int
    created_at: str
    updated_at: str
    deleted: bool
    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.body,
            "id": self.id,
            "external_id": self.external_id,
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


ChangeListener = Callable[[str, "Record | None", "Record"], None]


@dataclass(frozen=True)
class ChangesPage:
    """One page of a simulated API's change listing: the records and the next page's token
    (not a stream page, `accord.canonical.streams.Page`)."""

    records: list[Record]
    next_page: str | None


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    occurred_at: str
    body: dict[str, Any]


class SandboxStore:
    """Records and events of one system in SQLite (a file under `state_dir`, or memory)."""

    def __init__(self, system: str, state_dir: Path | None, clock: SandboxClock) -> None:
        self.clock = clock
        self.listeners: list[ChangeListener] = []
        self._lock = threading.RLock()
        target = ":memory:"
        if state_dir is not None:
            state_dir.mkdir(parents=True, exist_ok=True)
            target = str(state_dir / f"{system}.sqlite3")
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if state_dir is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a group of reads and writes atomically (re-entrant)."""
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def now(self) -> str:
        return format_instant(self.clock.now())

    def next_number(self, name: str) -> int:
        """The next value of a named counter (ids, document numbers), starting at 1."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO counters(name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
            return int(row["value"])

    def get(self, kind: str, record_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM records WHERE kind = ? AND id = ?", (kind, record_id)
            ).fetchone()
        return _record(row) if row else None

    def get_by_external_id(self, kind: str, external_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM records WHERE kind = ? AND external_id = ?", (kind, external_id)
            ).fetchone()
        return _record(row) if row else None

    def insert(
        self,
        kind: str,
        body: Mapping[str, Any],
        *,
        external_id: str | None = None,
        record_id: str | None = None,
    ) -> Record:
        with self.transaction():
            new_id = record_id or f"{kind}-{self.next_number('id:' + kind)}"
            now = self.now()
            self._db.execute(
                "INSERT INTO records(kind, id, external_id, version, seq, created_at, updated_at,"
                " body) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                (kind, new_id, external_id, self.next_number("seq"), now, now, _dump(body)),
            )
            record = self.get(kind, new_id)
            assert record is not None
            self._notify(kind, None, record)
        return record

    def update(
        self, kind: str, record_id: str, body: Mapping[str, Any], *, deleted: bool = False
    ) -> Record:
        """Replace a record's body; a real change bumps its version and `updated_at`."""
        with self.transaction():
            current = self.get(kind, record_id)
            if current is None:
                raise KeyError(f"{kind} {record_id} does not exist")
            if current.body == dict(body) and current.deleted == deleted:
                return current
            self._db.execute(
                "UPDATE records SET body = ?, version = version + 1, seq = ?, updated_at = ?,"
                " deleted = ? WHERE kind = ? AND id = ?",
                (_dump(body), self.next_number("seq"), self.now(), int(deleted), kind, record_id),
            )
            record = self.get(kind, record_id)
            assert record is not None
            self._notify(kind, current, record)
        return record

    def _notify(self, kind: str, previous: Record | None, current: Record) -> None:
        """Tell listeners (change feeds) about a change, inside its transaction."""
        for listener in self.listeners:
            listener(kind, previous, current)

    def upsert_external(
        self, kind: str, external_id: str, body: Mapping[str, Any]
    ) -> tuple[Record, bool]:
        """Create or replace the record with this external id; True when it was created."""
        with self.transaction():
            current = self.get_by_external_id(kind, external_id)
            if current is None:
                return self.insert(kind, body, external_id=external_id), True
            return self.update(kind, current.id, body), False

    def list_changed(
        self,
        kind: str,
        *,
        updated_since: datetime | None = None,
        page: str | None = None,
        limit: int = 100,
        where: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
    ) -> ChangesPage:
        """Records changed at or after `updated_since`, oldest change first, keyset-paged."""
        sql = ["SELECT * FROM records WHERE kind = ?"]
        params: list[Any] = [kind]
        if not include_deleted:
            sql.append("AND deleted = 0")
        if updated_since is not None:
            sql.append("AND updated_at >= ?")
            params.append(format_instant(updated_since))
        if page:
            after_time, _, after_seq = page.partition("|")
            sql.append("AND (updated_at > ? OR (updated_at = ? AND seq > ?))")
            params += [after_time, after_time, int(after_seq)]
        for name, value in (where or {}).items():
            if not name.isidentifier():
                raise ValueError(f"filter field {name!r} is not a plain field name")
            sql.append(f"AND json_extract(body, '$.{name}') = ?")
            params.append(value)
        sql.append("ORDER BY updated_at, seq LIMIT ?")
        params.append(limit + 1)
        with self._lock:
            rows = self._db.execute(" ".join(sql), params).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        token = f"{rows[-1]['updated_at']}|{rows[-1]['seq']}" if more else None
        return ChangesPage([_record(r) for r in rows], token)

    def all(self, kind: str, where: Mapping[str, Any] | None = None) -> list[Record]:
        """Every live record of a kind (for summaries and counts)."""
        records: list[Record] = []
        page: str | None = None
        while True:
            batch = self.list_changed(kind, page=page, limit=1000, where=where)
            records += batch.records
            if batch.next_page is None:
                return records
            page = batch.next_page

    def append_event(self, body: Mapping[str, Any]) -> StoredEvent:
        with self.transaction():
            now = self.now()
            cursor = self._db.execute(
                "INSERT INTO events(occurred_at, body) VALUES (?, ?)", (now, _dump(body))
            )
            assert cursor.lastrowid is not None
            return StoredEvent(cursor.lastrowid, now, dict(body))

    def events(
        self, *, after_seq: int = 0, since: str | None = None, limit: int = 1000
    ) -> list[StoredEvent]:
        """Events with a sequence above `after_seq` and a time at or after `since`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM events WHERE seq > ? AND occurred_at >= ? ORDER BY seq LIMIT ?",
                (after_seq, since or "", limit),
            ).fetchall()
        return [StoredEvent(r["seq"], r["occurred_at"], json.loads(r["body"])) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _dump(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _record(row: sqlite3.Row) -> Record:
    return Record(
        kind=row["kind"],
        id=row["id"],
        external_id=row["external_id"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted=bool(row["deleted"]),
        body=json.loads(row["body"]),
    )
