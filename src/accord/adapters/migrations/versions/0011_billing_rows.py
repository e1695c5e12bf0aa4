"""The billing book as rows: `billing_rows` (one row per entry of each keyed part of the
book, by contract) and `billing_checkpoint`, replacing the one-document `billing_state`.

An existing home's book is decoded from its JSON document and written as rows with its
checkpoint, then the old table is dropped; a downgrade writes the document back.

Revision ID: 0011_billing_rows
Revises: 0010_people
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from accord.adapters import dataclass_json
from accord.adapters.billing_rows import billing_checkpoint, billing_rows, book_of
from accord.adapters.billing_store import write_book
from accord.adapters.tables import LongText, Stamp
from accord.application.billing import BillingBook

revision = "0011_billing_rows"
down_revision = "0010_people"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ROW = 1


def _old_table() -> sa.Table:
    return sa.Table(
        "billing_state",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checkpoint", sa.BigInteger, nullable=False),
        sa.Column("data", LongText, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )


def upgrade() -> None:
    op.create_table(
        "billing_rows",
        sa.Column("seq", _Id, primary_key=True, autoincrement=True),
        sa.Column("part", sa.String(40), nullable=False),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("contract", sa.String(200), nullable=False),
        sa.Column("ref", sa.String(200)),
        sa.Column("data", LongText, nullable=False),
    )
    op.create_index("uq_billing_rows_part_key", "billing_rows", ["part", "key"], unique=True)
    op.create_index("ix_billing_rows_contract", "billing_rows", ["contract", "part"])
    op.create_index("ix_billing_rows_part_ref", "billing_rows", ["part", "ref"])
    op.create_table(
        "billing_checkpoint",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checkpoint", sa.BigInteger, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    conn = op.get_bind()
    old = _old_table()
    row = conn.execute(sa.select(old.c.data, old.c.checkpoint).where(old.c.id == _ROW)).first()
    if row is not None:
        book = dataclass_json.loads(row.data, BillingBook)
        write_book(conn, book, int(row.checkpoint), book_of(()))
    op.drop_table("billing_state")


def downgrade() -> None:
    conn = op.get_bind()
    stored = conn.execute(
        sa.select(billing_rows.c.part, billing_rows.c.key, billing_rows.c.data).order_by(
            billing_rows.c.seq
        )
    ).all()
    checkpoint = conn.execute(sa.select(billing_checkpoint.c.checkpoint)).scalar()
    old = _old_table()
    old.create(conn)
    if stored or checkpoint is not None:
        rows = book_of((r.part, r.key, r.data) for r in stored)
        book = replace(rows, settled_entries={}, settled_expenses={}, run_bases={})
        conn.execute(
            old.insert().values(
                id=_ROW,
                checkpoint=int(checkpoint or 0),
                data=dataclass_json.dumps(book),
                updated_at=datetime.now(UTC),
            )
        )
    op.drop_table("billing_checkpoint")
    op.drop_table("billing_rows")
