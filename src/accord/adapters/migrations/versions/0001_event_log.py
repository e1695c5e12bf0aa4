"""Event log: inbound events, applied business objects, checkpoints, outbox, exceptions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.adapters.tables import MARIADB, LongText, Stamp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SequenceId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name in MARIADB:
        # Keys compare byte for byte, as on SQLite and PostgreSQL: "K1", "k1" and "K1 "
        # are three keys (MariaDB's default collation would make them one).
        op.execute("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
    op.create_table(
        "inbound_events",
        sa.Column("seq", SequenceId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("event_id", sa.String(500), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(500)),
        sa.Column("business_kind", sa.String(100)),
        sa.Column("business_key", sa.String(500)),
        sa.Column("business_version", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", LongText),
        sa.Column("payload", LongText, nullable=False),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("processed_at", Stamp),
        sa.UniqueConstraint("source", "event_id", name="uq_inbound_events_source_event_id"),
    )
    op.create_index("ix_inbound_events_status_seq", "inbound_events", ["status", "seq"])
    op.create_table(
        "business_objects",
        sa.Column("kind", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("data", LongText, nullable=False),
        sa.Column("source_seq", SequenceId, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "worker_checkpoints",
        sa.Column("worker", sa.String(200), primary_key=True),
        sa.Column("last_seq", SequenceId, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", SequenceId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(500), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(500)),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("payload", LongText, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("published_at", Stamp),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "seq"])
    op.create_table(
        "exceptions",
        sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(50), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", LongText, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("amount_at_risk", sa.Numeric(20, 6)),
        sa.Column("currency", sa.String(3)),
        sa.Column("sla_due", Stamp, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("resolved_at", Stamp),
        sa.Column("blocks", sa.JSON, nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
    )
    op.create_index("ix_exceptions_status_owner", "exceptions", ["status", "owner"])


def downgrade() -> None:
    for table in ("exceptions", "outbox", "worker_checkpoints", "business_objects"):
        op.drop_table(table)
    op.drop_index("ix_inbound_events_status_seq", table_name="inbound_events")
    op.drop_table("inbound_events")
