"""Reconciling 1,000,000 documents in three systems against a bare DuckDB full outer join.

The hub, the billing system and the ERP each hold 1,000,000 documents (with a sprinkling
of discrepancies: missing, amount, tax, currency and status differences). Accord's
reconciliation runs the `documents_hub_billing` and `documents_hub_erp` comparisons on
its DuckDB engine, to settled discrepancies (every check with its tolerance, amount at
risk, ageing, owners), from the two forms rows reach it in:

- **columns** (`RecordColumns`, one Python list per field: what the service builds from
  the connectors' listings and the hub's state), converted to Arrow one call per column;
- **Arrow** (`ArrowRecords`: what a columnar reader of a store hands over), amounts as
  numeric(18, 2) like a store keeps them, cast to the engine's decimal128(38, 10).

The baseline is a bare DuckDB full outer join of the same data, already columnar, that
only counts the keys whose gross totals differ or are missing: the floor for any
join-based reconciliation. Each form runs five times, each time right after a bare join
of its own, and the round with the median ratio counts. Both forms must find the same
discrepancies, or the benchmark fails.
"""

from __future__ import annotations

import gc
import os
import random
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from accord.adapters.reconciliation_arrow import ArrowRecords
from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.domain.reconciliation import (
    Discrepancy,
    DocumentRecord,
    Record,
    RecordColumns,
    Tolerances,
    settle,
)

RECORDS = int(os.environ.get("ACCORD_BENCH_RECONCILIATION_RECORDS", "1000000"))
AS_OF = date(2026, 12, 31)
CURRENCIES = ("EUR", "USD", "GBP")


def _documents(count: int) -> list[DocumentRecord]:
    start = date(2026, 1, 1)
    documents = []
    for i in range(count):
        net = Decimal(100 + i % 9_000) + Decimal(i % 100) / 100
        tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
        documents.append(
            DocumentRecord(
                f"INV-{i:08d}",
                start + timedelta(days=i % 360),
                f"K{i % 5_000:05d}",
                CURRENCIES[i % 3],
                net,
                tax,
                net + tax,
                "open" if i % 4 else "paid",
            )
        )
    return documents


