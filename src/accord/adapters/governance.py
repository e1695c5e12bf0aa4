"""Wires the SQLAlchemy governance stores into the application's `Governance` services."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from accord.adapters.api_keys import SqlAlchemyApiKeyStore
from accord.adapters.audit_anchor_file import JsonLinesAnchorFile
from accord.adapters.audit_log import SqlAlchemyAuditLog
from accord.adapters.billing_store import SqlAlchemyAppliedRecords
from accord.adapters.request_guards import SqlAlchemyIdempotencyStore, SqlAlchemyReplayGuard
from accord.adapters.retention_store import SqlAlchemyRetentionStore
from accord.adapters.session_store import SqlAlchemySessionStore
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.audit import AuditLog, AuditTrail
from accord.application.audit_anchor import Anchoring, AnchorKey
from accord.application.clock import WallClock, wall_clock
from accord.application.governance import Governance, GovernanceSettings
from accord.application.retention import RetentionService
from accord.application.security import ApiKeys
from accord.application.sessions import DashboardSessions
from accord.settings import Settings


class AuditKeyError(ValueError):
    """The configured audit key cannot be used; the message says what to fix."""


def audit_anchoring(settings: Settings) -> Anchoring:
    """The audit key (`ACCORD_AUDIT_KEY_FILE` or `ACCORD_AUDIT_KEY`) and the anchor file."""
    store = JsonLinesAnchorFile(settings.audit_anchors)
    if settings.audit_key_file is not None:
        try:
            secret = settings.audit_key_file.read_bytes().strip()
        except OSError as error:
            raise AuditKeyError(
                f"cannot read ACCORD_AUDIT_KEY_FILE {settings.audit_key_file}: {error.strerror}"
            ) from None
    elif settings.audit_key:
        secret = settings.audit_key.encode()
    else:
        return Anchoring(None, store)
    try:
        return Anchoring(AnchorKey(secret), store)
    except ValueError as error:
        raise AuditKeyError(str(error)) from None


def build_sql_governance(
    engine: Engine,
    settings: GovernanceSettings,
    clock: WallClock = wall_clock,
    anchoring: Anchoring | None = None,
    audit_log: AuditLog | None = None,
) -> Governance:
    """Governance over a migrated store (`accord.adapters.store.migrate` ran already).

    It runs on the wall clock only, never on a hub's business clock: key and session
    expiry, audit timestamps and retention count in real time. `anchoring` signs the
    audit chain's head outside the database (`audit_anchoring`); `audit_log` is where
    the audit rows go (default: the store's audit table)."""
    log = audit_log or SqlAlchemyAuditLog(engine)
    audit = AuditTrail(log, clock, SqlAlchemyTransactions(engine), anchoring)
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
        records=SqlAlchemyAppliedRecords(engine),
    )
