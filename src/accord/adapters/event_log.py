"""SQLAlchemy event log: inbound events, applied business objects and worker checkpoints.

Everything is bulk Core (executemany, multi-row INSERT ... ON CONFLICT) because ingest
and apply are throughput-bound; see docs/event-log.md for where the time goes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa

from accord.adapters.sql import chunks, upsert_insert
from accord.adapters.tables import business_objects, inbound_events, worker_checkpoints
from accord.application.ports import (
    BusinessObject,
    EventOutcome,
    EventStatus,
    InboundEvent,
    PendingEvent,
)

_KEY_CHUNK = 500
_ev = inbound_events.c
_CLAIMED = (
    _ev.seq,
    _ev.source,
    _ev.event_id,
    _ev.type,
    _ev.subject,
    _ev.business_kind,
    _ev.business_key,
    _ev.business_version,
    _ev.payload,
)


class SqlAlchemyEventLog:
    """`InboundEventLog` on one open transaction."""

    def __init__(self, connection: sa.Connection, received_at: datetime) -> None:
        self._connection = connection
        self._received_at = received_at

    def _rows(self, events: Sequence[InboundEvent]) -> list[dict[str, object]]:
        at = self._received_at
        return [
            {
                "source": e.source,
                "event_id": e.event_id,
                "type": e.type,
                "subject": e.subject,
                "business_kind": e.business_kind,
                "business_key": e.business_key,
                "business_version": e.business_version,
                "status": e.status.value,
                "reason": e.reason,
                "payload": e.payload,
                "received_at": at,
            }
            for e in events
        ]

    def _insert_new(self, events: Sequence[InboundEvent]) -> list[sa.Row[tuple[str, str]]]:
        if not events:
            return []
        statement = (
            upsert_insert(self._connection, inbound_events)
            .on_conflict_do_nothing(index_elements=["source", "event_id"])
            .returning(_ev.source, _ev.event_id)
        )
        return list(self._connection.execute(statement, self._rows(events)))

    def append(self, events: Sequence[InboundEvent]) -> int:
        return len(self._insert_new(events))

    def append_quarantined(self, events: Sequence[InboundEvent]) -> list[InboundEvent]:
        stored = {(row.source, row.event_id) for row in self._insert_new(events)}
        new = []
        for event in events:  # the same event twice in one batch is stored once
            if (event.source, event.event_id) in stored:
                stored.discard((event.source, event.event_id))
                new.append(event)
        return new

    def claim_pending(self, limit: int) -> list[PendingEvent]:
        query = (
            sa.select(*_CLAIMED)
            .where(_ev.status == EventStatus.PENDING.value)
            .order_by(_ev.seq)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [PendingEvent(*row) for row in self._connection.execute(query)]

    def record_outcomes(
        self, applied: Sequence[int], others: Sequence[EventOutcome], at: datetime
    ) -> None:
        statement = (
            sa.update(inbound_events)
            .where(_ev.seq == sa.bindparam("b_seq"))
            .values(
                status=sa.bindparam("b_status"),
                reason=sa.bindparam("b_reason"),
                processed_at=sa.bindparam("b_at"),
            )
        )
        rows = [
            {"b_seq": seq, "b_status": EventStatus.APPLIED.value, "b_reason": None, "b_at": at}
            for seq in applied
        ]
        rows.extend(
            {"b_seq": o.seq, "b_status": o.status.value, "b_reason": o.reason, "b_at": at}
            for o in others
        )
        if rows:
            self._connection.execute(statement, rows)


class SqlAlchemyBusinessObjects:
    """`BusinessObjects`: the applied current state, one row per (kind, key)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def versions(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        table = business_objects.c
        found: dict[tuple[str, str], str] = {}
        for part in chunks(sorted(keys), _KEY_CHUNK):
            query = sa.select(table.kind, table.key, table.version).where(
                sa.tuple_(table.kind, table.key).in_(part)
            )
            found.update(
                ((kind, key), version) for kind, key, version in self._connection.execute(query)
            )
        return found

    def upsert(self, objects: Sequence[BusinessObject], at: datetime) -> None:
        if not objects:
            return
        insert = upsert_insert(self._connection, business_objects)
        statement = insert.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={
                "version": insert.excluded.version,
                "data": insert.excluded.data,
                "source_seq": insert.excluded.source_seq,
                "updated_at": insert.excluded.updated_at,
            },
            where=business_objects.c.version <= insert.excluded.version,
        )
        rows = [
            {
                "kind": o.kind,
                "key": o.key,
                "version": o.version,
                "data": o.data,
                "source_seq": o.source_seq,
                "updated_at": at,
            }
            for o in objects
        ]
        self._connection.execute(statement, rows)

    def get(self, kind: str, key: str) -> BusinessObject | None:
        table = business_objects.c
        row = self._connection.execute(
            sa.select(table.kind, table.key, table.version, table.data, table.source_seq).where(
                table.kind == kind, table.key == key
            )
        ).first()
        return None if row is None else BusinessObject(*row)

    def count(self, kind: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(business_objects)
        if kind is not None:
            query = query.where(business_objects.c.kind == kind)
        return int(self._connection.execute(query).scalar_one())


class SqlAlchemyCheckpoints:
    """`Checkpoints`: the last log position each named worker committed."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def advance(self, worker: str, last_seq: int, at: datetime) -> None:
        insert = upsert_insert(self._connection, worker_checkpoints)
        statement = insert.values(worker=worker, last_seq=last_seq, updated_at=at)
        statement = statement.on_conflict_do_update(
            index_elements=["worker"],
            set_={
                "last_seq": sa.func.max(worker_checkpoints.c.last_seq, last_seq)
                if self._connection.dialect.name == "sqlite"
                else sa.func.greatest(worker_checkpoints.c.last_seq, last_seq),
                "updated_at": at,
            },
        )
        self._connection.execute(statement)

    def get(self, worker: str) -> int:
        value = self._connection.execute(
            sa.select(worker_checkpoints.c.last_seq).where(worker_checkpoints.c.worker == worker)
        ).scalar()
        return int(value or 0)
