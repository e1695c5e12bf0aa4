"""The SQLAlchemy unit of work: one connection, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.event_log import (
    SqlAlchemyBusinessObjects,
    SqlAlchemyCheckpoints,
    SqlAlchemyEventLog,
)
from accord.adapters.exception_queue import SqlAlchemyExceptionQueue
from accord.adapters.outbox import SqlAlchemyOutbox
from accord.adapters.store import READ_ONLY
from accord.adapters.transactions import shared_connection
from accord.application.clock import Clock, utc_now
from accord.domain.criticality import Criticality


class SqlAlchemyUnitOfWork:
    """Opens a transaction on enter; rolls back on exit unless `commit` was called.

    Inside a shared transaction (`SqlAlchemyTransactions`) on the same engine it joins
    that one instead: the block that opened it commits or rolls back everything.

    `read_only`: a unit of work that only reads. On SQLite it opens a deferred
    transaction, which reads the last committed state without waiting for a writer (a
    write one begins `IMMEDIATE` and queues on the lock); it cannot commit.

    `criticality`: the firm's classes, whose SLA sets a new exception's `sla_due`."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock = utc_now,
        *,
        read_only: bool = False,
        criticality: Criticality | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._read_only = read_only
        self._criticality = criticality
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None
        self._joined = False

    def __enter__(self) -> Self:
        joined = shared_connection(self._engine)
        self._joined = joined is not None
        connection = joined if joined is not None else self._connect()
        self._connection = connection
        self._transaction = None if joined is not None else connection.begin()
        self.events = SqlAlchemyEventLog(connection, self._clock())
        self.objects = SqlAlchemyBusinessObjects(connection)
        self.outbox = SqlAlchemyOutbox(connection)
        self.exceptions = SqlAlchemyExceptionQueue(connection, self._criticality)
        self.checkpoints = SqlAlchemyCheckpoints(connection)
        return self

    def _connect(self) -> sa.Connection:
        connection = self._engine.connect()
        return connection.execution_options(**READ_ONLY) if self._read_only else connection

    def commit(self) -> None:
        """Commit; inside a shared transaction the block that opened it commits instead."""
        if self._joined:
            return
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit; open a writing one")
        if self._transaction is None:
            raise RuntimeError("commit called outside of the unit of work's `with` block")
        self._transaction.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
        if self._connection is not None and not self._joined:
            self._connection.close()
        self._transaction = None
        self._connection = None
        self._joined = False
