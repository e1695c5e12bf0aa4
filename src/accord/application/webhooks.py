"""Inbound webhook signatures: HMAC-SHA256 over timestamp and body, with a replay window.

The sender puts `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` in the
`Accord-Signature` header with the secret shared for its source. A signature is accepted
once, within `tolerance` of its timestamp; a request seen before is a replay.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

SIGNATURE_HEADER = "Accord-Signature"


class Rejection(StrEnum):
    UNKNOWN_SOURCE = "unknown-source"
    MISSING_SIGNATURE = "missing-signature"
    MALFORMED_SIGNATURE = "malformed-signature"
    BAD_SIGNATURE = "bad-signature"
    STALE_TIMESTAMP = "stale-timestamp"
    REPLAYED = "replayed"
    SOURCE_MISMATCH = "source-mismatch"


class WebhookRejected(Exception):
    def __init__(self, rejection: Rejection, detail: str) -> None:
        super().__init__(detail)
        self.rejection = rejection
        self.detail = detail


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender puts on `body` (senders and tests use it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookRejected(
            Rejection.MALFORMED_SIGNATURE,
            f"{SIGNATURE_HEADER} must read t=<unix seconds>,v1=<hex HMAC-SHA256>",
        )
    return timestamp, signatures


def verify_signature(
    secret: str, header: str | None, body: bytes, now: datetime, tolerance: timedelta
) -> str:
    """Check the signature and its age; returns the matched signature (the replay key)."""
    if not header:
        raise WebhookRejected(
            Rejection.MISSING_SIGNATURE, f"the {SIGNATURE_HEADER} header is required"
        )
    timestamp, candidates = _parse(header)
    age = abs(now.timestamp() - timestamp)
    if age > tolerance.total_seconds():
        raise WebhookRejected(
            Rejection.STALE_TIMESTAMP,
            f"the signature timestamp is {int(age)} s away from now; the window is "
            f"{int(tolerance.total_seconds())} s. Sign each delivery with the current time.",
        )
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    for candidate in candidates:
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return candidate
    raise WebhookRejected(
        Rejection.BAD_SIGNATURE,
        "the signature does not match the body; sign the exact bytes sent with this "
        "source's secret",
    )


def source_belongs_to(event_source: str, webhook_source: str) -> bool:
    """Whether a CloudEvent's `source` belongs to the webhook source it was posted to:
    `psa`, `/psa` and `/psa/<anything>` belong to `psa`; `crm`, `/psa-eu` do not.

    The signature proves which secret signed the body, not which system the event claims
    to come from; this check stops one system's secret vouching for another's events."""
    name = event_source.removeprefix("/")
    return name == webhook_source or name.startswith(f"{webhook_source}/")


class WebhookSecrets(Protocol):
    def secret_for(self, source: str) -> str | None: ...


class ReplayGuard(Protocol):
    def first_seen(self, source: str, signature: str, at: datetime) -> bool:
        """Record the signature; False when it was recorded before (a replay)."""

    def forget(self, source: str, signature: str) -> None:
        """Drop a signature whose delivery failed, so the sender's retry is not a replay."""

    def forget_before(self, before: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class StaticWebhookSecrets:
    """Secrets per source, loaded from configuration."""

    secrets: dict[str, str]

    def secret_for(self, source: str) -> str | None:
        return self.secrets.get(source)
