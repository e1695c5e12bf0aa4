"""SQLAlchemy outbox: canonical events written with the change that produced them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from accord.adapters.sql import chunks, upsert_insert
from accord.adapters.tables import outbox
from accord.application.ports import OutboxMessage, OutboxRecord

_UPDATE_CHUNK = 1000


class SqlAlchemyOutbox:
    """`Outbox` on one open transaction; `event_id` is unique, so a replay adds nothing."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, messages: Sequence[OutboxMessage], at: datetime) -> None:
        if not messages:
            return
        statement = upsert_insert(self._connection, outbox).on_conflict_do_nothing(
            index_elements=["event_id"]
        )
        rows = [
            {
                "event_id": m.event_id,
                "type": m.type,
                "subject": m.subject,
                "source": m.source,
                "payload": m.payload,
                "created_at": at,
            }
            for m in messages
        ]
        self._connection.execute(statement, rows)

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
