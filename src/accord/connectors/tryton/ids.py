"""The mapping from Accord's business keys to Tryton record ids.

The connector keeps no state of its own: the hub owns this mapping (and will persist
it); the connector reads it first and writes to it after every create or lookup. It is
a cache, not the only safeguard: when it misses (a create timed out before its id came
back, or the hub lost the mapping), the connector searches Tryton by reference.
"""

from __future__ import annotations

import threading
from typing import Protocol


class ExternalIdMap(Protocol):
    """Tryton ids by (kind, Accord key); kinds are `customer`, `project`, `invoice`."""

    def get(self, kind: str, key: str) -> int | None:
        """The Tryton id stored for this key, or None."""
        ...

    def put(self, kind: str, key: str, external_id: int) -> None:
        """Remember the Tryton id of this key (overwriting is allowed)."""
        ...


class InMemoryExternalIdMap:
    """A process-local `ExternalIdMap` for tests and one-off runs."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: str) -> int | None:
        with self._lock:
            return self._ids.get((kind, key))

    def put(self, kind: str, key: str, external_id: int) -> None:
        with self._lock:
            self._ids[(kind, key)] = external_id

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)