def _mirror(hub: list[DocumentRecord], seed: int) -> tuple[list[DocumentRecord], int]:
    """A copy with about 0.1% of the documents missing, altered or unknown to the hub."""
    rng = random.Random(seed)
    mirrored = list(hub)
    touched = rng.sample(range(len(hub)), len(hub) // 1000)
    for n, index in enumerate(touched):
        record = mirrored[index]
        change = n % 5
        if change == 0:
            mirrored[index] = replace(record, key=f"X-{record.key}")
        elif change == 1:
            mirrored[index] = replace(record, amount=(record.amount or Decimal(0)) + 1)
        elif change == 2:
            mirrored[index] = replace(record, tax_total=Decimal(0))
        elif change == 3:
            mirrored[index] = replace(record, currency="JPY")
        else:
            mirrored[index] = replace(record, status="paid" if record.status == "open" else "open")
    return mirrored, len(touched)


def _arrow(records: list[DocumentRecord]) -> pa.Table:
    return pa.table(
        {
            "key": pa.array([r.key for r in records], pa.string()),
            "gross": pa.array([r.amount for r in records], pa.decimal128(18, 2)),
        }
    )


def _stored(records: list[DocumentRecord]) -> ArrowRecords[DocumentRecord]:
    """The documents as a columnar reader of a store hands them: every field, the
    amounts in numeric(18, 2)."""
    money = pa.decimal128(18, 2)
    columns = RecordColumns.of(DocumentRecord, records).columns
    types = {"key": pa.string(), "on": pa.date32(), "net_total": money, "tax_total": money}
    types |= {"contract": pa.string(), "currency": pa.string(), "amount": money}
    table = pa.table({n: pa.array(columns[n], types.get(n, pa.string())) for n in columns})
    return ArrowRecords(DocumentRecord, table)


def _bare_join(hub: pa.Table, billing: pa.Table, erp: pa.Table) -> tuple[float, int]:
    query = """
        SELECT count(*) FROM hub AS l FULL OUTER JOIN {side} AS r ON l.key = r.key
        WHERE l.key IS NULL OR r.key IS NULL OR l.gross <> r.gross
    """
    with duckdb.connect(":memory:") as connection:
        for name, table in (("hub", hub), ("billing", billing), ("erp", erp)):
            connection.register(name, table)
        started = time.perf_counter()
        found = 0
        for side in ("billing", "erp"):
            row = connection.execute(query.format(side=side)).fetchone()
            found += int(row[0]) if row else 0
        return time.perf_counter() - started, found


def _accord(sides: tuple[Sequence[Record], ...]) -> tuple[float, list[Discrepancy]]:
    hub, billing, erp = sides
    tolerances = Tolerances(amount=Decimal("0.00"))
    started = time.perf_counter()
    findings = DuckDbReconciliationEngine().compare(
        {"documents_hub_billing": (hub, billing), "documents_hub_erp": (hub, erp)}, tolerances
    )
    discrepancies = settle(findings, tolerances, AS_OF)
    return time.perf_counter() - started, discrepancies


def _meaning(discrepancies: list[Discrepancy]) -> set[tuple[object, ...]]:
    """What was found, whatever scale each form shows its amounts at."""
    return {(d.comparison, d.key, d.kind, d.amount_at_risk, d.age_days) for d in discrepancies}


def _median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """The (Accord, bare join) pair with the median ratio: each pair ran back to back,
    so a burst of other load on the machine hits both of it alike."""
    return sorted(pairs, key=lambda pair: pair[0] / pair[1])[len(pairs) // 2]


def _label(records: int) -> str:
    return f"{records / 1_000_000:g}M" if records >= 100_000 else f"{records:,}"


def run(records: int = RECORDS, rounds: int = 5) -> list[dict[str, Any]]:
    hub = _documents(records)
    billing, _ = _mirror([replace(d, status=None) for d in hub], seed=1)
    erp, _ = _mirror(hub, seed=2)
    tables = (_arrow(hub), _arrow(billing), _arrow(erp))
    columns = tuple(RecordColumns.of(DocumentRecord, side) for side in (hub, billing, erp))
    stored = tuple(_stored(side) for side in (hub, billing, erp))
    pairs: dict[str, list[tuple[float, float]]] = {"columns": [], "arrow": []}
    found: dict[str, list[Discrepancy]] = {}
    for _ in range(rounds):
        for form, sides in (("columns", columns), ("arrow", stored)):
            gc.collect()
            bare, bare_found = _bare_join(*tables)
            seconds, found[form] = _accord(sides)
            pairs[form].append((seconds, bare))
    if _meaning(found["columns"]) != _meaning(found["arrow"]):
        raise AssertionError("the columns and the Arrow rows gave different discrepancies")
    every = "; ".join(
        f"{form} " + ", ".join(f"{s:.2f}/{b:.2f}" for s, b in timed)
        for form, timed in pairs.items()
    )
    total = 3 * records
    common = (
        f"{total:,} records; {len(found['arrow'])} discrepancies found (bare join: "
        f"{bare_found} keys, amount checks only); median of {rounds} rounds, "
        f"each s/bare s: {every}"
    )
    rows = []
    for form, name, what in (
        ("columns", "(DuckDB engine)", "from columns of Python values"),
        ("arrow", "from Arrow rows (DuckDB engine)", "from Arrow rows"),
    ):
        seconds, bare = _median(pairs[form])
        rows.append(
            {
                "name": f"reconcile {_label(records)} documents x 3 systems {name}",
                "value": seconds,
                "unit": "s",
                "baseline": "bare DuckDB full outer join, gross totals only",
                "baseline_value": bare,
                "ratio": seconds / bare,
                "notes": f"{what}, {total / seconds:,.0f} records/s; {common}",
            }
        )
    return rows
