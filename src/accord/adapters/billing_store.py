"""SQLAlchemy persistence for the billing engine's state, connector cursors and reads of
applied records.

The billing book is stored as rows (`billing_rows`, see `adapters.billing_rows`): a step
loads the slice of the book it needs (the rows of the contracts it touches plus the
firm-wide rows), and writes back only the rows its change touched, with the checkpoint
of applied records it has read, in the step's transaction, so billing never sees a
record twice or misses one. Reads the flows make often (a document by number, the
documents awaiting posting, the entries billed on a document) are indexed queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Engine

from accord.adapters.billing_rows import (
    INTERCOMPANY,
    Changes,
    appended,
    billing_checkpoint,
    billing_rows,
    book_of,
    changes,
    decode,
    decode_key,
    encode_key,
    encode_value,
    rows_of,
)
from accord.adapters.billing_slices import ROWS, chunks, read_slice
from accord.adapters.locks import exclusive_all
from accord.adapters.planner_statistics import refresh_if_due
from accord.adapters.store import READ_ONLY
from accord.adapters.tables import LongText, Stamp, business_objects, metadata
from accord.adapters.transactions import begin, reading
from accord.application.billing import BillingBook, Slice
from accord.application.ports import BusinessObject
from accord.domain.billing.documents import Document
from accord.domain.billing.ledger import IntercompanyCharge

connector_cursors = sa.Table(
    "connector_cursors",
    metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("stream", sa.String(200), primary_key=True),
    sa.Column("cursor", LongText, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
)

_ROW = 1
_BOOK_LOCK = "billing-book"
_r = billing_rows.c


class SqlAlchemyBillingStateStore:
    """The billing book as rows; a step loads and saves the slice it touches."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def exclusive(self, names: Collection[str]) -> Iterator[None]:
        """Hold the named billing locks (threads and processes alike), taken in sorted
        order so two steps locking overlapping contracts never deadlock. PostgreSQL and
        MariaDB run steps on different contracts at once; on SQLite (one process, one
        writer at a time) every step takes the one book lock."""
        if self._engine.dialect.name == "sqlite":
            names = [_BOOK_LOCK]
        with exclusive_all(self._engine, names):
            yield

    def load(self, scope: Slice | None = None) -> tuple[BillingBook | None, int]:
        """The whole book (None), or the rows `scope` names and the firm-wide rows, with
        the checkpoint. Intercompany charges (append-only, read by reports only) come
        with the whole book alone."""
        with reading(self._engine) as conn:  # inside a block: the block's own writes
            stored: list[Any]
            if scope is None:
                stored = list(conn.execute(ROWS.order_by(_r.seq)))
            else:
                stored = read_slice(conn, scope)
            checkpoint = _checkpoint(conn)
        return book_of((r.part, r.key, r.data) for r in stored), checkpoint

    def last_checkpoint(self) -> int:
        """The checkpoint alone: an idle catch-up reads this and no billing row."""
        with reading(self._engine) as conn:
            return _checkpoint(conn)

    def save(
        self, book: BillingBook, checkpoint: int | None, before: BillingBook | None = None
    ) -> None:
        """Write what `book` changed from `before` (the slice as loaded; the whole
        stored book when omitted) and, unless None, the new checkpoint."""
        with begin(self._engine) as conn:
            if before is None:
                before = self.load()[0] or book_of(())
            write_book(conn, book, checkpoint, before)

    def holders(self, entries: Iterable[str]) -> dict[str, str]:
        """Time entry id -> the contract holding it now."""
        found: dict[str, str] = {}
        with reading(self._engine) as conn:
            for chunk in chunks(entries):
                query = sa.select(_r.ref, _r.contract).where(
                    _r.part == "time_entry", _r.ref.in_(chunk)
                )
                found.update({str(r.ref): str(r.contract) for r in conn.execute(query)})
        return found

    def contracts_of(self, documents: Iterable[str]) -> dict[str, str]:
        """Document number -> the contract it was issued on (known documents only)."""
        found: dict[str, str] = {}
        with reading(self._engine) as conn:
            for chunk in chunks(documents):
                keys = [encode_key(number) for number in chunk]
                query = sa.select(_r.key, _r.contract).where(
                    _r.part == "document", _r.key.in_(keys)
                )
                rows = conn.execute(query)
                found.update({decode_key("document", r.key): r.contract for r in rows})
        return found

    def document(self, number: str) -> Document | None:
        with reading(self._engine) as conn:
            data = conn.execute(
                sa.select(_r.data).where(_r.part == "document", _r.key == encode_key(number))
            ).scalar()
        return None if data is None else decode("document", encode_key(number), data)[1]

    def documents(self, status: str | None = None) -> list[Document]:
        """Every document in issue order, or those in `status`."""
        query = ROWS.where(_r.part == "document").order_by(_r.seq)
        if status is not None:
            query = query.where(_r.ref == status)
        with reading(self._engine) as conn:
            return [decode("document", r.key, r.data)[1] for r in conn.execute(query)]

    def entries_billed_on(self, number: str) -> list[str]:
        query = sa.select(_r.key).where(_r.part == "billed_entry", _r.ref == number)
        with reading(self._engine) as conn:
            return sorted(decode_key("billed_entry", r.key) for r in conn.execute(query))

    def contract_ids(self) -> list[str]:
        """Every contract, in onboarding order."""
        query = sa.select(_r.contract).where(_r.part == "contract").order_by(_r.seq)
        with reading(self._engine) as conn:
            return [str(contract) for contract in conn.execute(query).scalars()]

    def signed(self) -> dict[str, date]:
        """Signed contracts and their signing day."""
        query = sa.select(_r.key, _r.data).where(_r.part == "signed").order_by(_r.seq)
        with reading(self._engine) as conn:
            return dict(decode("signed", r.key, r.data) for r in conn.execute(query))

    def intercompany(self, contracts: Collection[str]) -> list[IntercompanyCharge]:
        """The intercompany charges of `contracts`, in the order they were charged."""
        found: dict[int, IntercompanyCharge] = {}
        with reading(self._engine) as conn:
            for chunk in chunks(contracts):
                query = ROWS.where(_r.contract.in_(chunk), _r.part == INTERCOMPANY)
                found.update(
                    {
                        int(r.seq): decode(INTERCOMPANY, r.key, r.data)[1]
                        for r in conn.execute(query)
                    }
                )
        return [found[seq] for seq in sorted(found)]


