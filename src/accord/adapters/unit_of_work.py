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
from accord.application.clock import Clock, utc_now


class SqlAlchemyUnitOfWork:
    """Opens a transaction on enter; rolls back on exit unless `commit` was called."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        self._connection = connection
        self._transaction = connection.begin()
        self.events = SqlAlchemyEventLog(connection, self._clock())
        self.objects = SqlAlchemyBusinessObjects(connection)
        self.outbox = SqlAlchemyOutbox(connection)
        self.exceptions = SqlAlchemyExceptionQueue(connection)
        self.checkpoints = SqlAlchemyCheckpoints(connection)
        return self

    def commit(self) -> None:
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
        if self._connection is not None:
            self._connection.close()
        self._transaction = None
        self._connection = None
