"""A corrected redelivery of a quarantined event is stored next to it.

`(source, event_id)` stays unique among the events that stand; a quarantined delivery
that a corrected one replaced is kept with status `superseded` and leaves the index.

MariaDB has no partial index, and its index keys stop at 3072 bytes (the pair takes up
to 4000): there the unique index is on `live_key`, a stored SHA-256 of the pair that is
NULL once superseded (NULLs never collide), and lookups by the pair use a prefix index.

Revision ID: 0008_input
Revises: 0007_gov
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from accord.adapters.tables import MARIADB

revision = "0008_input"
down_revision = "0007_gov"
branch_labels = None
depends_on = None

NAME = "uq_inbound_events_source_event_id"
LIVE_EVENTS = sa.text("status <> 'superseded'")
LOOKUP = "ix_inbound_events_source_event_id"
LIVE_KEY = (
    "IF(status <> 'superseded', "
    "UNHEX(SHA2(CONCAT(CHAR_LENGTH(source), ':', source, event_id), 256)), NULL)"
)
"""The pair, length-prefixed so that no two pairs hash the same text."""


def upgrade() -> None:
    if op.get_bind().dialect.name in MARIADB:
        _upgrade_mariadb()
        return
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


def _upgrade_mariadb() -> None:
    op.drop_constraint(NAME, "inbound_events", type_="unique")
    live_key = sa.Column("live_key", mysql.BINARY(32), sa.Computed(LIVE_KEY, persisted=True))
    op.add_column("inbound_events", live_key)
    op.create_index(NAME, "inbound_events", ["live_key"], unique=True)
    lengths = {"source": 255, "event_id": 255}
    op.create_index(LOOKUP, "inbound_events", ["source", "event_id"], mysql_length=lengths)


def downgrade() -> None:
    if op.get_bind().dialect.name in MARIADB:
        op.drop_index(LOOKUP, table_name="inbound_events")
        op.drop_index(NAME, table_name="inbound_events")
        op.drop_column("inbound_events", "live_key")
    else:
        op.drop_index(NAME, table_name="inbound_events")
    # The old schema holds one delivery per (source, id): the superseded ones go.
    op.execute("DELETE FROM inbound_events WHERE status = 'superseded'")
    with op.batch_alter_table("inbound_events") as batch:
        batch.create_unique_constraint(NAME, ["source", "event_id"])
