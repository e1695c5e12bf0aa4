"""A logged event keeps its record's canonical data and references for the worker.

Ingest validates each event into its canonical model; `inbound_events.data` (the
record's canonical JSON) and `inbound_events.refs` (the keys of the records it names)
hand what it read to the worker, which no longer decodes and re-encodes the payload.
They stand while the event is pending and are cleared once it is processed. The events
an existing home left pending get both from their payload here, as ingest stores them
now, so they apply after the upgrade as they would have before it; a downgrade drops
the columns (the payload was kept throughout).

Revision ID: 0012_event_data
Revises: 0011_billing_rows
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from pydantic_core import from_json

from accord.adapters.event_log import encode_references
from accord.adapters.tables import LongText
from accord.application.applying import references_of
from accord.canonical.registry import model_for

revision = "0012_event_data"
down_revision = "0011_billing_rows"
branch_labels = None
depends_on = None

_PAGE = 1000
_events = sa.table(
    "inbound_events",
    sa.column("seq", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("business_kind", sa.String),
    sa.column("payload", sa.Text),
    sa.column("data", sa.Text),
    sa.column("refs", sa.Text),
)


def upgrade() -> None:
    op.add_column("inbound_events", sa.Column("data", LongText))
    op.add_column("inbound_events", sa.Column("refs", LongText))
    _fill_pending(op.get_bind())


def _fill_pending(conn: sa.Connection) -> None:
    """Data and references of every pending event, a page at a time, from its payload."""
    c = _events.c
    pending = (
        sa.select(c.seq, c.business_kind, c.payload)
        .where(c.status == "pending")
        .order_by(c.seq)
        .limit(_PAGE)
    )
    fill = (
        sa.update(_events)
        .where(c.seq == sa.bindparam("row_seq"))
        .values(data=sa.bindparam("row_data"), refs=sa.bindparam("row_refs"))
    )
    after = 0
    while rows := conn.execute(pending.where(c.seq > after)).all():
        conn.execute(fill, [_filled(row.seq, row.business_kind, row.payload) for row in rows])
        after = rows[-1].seq


def _filled(seq: int, kind: str, payload: str) -> dict[str, Any]:
    """What ingest stores with an event now, from the record its payload holds (it was
    validated when it was logged)."""
    document = from_json(payload)
    record = model_for(kind, 1).model_validate(document["data"])
    refs = encode_references(references_of(record))
    return {"row_seq": seq, "row_data": record.to_json(), "row_refs": refs}


def downgrade() -> None:
    op.drop_column("inbound_events", "refs")
    op.drop_column("inbound_events", "data")
