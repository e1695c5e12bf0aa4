"""Arrow rows as the DuckDB engine reads them: text in two dictionaries compared as
indices into one, and records made back from Arrow exactly as pyarrow reads them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa  # type: ignore[import-untyped]

from accord.adapters.reconciliation_arrow import ArrowRecords, comparable
from accord.domain.reconciliation import DocumentRecord

TEXT = pa.dictionary(pa.int32(), pa.string())


def _text(indices: list[int | None], values: list[str | None]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values))


def test_shared_indices_are_equal_exactly_where_the_text_is() -> None:
    ours = pa.table({"currency": _text([0, 1, 2, None, 2], ["EUR", "EUR", "USD"])})
    theirs = pa.table({"currency": _text([2, 2, 1, 0, None], ["USD", "GBP", "EUR"])})
    coded = comparable(ours, theirs)
    codes = [table.column("currency").to_pylist() for table in coded]
    texts = [table.column("currency").to_pylist() for table in (ours, theirs)]
    assert pa.types.is_integer(coded[0].column("currency").type)
    assert [a == b for a, b in zip(*codes, strict=True)] == [True, True, False, False, False]
    assert [a == b for a, b in zip(*texts, strict=True)] == [True, True, False, False, False]
    assert [[code is None for code in side] for side in codes] == [
        [text is None for text in side] for side in texts
    ]


def test_text_is_left_as_text_where_indices_would_not_mean_the_same() -> None:
    with_null = pa.table({"status": _text([0, 1], ["open", None])})
    plain = pa.table({"status": pa.array(["open", None])})
    dictionary = pa.table({"status": pa.array(["open", "paid"], TEXT)})
    for ours, theirs in ((with_null, dictionary), (dictionary, plain)):
        assert comparable(ours, theirs) == (ours, theirs)


def test_records_come_back_from_arrow_exactly_as_pyarrow_reads_them() -> None:
    table = pa.table(
        {
            "key": ["A", "B", "C"],
            "on": pa.array([date(1970, 1, 1), None, date(2026, 12, 31)], pa.date32()),
            "currency": pa.array(["EUR", None, "JPY"], TEXT),
            "net_total": pa.array([Decimal("0E-10"), Decimal("-1.5"), None], pa.decimal128(38, 10)),
            "tax_total": pa.array([Decimal("1500"), None, Decimal("-3")], pa.decimal128(18, 0)),
            "amount": pa.array([Decimal("0.10"), Decimal("-0.01"), None], pa.decimal64(18, 2)),
        }
    )
    found = list(ArrowRecords(DocumentRecord, table))
    assert found == [DocumentRecord(**row) for row in table.to_pylist()]
    shown = [[str(value) for value in (r.net_total, r.tax_total, r.amount)] for r in found]
    assert shown == [
        ["0E-10", "1500", "0.10"],
        ["-1.5000000000", "None", "-0.01"],
        ["None", "-3", "None"],
    ]
    assert [r.status for r in found] == [None, None, None]
