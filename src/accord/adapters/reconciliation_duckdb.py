"""Reconciliation for volume: DuckDB narrows a comparison to the records that differ.

A comparison of a million records per side finds a few thousand differences. Per
comparison, the two sides become Arrow tables of the key, the checked fields and each
record's position in its input (`reconciliation_arrow`: rows already in Arrow are used
as they are, columns are converted one call per column, decimals as decimal128(38, 10),
never through a float; text both sides hold as dictionaries is compared as indices into
one shared dictionary), and one SQL full outer join on the key returns the positions of
the records that could fail a rule: missing on either side, or a checked field that
differs while both sides hold it. A field one side never holds is left out of the join
(the rules skip it). The records at those positions are taken from the inputs as they
came (no search by key, no pass in Python) and the reference rules
(`accord.domain.reconciliation.compare`) decide on them: what is a discrepancy, its
kind, tolerance, amount at risk and values shown live in one place, and the findings
equal the reference's by construction. The join only tests equality,
so no tolerance reaches SQL; a value DECIMAL(38, 10) cannot hold exactly makes that
comparison run on the reference rules over all its records: nothing is ever rounded.

A check within one system (double billing) is one grouped query over its charge
records.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from accord.adapters import reconciliation_arrow as arrow
from accord.domain.reconciliation import (
    COMPARISONS,
    ChargeRecord,
    Comparison,
    DiscrepancyKind,
    Finding,
    Record,
    RecordColumns,
    Rule,
    Tolerances,
    compare,
    compare_all,
)


def _types(comparison: Comparison) -> dict[str, pa.DataType]:
    """The columns the join reads: the key and each checked field, text as it is,
    amounts and hours as exact decimals."""
    types = {"key": pa.string()}
    for check in comparison.checks:
        types[check.field] = pa.string() if check.rule is Rule.EXACT else arrow.DECIMAL
    return types


def _held(name: str, ours: pa.Table, theirs: pa.Table) -> bool:
    """Whether both sides hold the field somewhere: one a side never holds (billing keeps
    no settlement status) can fail no check, so the join need not carry it."""
    return all(t.column(name).null_count < t.num_rows for t in (ours, theirs))


_ROW = "_row"
"""The column holding each record's position in its input: the join returns the
positions behind a difference, and the records are taken from the input by them."""


def _sql(fields: Sequence[str]) -> str:
    """The positions of the records on one side only, and of those where a field
    differs with both sides holding it (NULL <> x is never true): every record a rule
    can fail, few beyond."""
    differ = "".join(f' OR l."{name}" <> r."{name}"' for name in fields)
    return f"""
        SELECT l.{_ROW}, r.{_ROW}
        FROM left_records AS l FULL OUTER JOIN right_records AS r ON l.key = r.key
        WHERE l.key IS NULL OR r.key IS NULL{differ}
    """


_DOUBLE_BILLED = """
    WITH billings AS (
        SELECT key, origin, min("on") AS "on", sum(amount) AS amount,
               bool_or(cancelled) AS cancelled, min(currency) AS currency
        FROM charge_records GROUP BY key, origin),
    live AS (
        SELECT *, row_number() OVER (
            PARTITION BY key ORDER BY coalesce("on", DATE '9999-12-31'), origin) AS n
        FROM billings WHERE NOT cancelled AND amount > 0)
    SELECT key,
           max(CASE WHEN n = 2 THEN "on" END) AS "on",
           sum(amount) FILTER (WHERE n > 1) AS excess,
           min(currency) AS currency,
           max(CASE WHEN n = 1 THEN origin END) AS first,
           string_agg(origin, ' ' ORDER BY n) FILTER (WHERE n > 1) AS again
    FROM live GROUP BY key HAVING count(*) > 1 ORDER BY key
