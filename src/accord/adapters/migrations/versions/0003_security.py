"""Governance: API keys, hash-chained audit log, idempotency keys, webhook signatures,
legal holds. The audit log is append-only at the database level too.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.adapters.tables import MARIADB, LongBinary, LongText, Stamp

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CHAINED = (
    "seq, at, actor, action, subject, correlation_id, before_digest, after_digest, "
    "previous_hash, hash"
)
_REFUSE = "audit_log is append-only: only retention may erase documents, keeping digests"
_SIGNAL = f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{_REFUSE}'"


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp),
        sa.Column("revoked_at", Stamp),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", Seq, primary_key=True, autoincrement=False),
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
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", Seq, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(300), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("body", LongBinary),
        sa.Column("content_type", sa.String(200)),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_table(
        "webhook_signatures",
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("signature", sa.String(128), primary_key=True),
        sa.Column("received_at", Stamp, nullable=False),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("reason", LongText, nullable=False),
        sa.Column("placed_by", sa.String(300), nullable=False),
        sa.Column("placed_at", Stamp, nullable=False),
        sa.Column("released_at", Stamp),
        sa.Column("released_by", sa.String(300)),
    )
    _guard_audit_log()


def _guard_audit_log() -> None:
    if op.get_bind().dialect.name in MARIADB:
        _guard_mariadb()
        return
    if op.get_bind().dialect.name == "postgresql":
        old = ", ".join(f"OLD.{name.strip()}" for name in _CHAINED.split(","))
        new = ", ".join(f"NEW.{name.strip()}" for name in _CHAINED.split(","))
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP = 'DELETE' OR ({new}) IS DISTINCT FROM ({old}) THEN\n"
            f"    RAISE EXCEPTION '{_REFUSE}';\n"
            "  END IF;\n"
            "  RETURN NEW;\n"
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    op.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE OF {_CHAINED} ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
    )


def _guard_mariadb() -> None:
    same = " AND ".join(
        f"NEW.{name.strip()} <=> OLD.{name.strip()}" for name in _CHAINED.split(",")
    )
    op.execute(
        f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW {_SIGNAL}"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW "
        f"IF NOT ({same}) THEN {_SIGNAL}; END IF"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    for table in (
        "legal_holds",
        "webhook_signatures",
        "idempotency_keys",
        "audit_head",
        "audit_log",
        "api_keys",
    ):
        op.drop_table(table)
