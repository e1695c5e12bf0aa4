"""The unit of work: one transaction spanning every repository a use case touches.

A worker batch writes effects, outbox messages, exceptions and its checkpoint through
one unit of work, so they commit together or not at all. Inside a `Transaction` block
a unit of work joins the block's transaction: the block decides when it commits, so a
change and the audit row describing it are written together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
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

Transaction = Callable[[], AbstractContextManager[None]]
"""Opens a block whose store writes (units of work, audit rows, keys, holds) commit
together when it ends, or roll back together if it raises."""


@contextmanager
def each_on_its_own() -> Iterator[None]:
    """The `Transaction` of stores that commit each write on their own (fakes, tests)."""
    yield
