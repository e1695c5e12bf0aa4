"""The apply sequence: the order in which business objects became visible.

`business_objects.applied_seq` is handed out under a lock each worker holds to its
commit, so with several workers it still commits in increasing order and a reader that
follows "applied_seq > checkpoint" misses nothing. Existing rows keep their source_seq
as applied_seq, so checkpoints taken on source_seq stay valid.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "business_objects",
        sa.Column("applied_seq", Seq, nullable=False, server_default="0"),
    )
    op.execute("UPDATE business_objects SET applied_seq = source_seq")
    op.create_index("ix_business_objects_applied_seq", "business_objects", ["applied_seq"])
    # Readers follow applied_seq now; one index less to maintain on every upsert.
    op.drop_index("ix_business_objects_source_seq", "business_objects")
    op.create_table(
        "apply_sequence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_value", Seq, nullable=False),
    )
    op.execute(
        "INSERT INTO apply_sequence (id, last_value) "
        "SELECT 1, COALESCE(MAX(source_seq), 0) FROM business_objects"
    )


def downgrade() -> None:
    op.drop_table("apply_sequence")
    op.create_index("ix_business_objects_source_seq", "business_objects", ["source_seq"])
    op.drop_index("ix_business_objects_applied_seq", "business_objects")
    with op.batch_alter_table("business_objects") as batch:
        batch.drop_column("applied_seq")
