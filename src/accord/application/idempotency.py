"""Idempotency keys for POST requests: the same key gets the same response, once computed.

A key is scoped to the caller, and bound to a fingerprint of the request (method, path,
body): reusing a key for a different request is an error, not a silent replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str


class Claim(StrEnum):
    NEW = "new"
    """The caller owns the key now and must `finish` or `abandon` it."""
    REPLAY = "replay"
    MISMATCH = "mismatch"
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    claim: Claim
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    def claim(self, scope: str, key: str, fingerprint: str, at: datetime) -> ClaimOutcome:
        """Reserve `key` for this request, or return what an earlier request got."""

    def finish(self, scope: str, key: str, response: StoredResponse) -> None: ...

    def abandon(self, scope: str, key: str) -> None:
        """Forget a reservation whose request failed, so the client may retry it."""

    def purge(self, before: datetime) -> int:
        """Drop keys older than `before`; returns how many."""
