"""Exception queue people features: an assignee and tags per exception, and the log of
notifications sent (one row per exception, event and channel, so none is sent twice).

Revision ID: 0010_people
Revises: 0009_einvoice
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.adapters.tables import Stamp

revision = "0010_people"
down_revision = "0009_einvoice"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("exceptions", sa.Column("assignee", sa.String(200)))
    op.add_column("exceptions", sa.Column("tags", sa.JSON))
    op.create_table(
        "exception_notifications",
        sa.Column("exception_id", _Id, primary_key=True),
        sa.Column("event", sa.String(50), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("recipient", sa.String(500), nullable=False),
        sa.Column("sent_at", Stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exception_notifications")
    with op.batch_alter_table("exceptions") as batch:
        batch.drop_column("tags")
        batch.drop_column("assignee")
