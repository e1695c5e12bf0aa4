"""The DuckDB engine finds exactly what the reference rules find, on any small data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.application.reconciliation import InMemoryReconciliationEngine
from accord.domain.reconciliation import (
    COMPARISONS,
    ChargeRecord,
    ContractRecord,
    DocumentRecord,
    Finding,
    PaymentRecord,
    ProjectRecord,
    Record,
    RecordColumns,
    Tolerances,
    WorkRecord,
)

keys = st.sampled_from([f"K{i}" for i in range(8)])
days = st.none() | st.dates(date(2025, 1, 1), date(2026, 12, 31))
money = st.none() | st.decimals(
    Decimal("-50"), Decimal("50"), places=2, allow_nan=False, allow_infinity=False
)
words = st.none() | st.sampled_from(["A", "B", "open", "paid"])
currencies = st.none() | st.sampled_from(["EUR", "USD", "JPY"])

SHAPES: dict[str, st.SearchStrategy[Record]] = {
    "contracts": st.builds(ContractRecord, keys, days, words, words, currencies, money),
    "projects": st.builds(ProjectRecord, keys, days, words, words, words, words, money, currencies),
    "time": st.builds(WorkRecord, keys, days, words, money, money, currencies),
    "documents": st.builds(
        DocumentRecord, keys, days, words, currencies, money, money, money, words
    ),
    "payments": st.builds(PaymentRecord, keys, days, words, money, currencies),
}
origins = st.sampled_from(["INV-1", "INV-2", "INV-3"])
charges = st.builds(
    ChargeRecord,
    keys,
    days,
    origins,
    origins,
    st.decimals(Decimal("-50"), Decimal("50"), places=2, allow_nan=False, allow_infinity=False),
    currencies,
    st.booleans() | st.just(False),
)


def _side(shape: st.SearchStrategy[Record]) -> st.SearchStrategy[list[Record]]:
    return st.lists(shape, max_size=6, unique_by=lambda r: r.key)


@st.composite
def landscapes(draw: st.DrawFn) -> dict[str, tuple[list[Record], list[Record]]]:
    names = draw(
        st.lists(st.sampled_from(sorted(COMPARISONS)), min_size=1, max_size=4, unique=True)
    )
    records = {}
    for name in names:
        if COMPARISONS[name].within:
            records[name] = (draw(st.lists(charges, max_size=10)), [])
            continue
        shape = SHAPES[name.split("_", 1)[0]]
        records[name] = (draw(_side(shape)), draw(_side(shape)))
    return records


tolerances = st.builds(
    Tolerances,
    amount=st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("5")]),
    hours=st.sampled_from([Decimal("0"), Decimal("0.5")]),
)
DUCKDB = DuckDbReconciliationEngine(threads=1)


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.comparison, f.key))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(landscapes(), tolerances)
def test_duckdb_and_reference_rules_find_the_same(
    records: dict[str, tuple[list[Record], list[Record]]], tolerance: Tolerances
) -> None:
    expected = _ordered(InMemoryReconciliationEngine().compare(records, tolerance))
    found = _ordered(DUCKDB.compare(records, tolerance))
    assert found == expected


RECORD_SHAPES: dict[str, type[Record]] = {
    "contracts": ContractRecord,
    "projects": ProjectRecord,
    "time": WorkRecord,
    "documents": DocumentRecord,
    "payments": PaymentRecord,
    "billed": ChargeRecord,
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(landscapes(), tolerances)
def test_records_held_as_columns_give_the_same_findings(
    records: dict[str, tuple[list[Record], list[Record]]], tolerance: Tolerances
) -> None:
    expected = _ordered(InMemoryReconciliationEngine().compare(records, tolerance))
    columns = {
        name: tuple(RecordColumns.of(RECORD_SHAPES[name.split("_", 1)[0]], side) for side in sides)
        for name, sides in records.items()
    }
    assert _ordered(DUCKDB.compare(columns, tolerance)) == expected  # type: ignore[arg-type]
    assert _ordered(InMemoryReconciliationEngine().compare(columns, tolerance)) == expected  # type: ignore[arg-type]


def test_duckdb_reports_values_people_can_read() -> None:
    left = [
        DocumentRecord(
            "INV-1",
            date(2026, 1, 31),
            "K1",
            "EUR",
            Decimal("10"),
            Decimal("1.9"),
            Decimal("11.9"),
            "open",
        )
    ]
    right = [
        DocumentRecord(
            "INV-1",
            date(2026, 1, 31),
            "K1",
            "EUR",
            Decimal("10"),
            Decimal("1.9"),
            Decimal("12.9"),
            "open",
        )
    ]
    [finding] = DUCKDB.compare({"documents_hub_erp": (left, right)}, Tolerances())
    assert finding.amount_at_risk == Decimal("1")
    assert (Decimal(finding.left_value or "0"), Decimal(finding.right_value or "0")) == (
        Decimal("11.9"),
        Decimal("12.9"),
    )
