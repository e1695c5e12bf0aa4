"""Support for the bulk paths (ingest, apply) that hold many objects for one batch."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch.

    A batch keeps several container objects per event alive until its commit and
    creates no reference cycles, so every collection the allocations trigger scans the
    whole batch again for nothing: about a quarter of apply time at 10,000 events a
    batch. Reference counting still frees everything; the collector's previous state is
    restored afterwards (it stays off if it was off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
