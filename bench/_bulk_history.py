"""A billed history written in bulk: the rows the hub's own path would write, fast.

The growth bench needs stores holding up to 1,000,000 approved entries, already
invoiced. Through the hub's path (ingest, the worker applying, billing catching up in
batches, one invoice run) that takes 12 to 20 minutes on the development machine. Here
the same code makes the same decisions, only without the round trips between them:

- the event log: each entry's CloudEvent (`event_for`) parsed by the hub's ingest
  (`IngestService.parse`), stored as applied in `inbound_events`, its record in
  `business_objects` and the worker's applied message (`applied_message`) in `outbox`,
  with the apply sequence and the worker's checkpoint moved on, BATCH events per
  transaction of multi-row inserts;
- billing: the stored book (master data, caught up by the hub beforehand) takes every
  entry through the engine's `approve_time` and one `run_invoicing` per chunk of
  contracts, as the invoice run chunks them, and the billing store's `write_book` writes
  what changed, with billing's checkpoint; it gathers PostgreSQL's statistics of the
  rows as the store's saves do;
- then, on PostgreSQL, the tables written are vacuumed and analyzed (`VACUUM_ANALYZED`),
  as a bulk load is to be followed and as autovacuum soon would after such writes.
  Without it the store is one no hub with autovacuum stays in: the catch-up write
  leaves an unsettled row per entry and the run's write deletes them all, so at
  1,000,000 entries a million dead rows sat in `billing_rows`' indexes, and every
  look-up of unsettled items by id stepped over them (a tick of 0.33 s, 0.08 s
  vacuumed; the first one after seeding up to 0.9 s, marking them dead on the way).

`tests/integration/bench/test_bulk_history.py` seeds a small history both ways and
finds the same rows, and the same invoice from the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa

from accord.adapters.billing_store import write_book
from accord.adapters.sql import execute_many, placeholders, stamp
from accord.adapters.tables import (
    apply_sequence,
    business_objects,
    inbound_events,
    outbox,
    worker_checkpoints,
)
from accord.application import billing_mapping
from accord.application.applying import applied_message
from accord.application.billing import BillingBook
from accord.application.billing_reads import RUN_CHUNK, Slice
from accord.application.inbound_sync import pulled_event
from accord.application.ports import InboundEvent, PendingEvent
from accord.application.run_reads import RunReads
from accord.bootstrap import Hub
from accord.canonical import v1
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time
from accord.domain.delivery.model import TimeEntry

SOURCE = "/psa/time_entries"
BATCH = 10_000
"""Events per transaction."""


def seed(hub: Hub, entries: Iterable[v1.TimeEntry], through: date) -> int:
    """Log, apply, bill and invoice through `through` the approved `entries` (master data
    already applied and caught up by billing); returns how many documents were issued."""
    recorded: list[v1.TimeEntry] = []
    checkpoint = 0
    every = iter(entries)
    while chunk := list(islice(every, BATCH)):
        checkpoint = _log_applied(hub, chunk)
        recorded += chunk
    issued = _bill(hub, recorded, through, checkpoint)
    _vacuum_analyze(hub)
    return issued


VACUUM_ANALYZED = ("inbound_events", "business_objects", "outbox", "billing_rows")
"""The tables seeding writes in bulk."""


def _vacuum_analyze(hub: Hub) -> None:
    """VACUUM (ANALYZE) the tables written, on PostgreSQL (outside a transaction, as
    VACUUM must be): dead rows gone, visibility and planner statistics current."""
    if hub.engine.dialect.name != "postgresql":
        return
    with hub.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(VACUUM_ANALYZED)}")


def _log_applied(hub: Hub, entries: Sequence[v1.TimeEntry]) -> int:
    """One transaction: the entries logged and applied; returns the last applied seq."""
    events = [pulled_event(entry, SOURCE) for entry in entries]
    with hub.engine.begin() as conn:
        seq = int(conn.execute(sa.select(sa.func.max(inbound_events.c.seq))).scalar() or 0)
        applied = int(conn.execute(sa.select(apply_sequence.c.last_value)).scalar_one())
        now = datetime.now(UTC)
        at = stamp(conn, now)
        logged = [(seq + 1 + n, e, _body(e)) for n, e in enumerate(events)]
        insert_rows(conn, inbound_events, _INBOUND, [_inbound(s, e, at) for s, e, _ in logged])
        objects = [_object(s, e, body, applied + s - seq, at) for s, e, body in logged]
        insert_rows(conn, business_objects, _OBJECTS, objects)
        messages = [_message(s, e, body, now, at) for s, e, body in logged]
        insert_rows(conn, outbox, _MESSAGES, messages)
        applied += len(events)
        conn.execute(apply_sequence.update().values(last_value=applied))
        conn.execute(
            worker_checkpoints.update()
            .where(worker_checkpoints.c.worker == hub.worker.name)
            .values(last_seq=seq + len(events), updated_at=now)
        )
        _follow_sequence(conn)
    return applied


_INBOUND = [
    *("seq", "source", "event_id", "type", "subject", "business_kind", "business_key"),
    *("business_version", "status", "reason", "payload", "received_at", "processed_at"),
]
_OBJECTS = ["kind", "key", "version", "data", "source_seq", "applied_seq", "updated_at"]
_MESSAGES = ["event_id", "type", "subject", "source", "payload", "created_at"]


def _inbound(seq: int, e: InboundEvent, at: Any) -> tuple[Any, ...]:
    """The event as logged, already applied (received and processed at `at`)."""
    identity = (e.source, e.event_id, e.type, e.subject)
    business = (e.business_kind, e.business_key, e.business_version)
    return (seq, *identity, *business, "applied", None, e.payload, at, at)


def _body(e: InboundEvent) -> str:
    """The record as the worker stores it: the canonical data ingest logged with it."""
    assert e.data is not None, "a pulled event carries its canonical data"
    return e.data


def _object(seq: int, e: InboundEvent, body: str, applied: int, at: Any) -> tuple[Any, ...]:
    return (e.business_kind, e.business_key, e.business_version, body, seq, applied, at)


def _message(seq: int, e: InboundEvent, body: str, now: datetime, at: Any) -> tuple[Any, ...]:
    """The worker's CloudEvent announcing the applied record."""
    kind, key, version = str(e.business_kind), str(e.business_key), str(e.business_version)
    pending = PendingEvent(seq, e.source, e.event_id, e.type, e.subject, kind, key, version, body)
    m = applied_message(pending, now.isoformat())
    return (m.event_id, m.type, m.subject, m.source, m.payload, at)


