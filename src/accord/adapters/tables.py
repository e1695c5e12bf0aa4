"""The event-log schema as SQLAlchemy Core tables, shared by the adapters.

Migrations (``migrations/versions``) create these tables; the adapters read and write
them with bulk Core statements because the ingest path is throughput-bound.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

metadata = sa.MetaData()

MARIADB = ("mysql", "mariadb")
"""The dialect names SQLAlchemy gives a MariaDB store (`mysql+pymysql://`, `mariadb+...`)."""

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite, so autoincrement works on both.
SequenceId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), *MARIADB)
"""A point in time, to the microsecond everywhere (MariaDB's DATETIME keeps whole
seconds unless asked for six digits); always UTC."""
LongText = sa.Text().with_variant(mysql.LONGTEXT(), *MARIADB)
"""Text of any size: MariaDB's TEXT stops at 64 KiB, too small for a payload or a book row."""
LongBinary = sa.LargeBinary().with_variant(mysql.LONGBLOB(), *MARIADB)
"""Bytes of any size (MariaDB's BLOB stops at 64 KiB)."""

inbound_events = sa.Table(
    "inbound_events",
    metadata,
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
    sa.Column("data", LongText),
    sa.Column("refs", LongText),
)
"""`data` (the record as canonical JSON) and `refs` (the keys of the records it names,
a JSON array) are what ingest read from the validated record, for the
worker: they stand while the event is pending and are cleared once it is processed
(migration 0012)."""
sa.Index("ix_inbound_events_status_seq", inbound_events.c.status, inbound_events.c.seq)
LIVE_EVENTS = sa.text("status <> 'superseded'")
"""`(source, event_id)` is unique among the events that stand: a quarantined delivery
replaced by its corrected redelivery is kept, superseded, next to it. MariaDB has no
partial index: there the unique index is on `live_key`, a stored hash of the pair that
is NULL once superseded (migration 0008)."""
sa.Index(
    "uq_inbound_events_source_event_id",
    inbound_events.c.source,
    inbound_events.c.event_id,
    unique=True,
    sqlite_where=LIVE_EVENTS,
    postgresql_where=LIVE_EVENTS,
)

business_objects = sa.Table(
    "business_objects",
    metadata,
    sa.Column("kind", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(500), primary_key=True),
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("data", LongText, nullable=False),
    sa.Column("source_seq", SequenceId, nullable=False),
    sa.Column("applied_seq", SequenceId, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
)
sa.Index("ix_business_objects_applied_seq", business_objects.c.applied_seq)

apply_sequence = sa.Table(
    "apply_sequence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_value", SequenceId, nullable=False),
)
"""One row: the last `business_objects.applied_seq` handed out. A worker locks it before
it reads versions and holds it to its commit, so applied_seq values become visible in
increasing order even with several workers (see docs/event-log.md, "Several workers")."""

worker_checkpoints = sa.Table(
    "worker_checkpoints",
    metadata,
    sa.Column("worker", sa.String(200), primary_key=True),
    sa.Column("last_seq", SequenceId, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(500), nullable=False, unique=True),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(500)),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("payload", LongText, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("published_at", Stamp),
)
sa.Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.seq)

exceptions = sa.Table(
    "exceptions",
    metadata,
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
    sa.Column("assignee", sa.String(200)),
    sa.Column("tags", sa.JSON),
)
sa.Index("ix_exceptions_status_owner", exceptions.c.status, exceptions.c.owner)

exception_notifications = sa.Table(
    "exception_notifications",
    metadata,
    sa.Column("exception_id", SequenceId, primary_key=True),
    sa.Column("event", sa.String(50), primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("recipient", sa.String(500), nullable=False),
    sa.Column("sent_at", Stamp, nullable=False),
)
"""One row per notification sent: the claim that keeps a second tick from sending it."""
