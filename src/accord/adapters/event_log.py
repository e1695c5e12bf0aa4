"""SQLAlchemy event log: inbound events, applied business objects and worker checkpoints.

Ingest and apply are throughput-bound, so their hot statements (append, claim, version
lookup, upsert, status update) go to the DBAPI driver's `executemany` with plain tuples;
the rest is SQLAlchemy Core. See docs/event-log.md for where the time goes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import from_json, to_json

from accord.adapters.sql import (
    chunks,
    execute_many,
    fetch_all,
    insert_or_update,
    on_mariadb,
    placeholders,
    refuse_overlong,
    stamp,
)
from accord.adapters.tables import (
    apply_sequence,
    business_objects,
    inbound_events,
    worker_checkpoints,
)
from accord.application.ports import (
    BusinessObject,
    EventOutcome,
    EventStatus,
    InboundEvent,
    PendingEvent,
    QuarantinedDelivery,
)

_KEY_CHUNK = 900
_PAIR_CHUNK = 400
_STATUS_TEXT = {status: status.value for status in EventStatus}
"""Looked up per row: `Enum.value` is a descriptor call, measurable at 200,000 rows."""
_APPLY_SEQUENCE_ROW = 1
_CLAIM = (
    "SELECT seq, source, event_id, type, subject, business_kind, business_key, "
    "business_version, data, refs FROM inbound_events WHERE status = ? ORDER BY seq LIMIT ?"
)
"""The worker reads what ingest read from the validated record, never the payload."""
_PENDING_BEFORE = "SELECT 1 FROM inbound_events WHERE status = ? AND seq < ? LIMIT 1"
_EVENT_COLUMNS = (
    "source, event_id, type, subject, business_kind, business_key, business_version, "
    "status, reason, payload, data, refs, received_at"
)
_INTO_EVENTS = f"INTO inbound_events ({_EVENT_COLUMNS}) VALUES ({placeholders(13)})"
_APPEND = (
    f"INSERT {_INTO_EVENTS} ON CONFLICT (source, event_id) WHERE status <> 'superseded' DO NOTHING"
)
_APPEND_MARIADB = f"INSERT IGNORE {_INTO_EVENTS}"
"""MariaDB's unique index is on `live_key`, the pair's hash while the event stands
(migration 0008); IGNORE skips a duplicate as ON CONFLICT DO NOTHING does."""
_DONE = "data = NULL, refs = NULL"
"""A processed event's data and references were the worker's input only: they go, the
payload stays (so the log keeps one copy of each record, as delivered)."""
_MARK_APPLIED = (
    f"UPDATE inbound_events SET status = ?, reason = NULL, processed_at = ?, {_DONE} "
    "WHERE seq BETWEEN ? AND ?"
)
_MARK_OTHER = (
    f"UPDATE inbound_events SET status = ?, reason = ?, processed_at = ?, {_DONE} WHERE seq = ?"
)
_QUARANTINED_SQLITE = (
    "SELECT e.seq, e.source, e.event_id FROM wanted CROSS JOIN inbound_events AS e "
    "ON e.source = wanted.source AND e.event_id = wanted.event_id "
    "AND e.status <> 'superseded' WHERE +e.status = 'quarantined'"
)
_QUARANTINED_PG = (
    "SELECT e.seq, e.source, e.event_id "
    "FROM unnest(?::text[], ?::text[]) AS wanted (source, event_id) "
    "JOIN inbound_events AS e ON e.source = wanted.source AND e.event_id = wanted.event_id "
    "WHERE e.status = 'quarantined' AND e.status <> 'superseded' FOR UPDATE OF e"
)
_QUARANTINED_MARIADB = (
    "SELECT seq, source, event_id FROM inbound_events "
    "WHERE (source, event_id) IN ({pairs}) AND status = 'quarantined' FOR UPDATE"
)
"""Quarantined deliveries among some `(source, event_id)`, looked up one by one in the
unique index (MariaDB: the pair's prefix index): `status <> 'superseded'` is spelled
out so the planner sees the partial index applies, and SQLite's `+status` keeps it off
the status index (which would read every quarantined row of the log)."""
_QUARANTINED_ONE = (
    "SELECT source, event_id, type, subject, business_kind, business_key, "
    "business_version, status, reason, payload FROM inbound_events "
    "WHERE source = ? AND event_id = ? AND status = 'quarantined'"
)
_MARK_SUPERSEDED = "UPDATE inbound_events SET status = 'superseded', processed_at = ? WHERE seq = ?"
_VERSIONS = "SELECT {key}, version FROM business_objects WHERE kind = ? AND {key} IN"
"""`key` is a reserved word on MariaDB: the dialect quotes it."""
_VERSIONS_PG = (
    "SELECT b.key, b.version FROM unnest(?::text[]) AS wanted (key) "
    "JOIN business_objects AS b ON b.key = wanted.key AND b.kind = ?"
)
_UPSERT = (
    "INSERT INTO business_objects (kind, key, version, data, source_seq, applied_seq, "
    f"updated_at) VALUES ({placeholders(7)}) ON CONFLICT (kind, key) DO UPDATE SET "
    "version = excluded.version, data = excluded.data, source_seq = excluded.source_seq, "
    "applied_seq = excluded.applied_seq, updated_at = excluded.updated_at "
    "WHERE business_objects.version <= excluded.version"
)
_NEWER = "version <= VALUES(version)"
_UPSERT_MARIADB = (
    "INSERT INTO business_objects (kind, `key`, version, data, source_seq, applied_seq, "
    f"updated_at) VALUES ({placeholders(7)}) ON DUPLICATE KEY UPDATE "
    + ", ".join(
        f"{name} = IF({_NEWER}, VALUES({name}), {name})"
        for name in ("data", "source_seq", "applied_seq", "updated_at", "version")
    )
)
"""`version` is assigned last: MariaDB evaluates the assignments in order, so the ones
before it still compare with the stored version."""


class SqlAlchemyEventLog:
    """`InboundEventLog` on one open transaction."""

    def __init__(self, connection: sa.Connection, received_at: datetime) -> None:
        self._connection = connection
        self._received_at = received_at

    def _rows(self, events: Sequence[InboundEvent]) -> list[tuple[Any, ...]]:
        at = stamp(self._connection, self._received_at)
        return [
            (
                e.source,
                e.event_id,
                e.type,
                e.subject,
                e.business_kind,
                e.business_key,
                e.business_version,
                _STATUS_TEXT[e.status],
                e.reason,
                e.payload,
                e.data,
                encode_references(e.references),
                at,
            )
            for e in events
        ]

    def _append(self, rows: Sequence[tuple[Any, ...]]) -> int:
        if not on_mariadb(self._connection):
            return execute_many(self._connection, _APPEND, rows)
        refuse_overlong(inbound_events, _EVENT_COLUMNS.split(", "), rows)
        return execute_many(self._connection, _APPEND_MARIADB, rows)

    def append(self, events: Sequence[InboundEvent]) -> int:
        return self._append(self._rows(events))

    def append_quarantined(self, events: Sequence[InboundEvent]) -> list[InboundEvent]:
        new = []
        for event, row in zip(events, self._rows(events), strict=True):
            # One at a time: which were new matters here, and rejects are rare.
            if self._append([row]):
                new.append(event)
        return new

    def supersede_quarantined(
        self, events: Sequence[InboundEvent], at: datetime
    ) -> list[QuarantinedDelivery]:
        pairs = list({(e.source, e.event_id) for e in events})
        if self._connection.dialect.name == "postgresql":
            sources, ids = [p[0] for p in pairs], [p[1] for p in pairs]
            rows = fetch_all(self._connection, _QUARANTINED_PG, (sources, ids))
        elif on_mariadb(self._connection):
            rows = []
            for part in chunks(pairs, _PAIR_CHUNK):
                statement = _QUARANTINED_MARIADB.format(pairs=", ".join(["(?, ?)"] * len(part)))
                rows += fetch_all(self._connection, statement, [v for p in part for v in p])
        else:
            rows = []
            for part in chunks(pairs, _PAIR_CHUNK):
                wanted = ", ".join(["(?, ?)"] * len(part))
                statement = f"WITH wanted (source, event_id) AS (VALUES {wanted}) "
                statement += _QUARANTINED_SQLITE
                rows += fetch_all(self._connection, statement, [v for p in part for v in p])
        found = [QuarantinedDelivery(*row) for row in rows]
        when = stamp(self._connection, at)
        execute_many(self._connection, _MARK_SUPERSEDED, [(when, q.seq) for q in found])
        return found

    def claim_pending(self, limit: int) -> list[PendingEvent]:
        lock = " FOR UPDATE SKIP LOCKED" if self._connection.dialect.name != "sqlite" else ""
        rows = fetch_all(self._connection, _CLAIM + lock, (EventStatus.PENDING.value, limit))
        return [PendingEvent._make((*row[:-1], decode_references(row[-1]))) for row in rows]

    def pending_before(self, seq: int) -> bool:
        found = fetch_all(self._connection, _PENDING_BEFORE, (EventStatus.PENDING.value, seq))
        return bool(found)

    def record_outcomes(
        self, applied: Sequence[int], others: Sequence[EventOutcome], at: datetime
    ) -> None:
        when = stamp(self._connection, at)
        runs = [(EventStatus.APPLIED.value, when, lo, hi) for lo, hi in _runs(applied)]
        execute_many(self._connection, _MARK_APPLIED, runs)
        execute_many(
            self._connection,
            _MARK_OTHER,
            [(o.status.value, o.reason, when, o.seq) for o in others],
        )

    def quarantined(self, source: str, event_id: str) -> InboundEvent | None:
        rows = fetch_all(self._connection, _QUARANTINED_ONE, (source, event_id))
        if not rows:
            return None
        source, event_id, kind, subject, b_kind, b_key, b_version, status, reason, payload = rows[0]
        return InboundEvent(
            source, event_id, kind, payload, subject, b_kind, b_key, b_version,
            EventStatus(status), reason,
        )  # fmt: skip


def encode_references(references: Sequence[str | None]) -> str | None:
    """The keys an event names as the log stores them: a JSON array, NULL for none
    (most kinds name nothing)."""
    return to_json(references).decode() if references else None


def decode_references(stored: str | None) -> list[str | None]:
    """The keys `encode_references` stored: a few identifiers, not the record."""
    return [] if stored is None else list(from_json(stored))


def _runs(seqs: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted `seqs` as (first, last), so a batch claimed without
    gaps is marked by one statement, and a row outside `seqs` is never touched."""
    runs: list[tuple[int, int]] = []
    for seq in sorted(seqs):
        if runs and runs[-1][1] == seq - 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs


class SqlAlchemyBusinessObjects:
    """`BusinessObjects`: the applied current state, one row per (kind, key)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._last_applied: int | None = None

    def versions(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        by_kind: dict[str, list[str]] = {}
        for kind, key in keys:
            by_kind.setdefault(kind, []).append(key)
        found: dict[tuple[str, str], str] = {}
        for kind, names in by_kind.items():
            if self._connection.dialect.name == "postgresql":
                # A join with the array, not `key IN (...)`: during a bulk load the
                # statistics are stale and the planner would filter every row by the list.
                rows = fetch_all(self._connection, _VERSIONS_PG, (names, kind))
            else:
                rows = []
                key = self._connection.dialect.identifier_preparer.quote("key")
                for part in chunks(names, _KEY_CHUNK):
                    statement = f"{_VERSIONS.format(key=key)} ({placeholders(len(part))})"
                    rows += fetch_all(self._connection, statement, (kind, *part))
            found.update(((kind, key), version) for key, version in rows)
        return found

    def lock_applying(self) -> None:
        self._last_applied = _lock_apply_sequence(self._connection)

    def upsert(self, objects: Sequence[BusinessObject], at: datetime) -> None:
        if self._last_applied is None:
            raise RuntimeError("call lock_applying() before upsert() in the same transaction")
        if not objects:
            return
        when = stamp(self._connection, at)
        first = self._last_applied + 1
        rows = [
            (o.kind, o.key, o.version, o.data, o.source_seq, first + n, when)
            for n, o in enumerate(objects)
        ]
        upsert = _UPSERT_MARIADB if on_mariadb(self._connection) else _UPSERT
        execute_many(self._connection, upsert, rows)
        self._last_applied += len(objects)
        self._connection.execute(
            sa.update(apply_sequence)
            .where(apply_sequence.c.id == _APPLY_SEQUENCE_ROW)
            .values(last_value=self._last_applied)
        )

    def get(self, kind: str, key: str) -> BusinessObject | None:
        table = business_objects.c
        row = self._connection.execute(
            sa.select(
                table.kind,
                table.key,
                table.version,
                table.data,
                table.source_seq,
                table.applied_seq,
            ).where(table.kind == kind, table.key == key)
        ).first()
        return None if row is None else BusinessObject(*row)

    def count(self, kind: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(business_objects)
        if kind is not None:
            query = query.where(business_objects.c.kind == kind)
        return int(self._connection.execute(query).scalar_one())


def _lock_apply_sequence(connection: sa.Connection) -> int:
    """Lock the apply sequence until commit and return its last value. On SQLite the
    write transaction (`BEGIN IMMEDIATE`) already excludes every other writer."""
    query = sa.select(apply_sequence.c.last_value).where(apply_sequence.c.id == _APPLY_SEQUENCE_ROW)
    if connection.dialect.name != "sqlite":
        query = query.with_for_update()
    return int(connection.execute(query).scalar_one())


class SqlAlchemyCheckpoints:
    """`Checkpoints`: the last log position each named worker committed."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def advance(self, worker: str, last_seq: int, at: datetime) -> None:
        latest = sa.func.max if self._connection.dialect.name == "sqlite" else sa.func.greatest
        changes = {"last_seq": latest(worker_checkpoints.c.last_seq, last_seq), "updated_at": at}
        statement = insert_or_update(self._connection, worker_checkpoints, ["worker"], changes)
        self._connection.execute(statement.values(worker=worker, last_seq=last_seq, updated_at=at))

    def get(self, worker: str) -> int:
        value = self._connection.execute(
            sa.select(worker_checkpoints.c.last_seq).where(worker_checkpoints.c.worker == worker)
        ).scalar()
        return int(value or 0)
