"""Records held as columns (Python lists or Arrow) reach the DuckDB engine without a
digit rounded or a row lost: half-cent differences, values past ten places, NULLs and
keys read twice give exactly what the reference rules give for the same records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from accord.adapters.reconciliation_arrow import ArrowRecords
from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.application.reconciliation import InMemoryReconciliationEngine
from accord.domain.reconciliation import (
    DiscrepancyKind,
    DocumentRecord,
    Finding,
    Record,
    RecordColumns,
    Tolerances,
)

D = Decimal
DUCKDB = DuckDbReconciliationEngine(threads=1)
NAME = "documents_hub_erp"


def _document(key: str, gross: Decimal | None, **changes: object) -> DocumentRecord:
    net = None if gross is None else gross - D("1.9")
    record = DocumentRecord(key, date(2026, 1, 31), "K1", "EUR", net, D("1.9"), gross, "open")
    return replace(record, **changes)  # type: ignore[arg-type]


def _arrow(
    records: Sequence[DocumentRecord], text: pa.DataType = pa.string()
) -> ArrowRecords[DocumentRecord]:
    """As a store with amounts in numeric(18, 3) and no contract column would hand them."""
    table = pa.table(
        {
            "key": pa.array([r.key for r in records], pa.string()),
            "on": pa.array([r.on for r in records], pa.date32()),
            "currency": pa.array([r.currency for r in records], text),
            "net_total": pa.array([r.net_total for r in records], pa.decimal128(18, 3)),
            "tax_total": pa.array([r.tax_total for r in records], pa.decimal128(18, 3)),
            "amount": pa.array([r.amount for r in records], pa.decimal128(18, 3)),
            "status": pa.array([r.status for r in records], text),
        }
    )
    return ArrowRecords(DocumentRecord, table)


Form = Callable[[list[DocumentRecord]], Sequence[Record]]
FORMS: dict[str, Form] = {
    "records": lambda records: records,
    "columns": lambda records: RecordColumns.of(DocumentRecord, records),
    "arrow": _arrow,
    "dictionaries": lambda records: _arrow(records, pa.dictionary(pa.int32(), pa.string())),
}
"""Each side of a comparison builds its own dictionaries, in the order it meets values."""


def _value(shown: str | None) -> object:
    """A shown value as what it means: a store keeping amounts at scale 3 shows 10.000
    where a record holding 10.0 shows 10.0, and both are the same amount."""
    try:
        return None if shown is None else Decimal(shown)
    except ArithmeticError:
        return shown


def _meaning(findings: list[Finding]) -> list[Finding]:
    return sorted(
        (
            replace(f, left_value=_value(f.left_value), right_value=_value(f.right_value))  # type: ignore[arg-type]
            for f in findings
        ),
        key=lambda f: f.key,
    )


def _both(
    form: Form, left: list[DocumentRecord], right: list[DocumentRecord], tolerances: Tolerances
) -> list[Finding]:
    """The DuckDB engine's findings on `form`, after checking the reference agrees."""
    expected = InMemoryReconciliationEngine().compare({NAME: (left, right)}, tolerances)
    found = DUCKDB.compare({NAME: (form(left), form(right))}, tolerances)
    assert _meaning(found) == _meaning(expected)
    return found


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_half_a_cent_is_a_difference_when_the_tolerance_is_zero(form: Form) -> None:
    [finding] = _both(
        form, [_document("A", D("11.9"))], [_document("A", D("11.905"))], Tolerances()
    )
    assert finding.kind is DiscrepancyKind.AMOUNT_MISMATCH
    assert finding.amount_at_risk == D("0.005")
    assert (_value(finding.left_value), _value(finding.right_value)) == (D("10"), D("10.005"))


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_a_tolerance_holds_to_the_last_digit(form: Form) -> None:
    left = [_document("A", D("100")), _document("B", D("100"))]
    right = [_document("A", D("100.005")), _document("B", D("100.006"))]
    [finding] = _both(form, left, right, Tolerances(amount=D("0.005")))
    assert (finding.key, finding.amount_at_risk) == ("B", D("0.006"))


