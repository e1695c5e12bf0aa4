"""The reconciliation rules as DuckDB full outer joins over Arrow tables, for volume.

Same rules as `accord.domain.reconciliation.rules.compare` (the reference): per
comparison, the two sides become Arrow tables (`reconciliation_arrow`: rows already in
Arrow are used as they are, columns are converted one call per column, decimals as
decimal128(38, 10), never through a float), one SQL full outer join on the key finds
every missing record and the first failing check per key, and only the findings come
back to Python; the records behind them are found with Arrow's `is_in`, not a pass over
the inputs. A check within one system (double billing) is one grouped query over its
charge records. A comparison holding a value or tolerance DECIMAL(38, 10) cannot hold
exactly runs on the reference rules instead: nothing is ever rounded. Tests hold both
paths to the same findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from accord.adapters import reconciliation_arrow as arrow
from accord.domain.reconciliation import (
    COMPARISONS,
    ChargeRecord,
    Check,
    Comparison,
    DiscrepancyKind,
    Finding,
    Record,
    Rule,
    Tolerances,
    compare_all,
    display_value,
)

DECIMAL = "DECIMAL(38, 10)"


def _columns(comparison: Comparison) -> tuple[list[str], list[str]]:
    """(decimal columns, text columns) the comparison reads besides key and date."""
    decimals = ["amount"]
    texts = ["currency"]
    for check in comparison.checks:
        target = texts if check.rule is Rule.EXACT else decimals
        if check.field not in decimals and check.field not in texts:
            target.append(check.field)
    return decimals, texts


def _exact(value: Decimal) -> bool:
    """Whether a tolerance fits DECIMAL(38, 10) without rounding."""
    try:
        return value.quantize(Decimal("1e-10")) == value
    except InvalidOperation:
        return False


def _types(decimals: list[str], texts: list[str]) -> dict[str, pa.DataType]:
    types = {"key": pa.string(), "on": pa.date32()}
    types |= {name: arrow.DECIMAL for name in decimals}
    return types | {name: pa.string() for name in texts}


def _quote(kind: DiscrepancyKind | None) -> str:
    return "NULL" if kind is None else f"'{kind.value}'"


def _fails(check: Check, tolerance: Decimal) -> str:
    both = f'l."{check.field}" IS NOT NULL AND r."{check.field}" IS NOT NULL'
    if check.rule is Rule.EXACT:
        return f'{both} AND l."{check.field}" <> r."{check.field}"'
    difference = f'abs(l."{check.field}" - r."{check.field}")'
    return f"{both} AND {difference} > CAST('{tolerance}' AS {DECIMAL})"


def _at_risk(check: Check) -> str:
    present = "coalesce(l.amount, r.amount)"
    if check.rule is Rule.AMOUNT:
        return f'abs(l."{check.field}" - r."{check.field}")'
    if check.rule is Rule.HOURS:
        return f"coalesce(abs(l.amount - r.amount), {present})"
    return present


def _sql(comparison: Comparison, tolerances: Tolerances) -> str:
    kinds = [
        f"WHEN l.key IS NULL THEN {_quote(comparison.missing_in_left)}",
        f"WHEN r.key IS NULL THEN {_quote(comparison.missing_in_right)}",
    ]
    risks = ["WHEN l.key IS NULL OR r.key IS NULL THEN coalesce(l.amount, r.amount)"]
    fields = ["WHEN l.key IS NULL OR r.key IS NULL THEN 'amount'"]
    for check in comparison.checks:
        condition = _fails(check, tolerances.of(check.rule))
        kinds.append(f"WHEN {condition} THEN '{check.kind.value}'")
        risks.append(f"WHEN {condition} THEN {_at_risk(check)}")
        fields.append(f"WHEN {condition} THEN '{check.field}'")
    return f"""
        WITH joined AS (
            SELECT coalesce(l.key, r.key) AS key,
                   CASE {" ".join(kinds)} END AS kind,
                   coalesce(l."on", r."on") AS "on",
                   CASE {" ".join(risks)} END AS at_risk,
                   coalesce(l.currency, r.currency) AS currency,
                   CASE {" ".join(fields)} END AS field
            FROM left_records AS l FULL OUTER JOIN right_records AS r ON l.key = r.key)
        SELECT key, kind, "on", at_risk, currency, field
        FROM joined WHERE kind IS NOT NULL ORDER BY key
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
    """Arrow tables built once per record sequence and column set within one run: the
    hub's documents feed two comparisons and are converted once."""

    def __init__(self) -> None:
        self._built: dict[tuple[int, tuple[str, ...], tuple[str, ...]], pa.Table] = {}

    def of(self, records: Sequence[Record], decimals: list[str], texts: list[str]) -> pa.Table:
        key = (id(records), tuple(decimals), tuple(texts))
        if key not in self._built:
            self._built[key] = arrow.table(records, _types(decimals, texts))
        return self._built[key]


class DuckDbReconciliationEngine:
    """`ReconciliationEngine` on an in-memory DuckDB; `threads` caps its parallelism."""

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads

    def compare(
        self,
        records: Mapping[str, tuple[Sequence[Record], Sequence[Record]]],
        tolerances: Tolerances,
    ) -> list[Finding]:
        findings: list[Finding] = []
        tables = _Tables()
        with duckdb.connect(":memory:") as connection:
            if self._threads is not None:
                connection.execute(f"SET threads = {int(self._threads)}")
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
        """One comparison's findings; `_Inexact` when a value would be rounded."""
        comparison = COMPARISONS[name]
        if comparison.within:
            return _double_billed(connection, name, left)
        if not all(_exact(tolerances.of(check.rule)) for check in comparison.checks):
            raise arrow.Inexact(f"a tolerance of {comparison.name}")
        decimals, texts = _columns(comparison)
        ours, theirs = tables.of(left, decimals, texts), tables.of(right, decimals, texts)
        connection.register("left_records", ours)
        connection.register("right_records", theirs)
        try:
            rows = connection.execute(_sql(comparison, tolerances)).fetchall()
        finally:
            connection.unregister("left_records")
            connection.unregister("right_records")
        wanted = pa.array(sorted({str(row[0]) for row in rows}), pa.string())
        shown = (_at(left, ours, wanted), _at(right, theirs, wanted))
        return [_finding(comparison.name, row, *shown) for row in rows]


def _at(records: Sequence[Record], table: pa.Table, keys: pa.Array) -> dict[str, Record]:
    """The records holding `keys`, found in their Arrow table without a pass in Python."""
    if not len(keys):
        return {}
    indices = pc.indices_nonzero(pc.is_in(table.column("key"), value_set=keys))
    found = (records[i] for i in indices.to_pylist())
    return {record.key: record for record in found}


def _shown(record: Record | None, name: str) -> str | None:
    value = None if record is None else getattr(record, name)
    return None if value is None else display_value(value)


def _finding(
    comparison: str,
    row: tuple[object, ...],
    ours: Mapping[str, Record],
    theirs: Mapping[str, Record],
) -> Finding:
    """A result row as a finding; the values shown come from the records themselves."""
    key, kind, on, at_risk, currency, name = row
    return Finding(
        comparison,
        DiscrepancyKind(str(kind)),
        str(key),
        on if isinstance(on, date) else None,
        at_risk if isinstance(at_risk, Decimal) else None,
        None if currency is None else str(currency),
        _shown(ours.get(str(key)), str(name)),
        _shown(theirs.get(str(key)), str(name)),
    )
