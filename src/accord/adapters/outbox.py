"""SQLAlchemy outbox: canonical events written with the change that produced them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from accord.adapters.sql import (
    chunks,
    execute_many,
    on_mariadb,
    placeholders,
    refuse_overlong,
    stamp,
)
from accord.adapters.tables import outbox
from accord.application.ports import OutboxMessage, OutboxRecord

_UPDATE_CHUNK = 1000
_COLUMNS = ("event_id", "type", "subject", "source", "payload", "created_at")
_INTO = f"INTO outbox ({', '.join(_COLUMNS)}) VALUES ({placeholders(6)})"
_ADD = f"INSERT {_INTO} ON CONFLICT (event_id) DO NOTHING"
_ADD_MARIADB = f"INSERT IGNORE {_INTO}"


class SqlAlchemyOutbox:
    """`Outbox` on one open transaction; `event_id` is unique, so a replay adds nothing."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, messages: Sequence[OutboxMessage], at: datetime) -> None:
        when = stamp(self._connection, at)
        rows = [(m.event_id, m.type, m.subject, m.source, m.payload, when) for m in messages]
        if on_mariadb(self._connection):
            refuse_overlong(outbox, _COLUMNS, rows)
            execute_many(self._connection, _ADD_MARIADB, rows)
        else:
            execute_many(self._connection, _ADD, rows)

    def unpublished(self, limit: int) -> list[OutboxRecord]:
        c = outbox.c
        query = (
            sa.select(c.seq, c.event_id, c.type, c.source, c.payload, c.subject)
            .where(c.published_at.is_(None))
            .order_by(c.seq)
            .limit(limit)
        )
        return [
            OutboxRecord(row.seq, OutboxMessage(*row[1:]))
            for row in self._connection.execute(query)
        ]

    def mark_published(self, seqs: Sequence[int], at: datetime) -> None:
        for part in chunks(seqs, _UPDATE_CHUNK):
            self._connection.execute(
                sa.update(outbox).where(outbox.c.seq.in_(part)).values(published_at=at)
            )
