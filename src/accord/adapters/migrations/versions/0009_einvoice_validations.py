"""EN 16931 e-invoice validations: the latest result per document and syntax.

Revision ID: 0009_einvoice
Revises: 0008_input
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.adapters.tables import LongText, Stamp

revision = "0009_einvoice"
down_revision = "0008_input"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "einvoice_validations",
        sa.Column("number", sa.String(100), primary_key=True),
        sa.Column("syntax", sa.String(10), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("violations", LongText, nullable=False),
        sa.Column("validated_at", Stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("einvoice_validations")
