"""SQLAlchemy persistence for the billing engine's state, connector cursors and reads of
applied records.

The engine's state is saved as one JSON document with the checkpoint of applied records
it has read, in one transaction, so billing never sees a record twice or misses one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters import dataclass_json
from accord.adapters.locks import exclusive
from accord.adapters.store import READ_ONLY
from accord.adapters.tables import business_objects, metadata
from accord.adapters.transactions import begin, reading
from accord.application.billing import BillingBook
from accord.application.ports import BusinessObject

billing_state = sa.Table(
    "billing_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("checkpoint", sa.BigInteger, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

connector_cursors = sa.Table(
    "connector_cursors",
    metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("stream", sa.String(200), primary_key=True),
    sa.Column("cursor", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

_ROW = 1


class SqlAlchemyBillingStateStore:
    """The billing state as one JSON row; `save` replaces it with its checkpoint."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Serialise load-change-save across threads and processes (advisory lock)."""
        with exclusive(self._engine, "billing-state"):
            yield

    def load(self) -> tuple[BillingBook | None, int]:
        with reading(self._engine) as conn:  # inside a block: the block's own writes
            row = conn.execute(
                sa.select(billing_state.c.data, billing_state.c.checkpoint).where(
                    billing_state.c.id == _ROW
                )
            ).first()
        if row is None:
            return None, 0
        return dataclass_json.loads(row.data, BillingBook), int(row.checkpoint)

    def save(self, book: BillingBook, checkpoint: int) -> None:
        values = {
            "data": dataclass_json.dumps(book),
            "checkpoint": checkpoint,
            "updated_at": datetime.now(UTC),
        }
        with begin(self._engine) as conn:
            updated = conn.execute(
                billing_state.update().where(billing_state.c.id == _ROW).values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(billing_state.insert().values(id=_ROW, **values))


class SqlAlchemyAppliedRecords:
    """Reads `business_objects` in the order their writes became visible.

    It follows `applied_seq`, not `source_seq`: with several workers a batch of older
    inbound events can commit after a newer one, but applied_seq is handed out under a
    lock held to the commit, so a row committed late never lands behind a checkpoint.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def changed_since(self, seq: int, limit: int) -> list[BusinessObject]:
        """Objects whose `applied_seq` is above `seq`, in applied_seq order."""
        bo = business_objects.c
        query = (
            sa.select(bo.kind, bo.key, bo.version, bo.data, bo.source_seq, bo.applied_seq)
            .where(bo.applied_seq > seq)
            .order_by(bo.applied_seq)
            .limit(limit)
        )
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return [
                BusinessObject(
                    r.kind, r.key, r.version, r.data, int(r.source_seq), int(r.applied_seq)
                )
                for r in conn.execute(query)
            ]


class SqlAlchemyCursorStore:
    """Where each connector stream stopped reading; connectors keep no state."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, connector: str, stream: str) -> str | None:
        c = connector_cursors.c
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            value = conn.execute(
                sa.select(c.cursor).where(c.connector == connector, c.stream == stream)
            ).scalar()
        return str(value) if value is not None else None

    def put(self, connector: str, stream: str, cursor: str) -> None:
        c = connector_cursors.c
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            done = conn.execute(
                connector_cursors.update()
                .where(c.connector == connector, c.stream == stream)
                .values(cursor=cursor, updated_at=now)
            )
            if done.rowcount == 0:
                conn.execute(
                    connector_cursors.insert().values(
                        connector=connector, stream=stream, cursor=cursor, updated_at=now
                    )
                )


class SqlAlchemyBusinessObjectReader:
    """Reads one applied record by (kind, key), outside any worker transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, kind: str, key: str) -> BusinessObject | None:
        bo = business_objects.c
        query = sa.select(bo.kind, bo.key, bo.version, bo.data, bo.source_seq).where(
            bo.kind == kind, bo.key == key
        )
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return BusinessObject(row.kind, row.key, row.version, row.data, int(row.source_seq))
