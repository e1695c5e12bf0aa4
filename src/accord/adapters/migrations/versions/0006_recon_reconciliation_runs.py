"""Reconciliation jobs: requested or scheduled, run by the scheduler, their report kept.

Revision ID: 0006_recon
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.adapters.tables import LongText, Stamp

revision = "0006_recon"
down_revision = "0005"
branch_labels = None
depends_on = None

SequenceId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pending", sa.Boolean, unique=True),
        sa.Column("requested_by", sa.String(300), nullable=False),
        sa.Column("requested_at", Stamp, nullable=False),
        sa.Column("started_at", Stamp),
        sa.Column("finished_at", Stamp),
        sa.Column("as_of", sa.Date),
        sa.Column("report", LongText),
        sa.Column("error", LongText),
    )
    op.create_index("ix_reconciliation_runs_status_id", "reconciliation_runs", ["status", "id"])


def downgrade() -> None:
    op.drop_table("reconciliation_runs")
