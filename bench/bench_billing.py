"""Rating and invoicing time entries: the billing engine against plain multiplication.

One invoice run over 1,000,000 approved time entries across 1,000 contracts (rate-card
resolution on the work date, grouping into lines, tax, numbering, ledger updates), next
to a plain-Python loop over the same entries that only multiplies hours by a flat rate.
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, new_state
from accord.domain.contracts.model import (
    Contract,
    CostRate,
    Customer,
    Employment,
    Entity,
    Firm,
    PersonRate,
    RateVersion,
    Resource,
    TaxCategory,
    TaxRule,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import TimeEntry

ROLES = ("analyst", "consultant", "manager", "partner")
FULL_ENTRIES = 1_000_000
FULL_CONTRACTS = 1_000


def _contract(index: int) -> Contract:
    start = date(2026, 1, 1)
    rates = tuple(RateVersion(role, Decimal(100 + 40 * i), start) for i, role in enumerate(ROLES))
    mid_month = tuple(
        RateVersion(role, Decimal(110 + 40 * i), date(2026, 1, 16))
        for i, role in enumerate(ROLES[:2])
    )
    term = TimeAndMaterialsTerm(
        "TM",
        (*rates, *mid_month, RateVersion("*", Decimal(120), start)),
        (PersonRate(f"R{index % 200}", Decimal(175), start),),
    )
    return Contract(f"K{index:04d}", "C1", "DE01", "EUR", start, date(2026, 12, 31), (term,))


def build_state(entries: int, contracts: int) -> tuple[BillingState, list[TimeEntry]]:
    """A firm with `contracts` T&M contracts and `entries` approved entries spread evenly."""
    firm = Firm(
        (Entity("DE01", "Beispiel GmbH", "DE", "EUR"), Entity("US01", "Example Inc", "US", "USD")),
        (),
        (TaxRule("DE01", "DE", TaxCategory.STANDARD, Decimal(19)),),
    )
    employed = date(2025, 1, 1)
    resources = [
        Resource(
            f"R{i}",
            f"R{i}",
            ROLES[i % len(ROLES)],
            (Employment("DE01", employed),),
            (CostRate(employed, Decimal(70), "EUR"),),
        )
        for i in range(200)
    ]
    state = new_state(
        firm, [Customer("C1", "Kunde AG", "DE")], resources, map(_contract, range(contracts))
    )
    days = [date(2026, 1, d) for d in range(1, 32)]
    hour_values = [Decimal(q) / 4 for q in range(1, 41)]
    items: list[TimeEntry] = []
    buckets: dict[str, dict[str, TimeEntry]] = {}
    for n in range(entries):
        contract = f"K{n % contracts:04d}"
        item = TimeEntry(f"T{n}", contract, "TM", f"R{n % 200}", days[n % 31], hour_values[n % 40])
        items.append(item)
        buckets.setdefault(contract, {})[item.id] = item
    return replace(state, time_entries=buckets), items


def _baseline(items: list[TimeEntry]) -> float:
    """Seconds for hours x flat rate over every entry, summed per contract."""
    flat = Decimal(150)
    started = time.perf_counter()
    totals: dict[str, Decimal] = {}
    for item in items:
        totals[item.contract] = totals.get(item.contract, Decimal(0)) + item.hours * flat
    return time.perf_counter() - started


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    entries = max(1000, int(FULL_ENTRIES * scale))
    contracts = max(10, int(FULL_CONTRACTS * scale))
    state, items = build_state(entries, contracts)
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        result = run_invoicing(state, date(2026, 1, 31))
        engine = time.perf_counter() - started
        baseline = _baseline(items)
    finally:
        gc.enable()
    billed = len(result.state.ledger.entries)
    if billed != entries or len(result.documents) != contracts:
        raise RuntimeError(f"bench run billed {billed} of {entries} entries; the engine is broken")
    value, base = entries / engine, entries / baseline
    return [
        {
            "name": f"billing: rate and invoice {entries:,} time entries, {contracts:,} contracts",
            "value": value,
            "unit": "entries/s",
            "baseline": "plain Python hours x flat rate (Decimal), same entries",
            "baseline_value": base,
            "ratio": value / base,
            "notes": f"one invoice run, {len(result.documents)} invoices, {engine:.1f} s "
            f"(baseline {baseline:.2f} s); a mid-month rate change and a person override "
            f"per contract",
        }
    ]


if __name__ == "__main__":
    import sys

    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
