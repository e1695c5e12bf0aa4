"""One transaction that several stores share, so a change and its audit row commit together.

`SqlAlchemyTransactions(engine)` opens a transaction for a block of code; every store on
the same engine that writes (or reads through `reading`) inside the block joins it
instead of opening its own, so all of their writes commit together or none does. Outside
a block each store commits on its own, as it always did. The shared connection lives in
a context variable, so it never leaks into another thread or request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.store import READ_ONLY

_shared: ContextVar[tuple[Engine, sa.Connection] | None] = ContextVar(
    "accord_shared_transaction", default=None
)


def shared_connection(engine: Engine) -> sa.Connection | None:
    """The connection of the block open on `engine` in this context, if any."""
    current = _shared.get()
    return current[1] if current is not None and current[0] is engine else None


@contextmanager
def begin(engine: Engine) -> Iterator[sa.Connection]:
    """A write transaction: the shared one when a block is open on `engine`, else a new
    one that commits when the `with` block ends."""
    joined = shared_connection(engine)
    if joined is not None:
        yield joined
        return
    with engine.begin() as connection:
        yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[sa.Connection]:
    """A connection for reads: the shared one (it sees the block's own writes), else a
    read-only one."""
    joined = shared_connection(engine)
    if joined is not None:
        yield joined
        return
    with engine.connect().execution_options(**READ_ONLY) as connection:
        yield connection


class SqlAlchemyTransactions:
    """`Transaction` on an engine: commits when the block ends, rolls back if it raises.

    A block opened inside another block on the same engine joins the outer one.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if shared_connection(self._engine) is not None:
            yield
            return
        with self._engine.begin() as connection:
            token = _shared.set((self._engine, connection))
            try:
                yield
            finally:
                _shared.reset(token)
