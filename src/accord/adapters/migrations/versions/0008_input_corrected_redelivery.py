"""A corrected redelivery of a quarantined event is stored next to it.

`(source, event_id)` stays unique among the events that stand; a quarantined delivery
that a corrected one replaced is kept with status `superseded` and leaves the index.

Revision ID: 0008_input
Revises: 0007_gov
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_input"
down_revision = "0007_gov"
branch_labels = None
depends_on = None

NAME = "uq_inbound_events_source_event_id"
LIVE_EVENTS = sa.text("status <> 'superseded'")


def upgrade() -> None:
    with op.batch_alter_table("inbound_events") as batch:
        batch.drop_constraint(NAME, type_="unique")
    op.create_index(
        NAME,
        "inbound_events",
        ["source", "event_id"],
        unique=True,
        sqlite_where=LIVE_EVENTS,
        postgresql_where=LIVE_EVENTS,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="inbound_events")
    # The old schema holds one delivery per (source, id): the superseded ones go.
    op.execute("DELETE FROM inbound_events WHERE status = 'superseded'")
    with op.batch_alter_table("inbound_events") as batch:
        batch.create_unique_constraint(NAME, ["source", "event_id"])