def write_book(
    conn: sa.Connection, book: BillingBook, checkpoint: int | None, before: BillingBook
) -> None:
    """Write what `book` changed from `before` on `conn` (the store's saves and the
    migration that moved the one-document book into rows); a write that grew or changed
    the rows enough has PostgreSQL's statistics of them gathered again (see
    `planner_statistics`), so the indexed look-ups stay index look-ups."""
    written = _write(conn, changes(rows_of(before), rows_of(book)))
    written += _append(conn, appended(before, book))
    if checkpoint is not None:
        _set_checkpoint(conn, checkpoint)
    refresh_if_due(conn, billing_rows.name, written)


def _write(conn: sa.Connection, change: Changes) -> int:
    """Apply `change`; returns how many rows it deleted or wrote."""
    gone = [*change.deletes, *change.moved]
    by_part: dict[str, list[str]] = {}
    for part, key in gone:
        by_part.setdefault(part, []).append(encode_key(key))
    for part, keys in by_part.items():  # a run settling its items drops a row each
        for chunk in chunks(keys):
            conn.execute(billing_rows.delete().where(_r.part == part, _r.key.in_(chunk)))
    values = [
        {
            "part": part,
            "key": encode_key(key),
            "contract": row.contract,
            "ref": row.ref,
            "data": encode_value(row.value),
        }
        for (part, key), row in change.upserts.items()
    ]
    if values:
        _upsert(conn, values)
    return len(gone) + len(values)


