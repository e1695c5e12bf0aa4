"""The unit of work: one transaction spanning every repository a use case touches.

A worker batch writes effects, outbox messages, exceptions and its checkpoint through
one unit of work, so they commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from accord.application.ports import (
    BusinessObjects,
    Checkpoints,
    ExceptionQueue,
    InboundEventLog,
    Outbox,
)


class UnitOfWork(Protocol):
    @property
    def events(self) -> InboundEventLog: ...

    @property
    def objects(self) -> BusinessObjects: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def exceptions(self) -> ExceptionQueue: ...

    @property
    def checkpoints(self) -> Checkpoints: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless `commit` was called."""

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
