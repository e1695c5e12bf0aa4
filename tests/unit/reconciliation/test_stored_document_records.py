"""Stored documents become Arrow rows only where every amount comes back as written."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from accord.adapters.billing_documents import records
from accord.adapters.reconciliation_arrow import ArrowRecords
from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.domain.reconciliation import (
    DiscrepancyKind,
    DocumentRecord,
    RecordColumns,
    Tolerances,
    compare_all,
)


def _columns(*amounts: str) -> dict[str, list[Any]]:
    n = len(amounts)
    return {
        "key": [f"INV-{i}" for i in range(n)],
        "on": [date(2026, 1, 31)] * n,
        "contract": ["K1"] * n,
        "currency": ["EUR"] * n,
        "status": ["open"] * n,
        "net_total": [Decimal(a) for a in amounts],
        "tax_total": [Decimal("0.00")] * n,
        "amount": [Decimal(a) for a in amounts],
    }


def test_amounts_of_one_scale_travel_as_arrow_and_print_as_written() -> None:
    found = records(_columns("2856.00", "-0.01"))
    assert isinstance(found, ArrowRecords)
    assert [str(r.amount) for r in found] == ["2856.00", "-0.01"]
    assert found[0] == DocumentRecord(
        "INV-0",
        date(2026, 1, 31),
        "K1",
        "EUR",
        Decimal("2856.00"),
        Decimal("0.00"),
        Decimal("2856.00"),
        "open",
    )


def test_a_half_cent_or_a_yen_amount_keeps_its_own_digits() -> None:
    for amounts in (("2856.00", "2856.005"), ("2856.00", "1500")):
        found = records(_columns(*amounts))
        assert isinstance(found, RecordColumns)
        assert [str(r.amount) for r in found] == list(amounts)


def test_no_documents_is_an_empty_arrow_table() -> None:
    assert list(records(_columns())) == []


def test_an_amount_beyond_eighteen_digits_still_travels_exactly() -> None:
    found = records(_columns("2856.00", "12345678901234567.89"))
    assert isinstance(found, ArrowRecords)
    assert [str(r.amount) for r in found] == ["2856.00", "12345678901234567.89"]


def test_the_engine_joins_dictionary_text_as_the_reference_rules_read_it() -> None:
    hub = records(_columns("100.00", "200.00", "300.00"))
    assert isinstance(hub, ArrowRecords)
    assert pa.types.is_dictionary(hub.table.column("currency").type)
    mirror = list(hub)
    mirror[1] = replace(mirror[1], currency="USD")
    mirror[2] = replace(mirror[2], status="paid", amount=Decimal("300.01"))
    sides = {"documents_hub_erp": (hub, mirror)}
    found = DuckDbReconciliationEngine(threads=1).compare(sides, Tolerances())
    assert found == compare_all(sides, Tolerances())
    assert [(f.key, f.kind) for f in found] == [
        ("INV-1", DiscrepancyKind.CURRENCY_MISMATCH),
        ("INV-2", DiscrepancyKind.AMOUNT_MISMATCH),
    ]
