"""The business ids of the work in progress (contract, invoice run, document number).

Held in a context variable so every log line and span written while a contract or an
invoice is being handled carries its ids, without passing them through every call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

_business_ids: ContextVar[Mapping[str, str]] = ContextVar(
    "accord_business_ids", default=MappingProxyType({})
)


def current_business_ids() -> Mapping[str, str]:
    """The ids bound in this context, e.g. `{"contract": "C-1", "document": "INV-1"}`."""
    return _business_ids.get()


@contextmanager
def business_ids(**ids: str | None) -> Iterator[Mapping[str, str]]:
    """Bind business ids for the duration of the block, on top of those already bound.

    `None` values are ignored, so callers can pass optional ids as they are.
    """
    merged = {**_business_ids.get(), **{name: v for name, v in ids.items() if v is not None}}
    token = _business_ids.set(MappingProxyType(merged))
    try:
        yield _business_ids.get()
    finally:
        _business_ids.reset(token)