"""


_CHARGES = {
    "key": pa.string(),
    "on": pa.date32(),
    "origin": pa.string(),
    "amount": arrow.DECIMAL,
    "currency": pa.string(),
    "cancelled": pa.bool_(),
}


def _double_billed(
    connection: duckdb.DuckDBPyConnection, comparison: str, records: Sequence[Record]
) -> list[Finding]:
    charges = [r for r in records if isinstance(r, ChargeRecord)]
    connection.register("charge_records", arrow.table(charges, _CHARGES))
    try:
        rows = connection.execute(_DOUBLE_BILLED).fetchall()
    finally:
        connection.unregister("charge_records")
    return [
        Finding(
            comparison,
            DiscrepancyKind.DOUBLE_BILLED,
            str(key),
            on if isinstance(on, date) else None,
            excess if isinstance(excess, Decimal) else None,
            None if currency is None else str(currency),
            str(first),
            str(again),
        )
        for key, on, excess, currency, first, again in rows
    ]


class _Tables:
    """Arrow tables built once per record sequence and column set within one run (the
    hub's documents feed two comparisons and are converted once), each with the
    records' positions beside them."""

    def __init__(self) -> None:
        self._built: dict[tuple[int, tuple[tuple[str, pa.DataType], ...]], pa.Table] = {}
        self._positions = arrow.positions(0)

    def of(self, records: Sequence[Record], types: dict[str, pa.DataType]) -> pa.Table:
        key = (id(records), tuple(types.items()))
        if key not in self._built:
            table = arrow.table(records, types)
            self._built[key] = table.append_column(_ROW, self._counted(table.num_rows))
        return self._built[key]

    def _counted(self, count: int) -> pa.Array:
        """0 .. count - 1, built once per run for the longest input and sliced."""
        if len(self._positions) < count:
            self._positions = arrow.positions(count)
        return self._positions.slice(0, count)


class DuckDbReconciliationEngine:
    """`ReconciliationEngine` on an in-memory DuckDB; `threads` caps its parallelism.

    The database is opened on the first comparison and kept: each run works on a
    cursor of its own (DuckDB's way to share one database between threads), so a run
    does not pay for starting a database."""

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads
        self._database: duckdb.DuckDBPyConnection | None = None
        self._opening = threading.Lock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._opening:
            if self._database is None:
                database = duckdb.connect(":memory:")
                if self._threads is not None:
                    database.execute(f"SET threads = {int(self._threads)}")
                self._database = database
        cursor = self._database.cursor()
        cursor.execute("SET enable_progress_bar = false")
        return cursor

    def compare(
        self,
        records: Mapping[str, tuple[Sequence[Record], Sequence[Record]]],
        tolerances: Tolerances,
    ) -> list[Finding]:
        findings: list[Finding] = []
        tables = _Tables()
        with self._cursor() as connection:
            for name, (left, right) in records.items():
                try:
                    findings += self._one(connection, tables, name, left, right, tolerances)
                except arrow.Inexact:
                    findings += compare_all({name: (left, right)}, tolerances)
        return findings

    @staticmethod
    def _one(
        connection: duckdb.DuckDBPyConnection,
        tables: _Tables,
        name: str,
        left: Sequence[Record],
        right: Sequence[Record],
        tolerances: Tolerances,
    ) -> list[Finding]:
        """One comparison's findings; `arrow.Inexact` when a value would be rounded."""
        comparison = COMPARISONS[name]
        if comparison.within:
            return _double_billed(connection, name, left)
        types = _types(comparison)
        ours, theirs = tables.of(left, types), tables.of(right, types)
        fields = [column for column in types if column != "key" and _held(column, ours, theirs)]
        joined = ["key", _ROW, *fields]
        ours, theirs = arrow.comparable(ours.select(joined), theirs.select(joined))
        connection.register("left_records", ours)
        connection.register("right_records", theirs)
        try:
            rows = connection.execute(_sql(fields)).fetchall()
        finally:
            connection.unregister("left_records")
            connection.unregister("right_records")
        differing = (
            _at(left, [int(row) for row, _ in rows if row is not None]),
            _at(right, [int(row) for _, row in rows if row is not None]),
        )
        return compare(comparison, *differing, tolerances)


def _at(records: Sequence[Record], positions: list[int]) -> Sequence[Record]:
    """The records at `positions`, in input order, without a pass over the input."""
    positions.sort()
    if isinstance(records, RecordColumns | arrow.ArrowRecords):
        return records.take(positions)
    return [records[i] for i in positions]
