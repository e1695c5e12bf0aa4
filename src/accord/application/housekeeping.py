"""The hub's periodic purges: what has expired, and what retention says to erase.

Expired: idempotency keys older than their time to live, webhook signatures too old to
be replayed (a delivery that old fails the timestamp check anyway), dashboard sessions
that expired or were signed out. Retained: raw payloads and personal data past their
retention period, unless under a legal hold (`RetentionService.purge`, audited).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

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
