"""Billing state and connector cursors.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.adapters.tables import LongText, Stamp

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checkpoint", sa.BigInteger, nullable=False),
        sa.Column("data", LongText, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_index("ix_business_objects_source_seq", "business_objects", ["source_seq"])
    op.create_table(
        "connector_cursors",
        sa.Column("connector", sa.String(200), primary_key=True),
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("cursor", LongText, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("connector_cursors")
    op.drop_index("ix_business_objects_source_seq", "business_objects")
    op.drop_table("billing_state")
