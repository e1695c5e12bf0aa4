"""Reconciling 1,000,000 documents in three systems against a bare DuckDB full outer join.

The hub, the billing system and the ERP each hold 1,000,000 documents (with a sprinkling
of discrepancies: missing, amount, tax, currency and status differences). Accord's
reconciliation runs the `documents_hub_billing` and `documents_hub_erp` comparisons on
its DuckDB engine, to settled discrepancies (every check with its tolerance, amount at
risk, ageing, owners), from the two forms rows reach it in:

- **columns** (`RecordColumns`, one Python list per field: what the service builds from
  the connectors' listings and the hub's state), converted to Arrow one call per column;
- **Arrow** (`ArrowRecords`: what the hub's reader of its stored documents hands over,
  built by the same code, `billing_documents.records`): text as dictionaries, amounts as
  decimals at their common scale, joined as they are.

The baseline is a bare DuckDB full outer join of the same data, already columnar, that
only counts the keys whose gross totals differ or are missing: the floor for any
join-based reconciliation. Each form runs five times, each time right after a bare join
of its own, and the round with the median ratio counts; the notes add the same ratio in
CPU seconds (all of the process's threads), which other load on the machine disturbs
far less than elapsed time. The engine is made once, as the hub makes it, and opens its
database outside the timed part, as the bare join does. Both forms must find the same
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
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from accord.adapters.billing_documents import records as stored_records
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
        net = Decimal(100 + i % 9_000) + Decimal(i % 100).scaleb(-2)
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
            mirrored[index] = replace(record, tax_total=Decimal("0.00"))
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
    """The documents as the hub's reader of its stored documents hands them."""
    columns = RecordColumns.of(DocumentRecord, records).columns
    stored = stored_records({name: list(values) for name, values in columns.items()})
    if not isinstance(stored, ArrowRecords):
        raise AssertionError("the stored documents did not come back as Arrow rows")
    return stored


class Timing(NamedTuple):
    """Elapsed and CPU seconds (every thread of the process) of one timed part."""

    seconds: float
    cpu: float


class _Timer:
    def __enter__(self) -> _Timer:
        self._started = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *_: object) -> None:
        wall, cpu = self._started
        self.timing = Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _bare_join(hub: pa.Table, billing: pa.Table, erp: pa.Table) -> tuple[Timing, int]:
    query = """
        SELECT count(*) FROM hub AS l FULL OUTER JOIN {side} AS r ON l.key = r.key
        WHERE l.key IS NULL OR r.key IS NULL OR l.gross <> r.gross
    """
    with duckdb.connect(":memory:") as connection:
        for name, table in (("hub", hub), ("billing", billing), ("erp", erp)):
            connection.register(name, table)
        found = 0
        with _Timer() as timer:
            for side in ("billing", "erp"):
                row = connection.execute(query.format(side=side)).fetchall()
                found += int(row[0][0]) if row else 0
        return timer.timing, found


def _accord(
    engine: DuckDbReconciliationEngine, sides: tuple[Sequence[Record], ...]
) -> tuple[Timing, list[Discrepancy]]:
    hub, billing, erp = sides
    tolerances = Tolerances(amount=Decimal("0.00"))
    with _Timer() as timer:
        findings = engine.compare(
            {"documents_hub_billing": (hub, billing), "documents_hub_erp": (hub, erp)},
            tolerances,
        )
        discrepancies = settle(findings, tolerances, AS_OF)
    return timer.timing, discrepancies


def _meaning(discrepancies: list[Discrepancy]) -> set[tuple[object, ...]]:
    """What was found, whatever scale each form shows its amounts at."""
    return {(d.comparison, d.key, d.kind, d.amount_at_risk, d.age_days) for d in discrepancies}


Pair = tuple[Timing, Timing]
"""(Accord, the bare join run just before it)."""


def _median(pairs: list[Pair], cpu: bool = False) -> Pair:
    """The pair with the median ratio: each pair ran back to back, so a burst of other
    load on the machine hits both of it alike."""
    index = 1 if cpu else 0
    return sorted(pairs, key=lambda pair: pair[0][index] / pair[1][index])[len(pairs) // 2]


def _label(records: int) -> str:
    return f"{records / 1_000_000:g}M" if records >= 100_000 else f"{records:,}"


def run(records: int = RECORDS, rounds: int = 5) -> list[dict[str, Any]]:
    hub = _documents(records)
    billing, _ = _mirror([replace(d, status=None) for d in hub], seed=1)
    erp, _ = _mirror(hub, seed=2)
    tables = (_arrow(hub), _arrow(billing), _arrow(erp))
    columns = tuple(RecordColumns.of(DocumentRecord, side) for side in (hub, billing, erp))
    stored = tuple(_stored(side) for side in (hub, billing, erp))
    engine = DuckDbReconciliationEngine()
    engine.compare({}, Tolerances())  # opens its database, as the hub's first run does
    pairs: dict[str, list[Pair]] = {"columns": [], "arrow": []}
    found: dict[str, list[Discrepancy]] = {}
    for _ in range(rounds):
        for form, sides in (("columns", columns), ("arrow", stored)):
            gc.collect()
            bare, bare_found = _bare_join(*tables)
            timing, found[form] = _accord(engine, sides)
            pairs[form].append((timing, bare))
    if _meaning(found["columns"]) != _meaning(found["arrow"]):
        raise AssertionError("the columns and the Arrow rows gave different discrepancies")
    every = "; ".join(
        f"{form} " + ", ".join(f"{s.seconds:.2f}/{b.seconds:.2f}" for s, b in timed)
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
        accord, bare = _median(pairs[form])
        by_cpu = _median(pairs[form], cpu=True)
        cpu = f"median CPU seconds {by_cpu[0].cpu:.2f}/{by_cpu[1].cpu:.2f}"
        cpu += f" = {by_cpu[0].cpu / by_cpu[1].cpu:.2f}x"
        rows.append(
            {
                "name": f"reconcile {_label(records)} documents x 3 systems {name}",
                "value": accord.seconds,
                "unit": "s",
                "baseline": "bare DuckDB full outer join, gross totals only",
                "baseline_value": bare.seconds,
                "ratio": accord.seconds / bare.seconds,
                "notes": f"{what}, {total / accord.seconds:,.0f} records/s; {cpu}; {common}",
            }
        )
    return rows
