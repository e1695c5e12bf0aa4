"""Reading a legacy table incrementally by a watermark column, ties at the cursor handled.

Rows are read in the order (watermark, key): the cursor is the pair of the last row
delivered, and the next read takes the rows strictly after it in that order,

    WHERE wm > :wm OR (wm = :wm AND key > :key)   ORDER BY wm, key   LIMIT n + 1

so rows that share a watermark value (a DATETIME without fractions stamps whole batches
alike) are split across pages without loss or repeats, and a restart resumes exactly.
The watermark is any column that grows when a row changes: `updated_at`, a rowversion,
a change counter. Values travel in the cursor as the driver returned them, typed, so the
comparison binds the same value the database holds.

Limits (see docs/connectors-hybrid.md): rows whose watermark is NULL are not read, and a
row committed late with a watermark below the cursor is not seen; a legacy application
that stamps rows in long transactions needs a trigger-maintained change counter.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from accord.canonical.base import CanonicalModel
from accord.connectors.sdk import (
    Cursor,
    Page,
    RejectedRecord,
    UnavailableError,
    decode_cursor,
    encode_cursor,
)
from accord.connectors.sdk.tabular import InboundMapping, RowRejected
from accord.connectors.sdk.tabular.document import ChildTable, TableLayout


class SqlTableStream:
    """One source table as a stream of canonical records (see the module docs)."""

    def __init__(self, name: str, engine: sa.Engine, mapping: InboundMapping) -> None:
        layout = mapping.document.table
        if layout is None or layout.cursor is None:
            raise ValueError(f"mapping {mapping.label}: table.cursor is required for a source")
        self._name = name
        self._engine = engine
        self.mapping = mapping
        self.layout: TableLayout = layout
        self._cursor_column: str = layout.cursor

    @property
    def name(self) -> str:
        return self._name

    def read(self, cursor: Cursor | None, limit: int) -> Page[CanonicalModel]:
        """Up to `limit` records after `cursor` in (watermark, key) order."""
        after = [decode_value(v) for v in decode_cursor(cursor).get("after", [])]
        order = [self._cursor_column, *self.layout.key]
        query = sa.select(sa.text("*")).select_from(sa.table(self.layout.name))
        if after:
            query = query.where(_after(order, after))
        query = query.order_by(*(sa.column(name) for name in order)).limit(limit + 1)
        try:
            with self._engine.connect() as connection:
                rows = [dict(row) for row in connection.execute(query).mappings()]
                page = rows[:limit]
                children = self._children(connection, page)
        except DBAPIError as error:
            raise UnavailableError(f"{self.layout.name}: {error.orig or error}") from error
        if not page:
            return Page([], cursor, has_more=False)
        records, rejected = self._map(page, children)
        last = [encode_value(page[-1][name]) for name in order]
        return Page(records, encode_cursor({"after": last}), len(rows) > limit, rejected)

    def _children(
        self, connection: sa.Connection, page: Sequence[Mapping[str, Any]]
    ) -> dict[str, dict[Any, list[dict[str, Any]]]]:
        """Rows of each child table for the page's keys, grouped by parent key."""
        parent_key = self.layout.key[0]
        keys = sorted({row[parent_key] for row in page})
        found: dict[str, dict[Any, list[dict[str, Any]]]] = {}
        for attach, child in self.layout.children.items():
            found[attach] = {}
            if keys:
                for row in connection.execute(_child_query(child, keys)).mappings():
                    found[attach].setdefault(row[child.key], []).append(dict(row))
        return found

    def _map(
        self,
        page: Sequence[Mapping[str, Any]],
        children: Mapping[str, Mapping[Any, list[dict[str, Any]]]],
    ) -> tuple[list[CanonicalModel], list[RejectedRecord]]:
        records: list[CanonicalModel] = []
        rejected: list[RejectedRecord] = []
        parent_key = self.layout.key[0]
        for row in page:
            key = "/".join(str(row[name]) for name in self.layout.key)
            full = dict(row) | {
                name: rows.get(row[parent_key], []) for name, rows in children.items()
            }
            where = f"{self.layout.name} {'/'.join(self.layout.key)}={key}"
            try:
                records.append(self.mapping.map_row(full, where))
            except RowRejected as problem:
                stamp = encode_value(row[self._cursor_column])
                rejected.append(
                    RejectedRecord(
                        f"{self.layout.name}:{key}:{stamp}",
                        self.mapping.kind,
                        {name: encode_value(value) for name, value in row.items()},
                        str(problem),
                    )
                )
        return records, rejected


def _after(order: Sequence[str], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """Rows strictly after `values` in the lexicographic order of the `order` columns,
    spelled with AND/OR so every database runs it (no row-value comparison needed)."""
    column: sa.ColumnClause[Any] = sa.column(order[0])
    later: sa.ColumnElement[bool] = column > values[0]
    if len(order) == 1:
        return later
    return sa.or_(later, sa.and_(column == values[0], _after(order[1:], values[1:])))


def _child_query(child: ChildTable, keys: Sequence[Any]) -> sa.Select[Any]:
    query = (
        sa.select(sa.text("*"))
        .select_from(sa.table(child.table))
        .where(sa.column(child.key).in_(keys))
    )
    if child.order_by:
        query = query.order_by(sa.column(child.key), sa.column(child.order_by))
    return query


def encode_value(value: Any) -> Any:
    """A driver value as JSON that `decode_value` turns back into the same value and type."""
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": base64.b64encode(bytes(value)).decode()}
    return value


def decode_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    [(kind, text)] = value.items()
    decoders: dict[str, Callable[[str], Any]] = {
        "datetime": dt.datetime.fromisoformat,
        "date": dt.date.fromisoformat,
        "decimal": Decimal,
        "bytes": base64.b64decode,
    }
    return decoders[kind](text)
