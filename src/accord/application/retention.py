"""Retention: raw payloads and personal data are purged after their period, unless held.

A legal hold names a scope (a prefix of an event source, subject or business key, or of
an audit subject); nothing within an active hold is purged. Purging keeps hashes: an
inbound event keeps the SHA-256 of its payload, an audit row keeps the digests of its
before/after documents, so the audit chain still verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from accord.application.audit import AuditTrail
from accord.application.clock import WallClock, wall_clock


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    raw_payload_days: int = 90
    personal_data_days: int = 365


@dataclass(frozen=True, slots=True)
class LegalHold:
    id: int
    scope: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None


@dataclass(frozen=True, slots=True)
class PurgeReport:
    payloads_purged: int
    audit_rows_purged: int
    held_scopes: tuple[str, ...]
    raw_payload_cutoff: datetime
    personal_data_cutoff: datetime


class RetentionStore(Protocol):
    def place_hold(self, scope: str, reason: str, by: str, at: datetime) -> LegalHold: ...

    def release_hold(self, hold_id: int, by: str, at: datetime) -> LegalHold | None: ...

    def holds(self, active_only: bool = True) -> list[LegalHold]: ...

    def purge_payloads(self, before: datetime, held: Sequence[str], at: datetime) -> int:
        """Replace raw payloads of processed events received before `before` by a
        marker holding their SHA-256; events under a held scope are left alone."""

    def purge_audit_documents(self, before: datetime, held: Sequence[str], at: datetime) -> int:
        """Erase before/after documents of audit rows older than `before`, keeping digests."""


class RetentionService:
    """Runs the purge job and manages legal holds; every change is audited.

    Periods count in real time (`WallClock`), as do the audit and receipt times they are
    compared with, so a simulated business clock never hastens a purge."""

    def __init__(
        self,
        store: RetentionStore,
        policy: RetentionPolicy,
        audit: AuditTrail,
        clock: WallClock = wall_clock,
    ) -> None:
        self._store = store
        self.policy = policy
        self._audit = audit
        self._clock = clock

    def place_hold(self, scope: str, reason: str, actor: str, correlation_id: str) -> LegalHold:
        if not scope.strip():
            raise ValueError("a legal hold needs a scope (a source, subject or key prefix)")
        with self._audit.transaction():
            hold = self._store.place_hold(scope, reason, actor, self._clock())
            self._audit.record(
                actor,
                "legal_hold.placed",
                f"legal_hold:{hold.id}",
                after={"scope": scope, "reason": reason},
                correlation_id=correlation_id,
            )
        return hold

    def release_hold(self, hold_id: int, actor: str, correlation_id: str) -> LegalHold | None:
        with self._audit.transaction():
            hold = self._store.release_hold(hold_id, actor, self._clock())
            if hold is not None:
                self._audit.record(
                    actor,
                    "legal_hold.released",
                    f"legal_hold:{hold_id}",
                    before={"scope": hold.scope, "reason": hold.reason},
                    correlation_id=correlation_id,
                )
        return hold

    def holds(self, active_only: bool = True) -> list[LegalHold]:
        return self._store.holds(active_only)

    def purge(self, actor: str, correlation_id: str) -> PurgeReport:
        """Purge what is past its period, in one transaction with the audit row saying
        so; the holds read inside it are the ones the purge honours."""
        now = self._clock()
        payload_cutoff = now - timedelta(days=self.policy.raw_payload_days)
        personal_cutoff = now - timedelta(days=self.policy.personal_data_days)
        with self._audit.transaction():
            held = tuple(hold.scope for hold in self._store.holds(active_only=True))
            report = PurgeReport(
                payloads_purged=self._store.purge_payloads(payload_cutoff, held, now),
                audit_rows_purged=self._store.purge_audit_documents(personal_cutoff, held, now),
                held_scopes=held,
                raw_payload_cutoff=payload_cutoff,
                personal_data_cutoff=personal_cutoff,
            )
            self._audit.record(
                actor,
                "retention.purged",
                "retention",
                after={
                    "payloads_purged": report.payloads_purged,
                    "audit_rows_purged": report.audit_rows_purged,
                    "held_scopes": list(held),
                },
                correlation_id=correlation_id,
            )
        return report