@pytest.mark.parametrize("form", ["records", "columns"])
def test_a_difference_past_ten_places_is_found_not_rounded_away(form: str) -> None:
    left = [_document("A", D("100"))]
    right = [_document("A", D("100.00000000001"))]
    [finding] = _both(FORMS[form], left, right, Tolerances())
    assert finding.amount_at_risk == D("0.00000000001")


def test_a_tolerance_past_ten_places_is_applied_exactly() -> None:
    left = [_document("A", D("100"))]
    right = [_document("A", D("100.0000000001"))]
    tolerances = Tolerances(amount=D("0.00000000009"))
    [finding] = _both(FORMS["columns"], left, right, tolerances)
    assert finding.amount_at_risk == D("0.0000000001")


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_unknown_values_are_not_compared_and_missing_records_still_count(form: Form) -> None:
    left = [
        _document("A", None, net_total=None),
        _document("B", D("5"), currency=None, status=None),
        _document("C", None, net_total=None),
    ]
    right = [_document("A", D("7")), _document("B", D("5"), currency="USD", status="paid")]
    [missing] = _both(form, left, right, Tolerances())
    assert (missing.key, missing.kind) == ("C", DiscrepancyKind.UNPOSTED_DOCUMENT)
    assert missing.amount_at_risk is None


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_no_row_is_lost_in_thousands(form: Form) -> None:
    hub = [_document(f"INV-{i:05d}", D(100 + i) + D(i % 100) / 100) for i in range(5_000)]
    erp = list(hub)
    for i in range(0, 5_000, 7):
        erp[i] = replace(hub[i], amount=hub[i].amount + D("0.01"))  # type: ignore[operator]
    del erp[3]
    erp.append(_document("X-1", D(1)))
    found = _both(form, hub, erp, Tolerances())
    kinds = [f.kind for f in found]
    assert kinds.count(DiscrepancyKind.AMOUNT_MISMATCH) == len(range(0, 5_000, 7))
    assert kinds.count(DiscrepancyKind.UNPOSTED_DOCUMENT) == 1
    assert kinds.count(DiscrepancyKind.UNKNOWN_DOCUMENT) == 1


def test_columns_keep_the_last_record_read_for_a_key_in_first_read_order() -> None:
    read = [_document("B", D(1)), _document("A", D(2)), _document("B", D(3))]
    unique = RecordColumns.of(DocumentRecord, read).unique()
    assert list(unique) == list({r.key: r for r in read}.values())
    assert [r.amount for r in unique] == [D(3), D(2)]
    once = RecordColumns.of(DocumentRecord, read[:2])
    assert once.unique() is once


def test_columns_are_a_sequence_of_records() -> None:
    read = [_document("A", D(1)), _document("B", None)]
    columns = RecordColumns.of(DocumentRecord, read)
    assert (len(columns), columns[1], columns[-2], list(columns[1:])) == (2, *read[::-1], read[1:])
    with pytest.raises(IndexError):
        columns[2]
    arrow = _arrow(read)
    assert list(arrow) == [replace(r, contract=None) for r in read]
    assert arrow[1] == replace(read[1], contract=None)


def test_columns_must_match_the_shape() -> None:
    with pytest.raises(ValueError, match="columns must be exactly"):
        RecordColumns(DocumentRecord, {"key": ["A"]})
    full = RecordColumns.of(DocumentRecord, [_document("A", D(1))]).columns
    with pytest.raises(ValueError, match="differ in length"):
        RecordColumns(DocumentRecord, {**full, "key": ["A", "B"]})
    with pytest.raises(ValueError, match="has a key"):
        ArrowRecords(DocumentRecord, pa.table({"key": ["A"], "hours": [1]}))