def insert_rows(
    conn: sa.Connection, table: sa.Table, columns: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Append `rows` to `table`: PostgreSQL's COPY, else one multi-row executemany."""
    names = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in columns)
    if conn.dialect.name != "postgresql":
        values = placeholders(len(columns))
        execute_many(conn, f"INSERT INTO {table.name} ({names}) VALUES ({values})", rows)
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _follow_sequence(conn: sa.Connection) -> None:
    """PostgreSQL hands out the log's `seq` from a sequence the explicit values bypassed:
    move it on, so the hub's next append continues after them (SQLite takes the largest)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('inbound_events', 'seq'), "
            "(SELECT max(seq) FROM inbound_events))"
        )


def _bill(hub: Hub, entries: list[v1.TimeEntry], through: date, checkpoint: int) -> int:
    """Catch billing up with `entries` and run the invoices, each in one write."""
    before = hub.billing.book()
    caught_up = replace(before, state=_approved(before.state, entries))
    _write(hub, caught_up, checkpoint, before)
    invoiced, issued = caught_up, 0
    for chunk in _chunks(list(caught_up.state.contracts)):
        result = run_invoicing(invoiced.state, through, frozenset(chunk))
        # as the hub's run does: what the run left alone is settled for the next one
        settling = RunReads(_read_nothing, chunk, through)
        invoiced, issued = settling.settled(invoiced, result), issued + len(result.documents)
    _write(hub, invoiced, None, caught_up)
    return issued


def _read_nothing(scope: Slice) -> BillingBook:
    """The settling of a seeded run reads nothing: the seed holds the whole book."""
    raise AssertionError(f"a seeded run settles without reading {scope}")


def _approved(state: BillingState, entries: list[v1.TimeEntry]) -> BillingState:
    """`approve_time` contract by contract: each entry is new, and a new entry is looked
    for in every other contract's entries (a move), which for a million entries over
    hundreds of contracts would cost more than all the rest."""
    by_contract: dict[str, list[TimeEntry]] = {}
    for entry in entries:
        by_contract.setdefault(entry.contract, []).append(billing_mapping.time_entry(entry))
    held = dict(state.time_entries)
    for contract, approved in by_contract.items():
        alone = replace(state, time_entries={contract: held.get(contract, {})})
        held[contract] = approve_time(alone, approved).time_entries[contract]
    return replace(state, time_entries=held)


def _chunks(contracts: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(contracts), RUN_CHUNK):
        yield contracts[start : start + RUN_CHUNK]


def _write(hub: Hub, book: BillingBook, checkpoint: int | None, before: BillingBook) -> None:
    with hub.engine.begin() as conn:
        write_book(conn, book, checkpoint, before)
