"""Anchors: the audit chain's head, signed with a key the database never holds.

The hash chain alone shows a row changed, inserted or removed in the middle, but not a
chain whose tail was cut off (and its head pointer moved back), nor one recomputed from
the first row on by someone with write access to the database. So the head is anchored
outside it: an anchor is the (seq, hash) of the head at a moment, signed with
HMAC-SHA256 under the audit key (`ACCORD_AUDIT_KEY_FILE`), and appended to the anchor
file (`ACCORD_AUDIT_ANCHOR_FILE`), which lives outside the database. Verification then
demands that the chain still holds every anchored row with its anchored hash: a
truncated tail misses an anchored row, a recomputed chain leads to another hash, and a
forged anchor fails its signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

HOW_TO_ANCHOR = (
    "set ACCORD_AUDIT_KEY_FILE to a file holding a secret of at least 32 characters "
    "(kept outside the database), then run `accord audit anchor`; the hub anchors hourly"
)
MIN_KEY_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Anchor:
    """The chain head as it was at `at`, signed."""

    seq: int
    hash: str
    at: datetime
    signature: str


class AnchorKey:
    """The HMAC key anchors are signed with; it is never stored in the database."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_KEY_LENGTH:
            raise ValueError(
                f"the audit key must be at least {MIN_KEY_LENGTH} bytes long; "
                "generate one with `openssl rand -hex 32`"
            )
        self._secret = secret

    def __repr__(self) -> str:
        return "AnchorKey(<secret>)"

    def sign(self, seq: int, hash_: str, at: datetime) -> Anchor:
        return Anchor(seq, hash_, at, self._signature(seq, hash_, at))

    def signed(self, anchor: Anchor) -> bool:
        expected = self._signature(anchor.seq, anchor.hash, anchor.at)
        return hmac.compare_digest(expected, anchor.signature)

    def _signature(self, seq: int, hash_: str, at: datetime) -> str:
        message = "\x1f".join(["accord-audit-anchor/v1", str(seq), hash_, _instant(at)])
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class AnchorFileDamaged(Exception):
    """The anchor file holds something that is not an anchor; the message says where."""


class AnchorStore(Protocol):
    """Where anchors are kept, outside the database: append-only."""

    def append(self, anchor: Anchor) -> None: ...

    def all(self) -> list[Anchor]:
        """Every anchor, oldest first; AnchorFileDamaged if one cannot be read."""

    @property
    def location(self) -> str:
        """Where the anchors are, for messages (a file path)."""


@dataclass(frozen=True, slots=True)
class Anchoring:
    """The audit key (None when not configured) and where anchors go."""

    key: AnchorKey | None
    store: AnchorStore


class NotAnchored(Exception):
    """Anchoring is not configured; the message says how to configure it."""


def forged(anchors: Sequence[Anchor], key: AnchorKey) -> Anchor | None:
    """The first anchor whose signature the key does not confirm, if any."""
    return next((anchor for anchor in anchors if not key.signed(anchor)), None)


def anchored_hashes(anchors: Sequence[Anchor]) -> dict[int, Anchor]:
    """The newest anchor of each anchored row."""
    return {anchor.seq: anchor for anchor in anchors}
