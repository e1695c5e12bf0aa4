"""Month end: one invoice run for 10,000 contracts, against a plain SQL insert of the
same documents into the same database.

A firm of ACCORD_BENCH_MONTH_END_CONTRACTS T&M contracts (default 10,000), each with
three approved entries in the month, is loaded through the hub's ingest and apply path
and billing catches up, untimed. Timed: `BillingService.run_invoices` through the month
end, which rates every entry, issues one invoice per contract and saves billing's state.
Baseline, same database, same run: the issued documents and their lines inserted with
SQLAlchemy Core `executemany` into two plain tables, in one transaction (rows prepared
beforehand), the floor for merely storing them. On SQLite and, when reachable, on a
scratch PostgreSQL database.
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

import sqlalchemy as sa
from rich.console import Console

from accord.bootstrap import Hub
from accord.domain.billing.documents import Document
from bench import _firm
from bench._stores import scratch_store

CONTRACTS = int(os.environ.get("ACCORD_BENCH_MONTH_END_CONTRACTS", "10000"))
ENTRIES_PER_CONTRACT = 3
PEOPLE = 500
MONTH = date(2026, 1, 1)
MONTH_END = date(2026, 1, 31)
BACKENDS = ("SQLite", "PostgreSQL")
console = Console(stderr=True)

plain = sa.MetaData()
plain_documents = sa.Table(
    "bench_plain_documents",
    plain,
    sa.Column("number", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("contract", sa.String(40), nullable=False),
    sa.Column("customer", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("net_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("tax_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("gross_total", sa.Numeric(18, 2), nullable=False),
)
plain_lines = sa.Table(
    "bench_plain_document_lines",
    plain,
    sa.Column("number", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("net", sa.Numeric(18, 2), nullable=False),
    sa.Column("tax_rate", sa.Numeric(9, 4), nullable=False),
)


def _rows(documents: list[Document]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    heads = [
        {
            "number": d.number,
            "kind": d.kind.value,
            "contract": d.contract,
            "customer": d.customer,
            "entity": d.entity,
            "currency": d.currency,
            "issue_date": d.issue_date,
            "net_total": d.net_total,
            "tax_total": d.tax_total,
            "gross_total": d.gross_total,
        }
        for d in documents
    ]
    lines = [
        {
            "number": d.number,
            "position": n,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "net": line.net,
            "tax_rate": line.tax_rate,
        }
        for d in documents
        for n, line in enumerate(d.lines)
    ]
    return heads, lines


def plain_insert(engine: sa.Engine, documents: list[Document]) -> float:
    """Seconds to insert the documents and their lines into plain tables, one commit."""
    plain.create_all(engine)
    heads, lines = _rows(documents)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(plain_documents.insert(), heads)
        connection.execute(plain_lines.insert(), lines)
    return time.perf_counter() - started


def _prepare(hub: Hub, contracts: int) -> None:
    """The firm and its month of approved time, logged, applied and caught up."""
    _firm.load(hub, _firm.master_data(contracts, PEOPLE))
    _firm.configure_tax(hub)
    count = contracts * ENTRIES_PER_CONTRACT
    _firm.load(hub, _firm.entries(count, contracts, PEOPLE, MONTH, 31, prefix="M"))
    hub.billing.catch_up()


def measure(backend: str, contracts: int) -> dict[str, Any] | None:
    with scratch_store(backend) as store:
        if store is None:
            return None
        hub = _firm.open_hub(*store)
        try:
            console.print(f"  {backend}: loading {contracts:,} contracts")
            _prepare(hub, contracts)
            console.print(f"  {backend}: invoice run")
            started = time.perf_counter()
            documents = list(hub.billing.run_invoices(MONTH_END).documents)
            accord = time.perf_counter() - started
            baseline = plain_insert(hub.engine, documents)
        finally:
            hub.close()
    if len(documents) != contracts:
        raise RuntimeError(f"month end issued {len(documents)} of {contracts} invoices")
    lines = sum(len(d.lines) for d in documents)
    value, base = contracts / accord, contracts / baseline
    return {
        "name": f"month end: one invoice run, {contracts:,} contracts, {backend}",
        "value": value,
        "unit": "documents/s",
        "baseline": "plain SQL insert of the same documents and lines, same database",
        "baseline_value": base,
        "ratio": value / base,
        "notes": (
            f"Accord {accord:.2f} s (rate {contracts * ENTRIES_PER_CONTRACT:,} entries, "
            f"issue {contracts:,} invoices of {lines:,} lines, save billing's state); "
            f"baseline {baseline:.2f} s (executemany, one transaction)"
        ),
    }


def run(contracts: int = CONTRACTS, backends: tuple[str, ...] = BACKENDS) -> list[dict[str, Any]]:
    rows = [measure(backend, contracts) for backend in backends]
    return [row for row in rows if row is not None]


if __name__ == "__main__":
    for row in run():
        print(row)
