"""Wires the SQLAlchemy governance stores into the application's `Governance` services."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from accord.adapters.api_keys import SqlAlchemyApiKeyStore
from accord.adapters.audit_log import SqlAlchemyAuditLog
from accord.adapters.record_queries import SqlAlchemyRecordQueries
from accord.adapters.request_guards import SqlAlchemyIdempotencyStore, SqlAlchemyReplayGuard
from accord.adapters.retention_store import SqlAlchemyRetentionStore
from accord.adapters.session_store import SqlAlchemySessionStore
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.audit import AuditTrail
from accord.application.clock import WallClock, wall_clock
from accord.application.governance import Governance, GovernanceSettings
from accord.application.retention import RetentionService
from accord.application.security import ApiKeys
from accord.application.sessions import DashboardSessions


def build_sql_governance(
    engine: Engine, settings: GovernanceSettings, clock: WallClock = wall_clock
) -> Governance:
    """Governance over a migrated store (`accord.adapters.store.migrate` ran already).

    It runs on the wall clock only, never on a hub's business clock: key and session
    expiry, audit timestamps and retention count in real time."""
    audit = AuditTrail(SqlAlchemyAuditLog(engine), clock, SqlAlchemyTransactions(engine))
    keys = ApiKeys(SqlAlchemyApiKeyStore(engine), clock)
    return Governance(
        settings=settings,
        keys=keys,
        sessions=DashboardSessions(SqlAlchemySessionStore(engine), keys, clock),
        audit=audit,
        idempotency=SqlAlchemyIdempotencyStore(engine),
        replay_guard=SqlAlchemyReplayGuard(engine),
        retention=RetentionService(
            SqlAlchemyRetentionStore(engine), settings.retention, audit, clock
        ),
        records=SqlAlchemyRecordQueries(engine),
    )
