"""Tables of the governance features (keys, audit, idempotency, webhooks, holds,
dashboard sessions).

They live on the shared metadata so Alembic sees one schema; migrations 0003 and 0005
create them.
"""

from __future__ import annotations

import sqlalchemy as sa

from accord.adapters.tables import LongBinary, LongText, SequenceId, Stamp, metadata

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("expires_at", Stamp),
    sa.Column("revoked_at", Stamp),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", SequenceId, primary_key=True, autoincrement=False),
    sa.Column("at", Stamp, nullable=False),
    sa.Column("actor", sa.String(300), nullable=False),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("correlation_id", sa.String(200), nullable=False),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
    sa.Column("before_digest", sa.String(64), nullable=False),
    sa.Column("after_digest", sa.String(64), nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("purged_at", Stamp),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", SequenceId, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(300), primary_key=True),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("body", LongBinary),
    sa.Column("content_type", sa.String(200)),
    sa.Column("created_at", Stamp, nullable=False),
)

webhook_signatures = sa.Table(
    "webhook_signatures",
    metadata,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("signature", sa.String(128), primary_key=True),
    sa.Column("received_at", Stamp, nullable=False),
)

legal_holds = sa.Table(
    "legal_holds",
    metadata,
    sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String(500), nullable=False),
    sa.Column("reason", LongText, nullable=False),
    sa.Column("placed_by", sa.String(300), nullable=False),
    sa.Column("placed_at", Stamp, nullable=False),
    sa.Column("released_at", Stamp),
    sa.Column("released_by", sa.String(300)),
)

dashboard_sessions = sa.Table(
    "dashboard_sessions",
    metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("method", sa.String(300), nullable=False),
    sa.Column("key_id", sa.String(32), index=True),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("expires_at", Stamp, nullable=False, index=True),
    sa.Column("revoked_at", Stamp),
)
