"""The reconciliation rules as DuckDB full outer joins over Arrow tables, for volume.

Same rules as `accord.domain.reconciliation.rules.compare` (the reference): per
comparison, the two sides become Arrow tables (decimals travel as text and are cast to
DECIMAL(38, 10), exact for every currency and hour figure Accord handles), one SQL full
outer join on the key finds every missing record and the first failing check per key,
and only the findings come back to Python. A check within one system (double billing)
is one grouped query over its charge records. Tests hold both paths to the same findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

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


def _decimals(values: list[Decimal | None]) -> pa.Array:
    """Decimals as Arrow decimal128 (exact, fast); past 10 places, as text DuckDB casts."""
    try:
        return pa.array(values, pa.decimal128(38, 10))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else format(v, "f") for v in values], pa.string())


def _table(records: Sequence[Record], decimals: list[str], texts: list[str]) -> pa.Table:
    columns: dict[str, pa.Array] = {
        "key": pa.array([r.key for r in records], pa.string()),
        "on": pa.array([r.on for r in records], pa.date32()),
    }
    for name in decimals:
        columns[name] = _decimals([getattr(r, name) for r in records])
    for name in texts:
        values = [getattr(r, name) for r in records]
        columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(columns)


def _side(alias: str, table: str, decimals: list[str], texts: list[str]) -> str:
    casts = [f'CAST("{n}" AS {DECIMAL}) AS "{n}"' for n in decimals]
    plain = [f'"{n}"' for n in texts]
    return f'{alias} AS (SELECT key, "on", {", ".join(casts + plain)} FROM {table})'


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


def _sql(
    comparison: Comparison, tolerances: Tolerances, decimals: list[str], texts: list[str]
) -> str:
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
        WITH {_side("lt", "left_records", decimals, texts)},
             {_side("rt", "right_records", decimals, texts)},
        joined AS (
            SELECT coalesce(l.key, r.key) AS key,
                   CASE {" ".join(kinds)} END AS kind,
                   coalesce(l."on", r."on") AS "on",
                   CASE {" ".join(risks)} END AS at_risk,
                   coalesce(l.currency, r.currency) AS currency,
                   CASE {" ".join(fields)} END AS field
            FROM lt AS l FULL OUTER JOIN rt AS r ON l.key = r.key)
        SELECT key, kind, "on", at_risk, currency, field
        FROM joined WHERE kind IS NOT NULL ORDER BY key
    """


_DOUBLE_BILLED = f"""
    WITH charges AS (
        SELECT key, "on", origin, CAST(amount AS {DECIMAL}) AS amount, currency, cancelled
        FROM charge_records),
    billings AS (
        SELECT key, origin, min("on") AS "on", sum(amount) AS amount,
               bool_or(cancelled) AS cancelled, min(currency) AS currency
        FROM charges GROUP BY key, origin),
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


def _charges(records: Sequence[Record]) -> pa.Table:
    charges = [r for r in records if isinstance(r, ChargeRecord)]
    return pa.table(
        {
            "key": pa.array([c.key for c in charges], pa.string()),
            "on": pa.array([c.on for c in charges], pa.date32()),
            "origin": pa.array([c.origin for c in charges], pa.string()),
            "amount": _decimals([c.amount for c in charges]),
            "currency": pa.array([c.currency for c in charges], pa.string()),
            "cancelled": pa.array([c.cancelled for c in charges], pa.bool_()),
        }
    )


def _double_billed(
    connection: duckdb.DuckDBPyConnection, comparison: str, records: Sequence[Record]
) -> list[Finding]:
    connection.register("charge_records", _charges(records))
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
            self._built[key] = _table(records, decimals, texts)
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
                comparison = COMPARISONS[name]
                if comparison.within:
                    findings += _double_billed(connection, name, left)
                    continue
                findings += self._compare(connection, tables, comparison, left, right, tolerances)
        return findings

    @staticmethod
    def _compare(
        connection: duckdb.DuckDBPyConnection,
        tables: _Tables,
        comparison: Comparison,
        left: Sequence[Record],
        right: Sequence[Record],
        tolerances: Tolerances,
    ) -> list[Finding]:
        decimals, texts = _columns(comparison)
        connection.register("left_records", tables.of(left, decimals, texts))
        connection.register("right_records", tables.of(right, decimals, texts))
        try:
            rows = connection.execute(_sql(comparison, tolerances, decimals, texts)).fetchall()
        finally:
            connection.unregister("left_records")
            connection.unregister("right_records")
        wanted = {str(row[0]) for row in rows}
        ours = {r.key: r for r in left if r.key in wanted}
        theirs = {r.key: r for r in right if r.key in wanted}
        return [_finding(comparison.name, row, ours, theirs) for row in rows]


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