def _upsert(conn: sa.Connection, values: Sequence[dict[str, Any]]) -> None:
    """Insert the rows; a key already stored keeps its place (`seq`) and takes the rest."""
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        module: Any = postgresql if dialect == "postgresql" else sqlite
        insert = module.insert(billing_rows)
        statement = insert.on_conflict_do_update(
            index_elements=[_r.part, _r.key],
            set_={name: insert.excluded[name] for name in ("contract", "ref", "data")},
        )
    else:
        insert = mysql.insert(billing_rows)
        statement = insert.on_duplicate_key_update(
            {name: insert.inserted[name] for name in ("contract", "ref", "data")}
        )
    conn.execute(statement, list(values))


def _append(conn: sa.Connection, charges: Sequence[Any]) -> int:
    if charges:
        conn.execute(
            billing_rows.insert(),
            [
                {
                    "part": INTERCOMPANY,
                    "key": encode_key(uuid.uuid4().hex),
                    "contract": charge.contract,
                    "ref": None,
                    "data": encode_value(charge),
                }
                for charge in charges
            ],
        )
    return len(charges)


def _checkpoint(conn: sa.Connection) -> int:
    c = billing_checkpoint.c
    return int(conn.execute(sa.select(c.checkpoint).where(c.id == _ROW)).scalar() or 0)


def _set_checkpoint(conn: sa.Connection, checkpoint: int) -> None:
    values = {"checkpoint": checkpoint, "updated_at": datetime.now(UTC)}
    c = billing_checkpoint.c
    updated = conn.execute(billing_checkpoint.update().where(c.id == _ROW).values(**values))
    if updated.rowcount == 0:
        conn.execute(billing_checkpoint.insert().values(id=_ROW, **values))


class SqlAlchemyAppliedRecords:
    """`AppliedRecords`: `business_objects` read outside any worker transaction.

    `changed_since` follows `applied_seq`, not `source_seq`: with several workers a batch
    of older inbound events can commit after a newer one, but applied_seq is handed out
    under a lock held to the commit, so a row committed late never lands behind a
    checkpoint.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def changed_since(self, seq: int, limit: int) -> list[BusinessObject]:
        """Objects whose `applied_seq` is above `seq`, in applied_seq order."""
        query = _applied().where(_bo.applied_seq > seq).order_by(_bo.applied_seq).limit(limit)
        return self._read(query)

    def page(self, kind: str, after_key: str | None, limit: int) -> list[BusinessObject]:
        """Up to `limit` objects of `kind` after `after_key`, in key order."""
        query = _applied().where(_bo.kind == kind).order_by(_bo.key).limit(limit)
        if after_key is not None:
            query = query.where(_bo.key > after_key)
        return self._read(query)

    def get(self, kind: str, key: str) -> BusinessObject | None:
        found = self._read(_applied().where(_bo.kind == kind, _bo.key == key))
        return found[0] if found else None

    def _read(self, query: sa.Select[Any]) -> list[BusinessObject]:
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return [
                BusinessObject(
                    r.kind, r.key, r.version, r.data, int(r.source_seq), int(r.applied_seq)
                )
                for r in conn.execute(query)
            ]


_bo = business_objects.c


def _applied() -> sa.Select[Any]:
    return sa.select(_bo.kind, _bo.key, _bo.version, _bo.data, _bo.source_seq, _bo.applied_seq)


class SqlAlchemyCursorStore:
    """Where each connector stream stopped reading; connectors keep no state."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, connector: str, stream: str) -> str | None:
        c = connector_cursors.c
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            value = conn.execute(
                sa.select(c.cursor).where(c.connector == connector, c.stream == stream)
            ).scalar()
        return str(value) if value is not None else None

    def put(self, connector: str, stream: str, cursor: str) -> None:
        c = connector_cursors.c
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            done = conn.execute(
                connector_cursors.update()
                .where(c.connector == connector, c.stream == stream)
                .values(cursor=cursor, updated_at=now)
            )
            if done.rowcount == 0:
                conn.execute(
                    connector_cursors.insert().values(
                        connector=connector, stream=stream, cursor=cursor, updated_at=now
                    )
                )
