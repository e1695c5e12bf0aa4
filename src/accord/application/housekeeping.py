"""The hub's periodic purges: what has expired, and what retention says to erase.

Expired: idempotency keys older than their time to live, webhook signatures too old to
be replayed (a delivery that old fails the timestamp check anyway), dashboard sessions
that expired or were signed out. Retained: raw payloads and personal data past their
retention period, unless under a legal hold (`RetentionService.purge`, audited). And the
audit chain's head, signed and anchored outside the database (`AuditTrail.anchor`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accord.application.audit_anchor import NotAnchored
from accord.application.clock import WallClock, wall_clock
from accord.application.governance import Governance
from accord.application.retention import PurgeReport

SCHEDULER_ACTOR = "scheduler:housekeeping"


@dataclass(frozen=True, slots=True)
class ExpiredPurge:
    idempotency_keys: int
    webhook_signatures: int
    sessions: int


class Housekeeping:
    def __init__(self, governance: Governance, clock: WallClock = wall_clock) -> None:
        """Keys, signatures and sessions expire in real time, whatever the hub's clock."""
        self._governance = governance
        self._clock = clock

    def purge_expired(self) -> ExpiredPurge:
        governance, now = self._governance, self._clock()
        settings = governance.settings
        return ExpiredPurge(
            idempotency_keys=governance.idempotency.purge(now - settings.idempotency_ttl),
            webhook_signatures=governance.replay_guard.forget_before(
                now - 2 * settings.webhook_tolerance
            ),
            sessions=governance.sessions.purge_expired(now),
        )

    def purge_retained(self) -> PurgeReport:
        return self._governance.retention.purge(SCHEDULER_ACTOR, f"scheduler:{uuid.uuid4().hex}")

    def anchor_audit(self) -> str:
        """Sign the audit chain's head outside the database when an audit key is set.
        Raises AuditTampered (and signs nothing) when the rows since the last anchor do
        not verify."""
        try:
            anchor = self._governance.audit.anchor()
        except NotAnchored:
            return "skipped: no audit key configured (ACCORD_AUDIT_KEY_FILE)"
        return f"row {anchor.seq}" if anchor is not None else "nothing new to anchor"
