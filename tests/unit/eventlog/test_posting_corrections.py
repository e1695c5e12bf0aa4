"""What a correction of a refused ERP posting may change: how the document reaches the
ledger (customer, dates, references, line descriptions and tax categories), never what
it bills or its amounts."""

from __future__ import annotations

from typing import Any

import pytest

from accord.domain.posting_corrections import (
    PostingCorrectionRefused,
    check_posting_correction,
    posting_changes,
)

ISSUED: dict[str, Any] = {
    "number": "INV-DE01-000001",
    "customer": "C1",
    "issue_date": "2026-01-31",
    "references": [],
    "lines": [
        {"description": "consulting", "tax_category": "S", "net": "1500.00", "quantity": "10"},
        {"description": "travel", "tax_category": "S", "net": "100.00", "quantity": "1"},
    ],
    "net_total": "1600.00",
}


def test_a_changed_customer_date_and_line_tax_category_are_listed_by_path() -> None:
    corrected = {**ISSUED, "customer": "C-001", "issue_date": "2026-02-02"}
    corrected["lines"] = [ISSUED["lines"][0], {**ISSUED["lines"][1], "tax_category": "Z"}]
    changes = check_posting_correction(ISSUED, corrected)
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("customer", "C1", "C-001"),
        ("issue_date", "2026-01-31", "2026-02-02"),
        ("lines.1.tax_category", "S", "Z"),
    ]


def test_amounts_written_differently_are_not_a_change() -> None:
    corrected = {**ISSUED, "net_total": "1600.0", "customer": "C2"}
    assert [c.field for c in posting_changes(ISSUED, corrected)] == ["customer"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"net_total": "1700.00"}, "net_total"),
        ({"number": "INV-DE01-000002"}, "number"),
        ({"lines": [ISSUED["lines"][0]]}, "lines.1.net"),
        ({"lines": [{**ISSUED["lines"][0], "quantity": "9"}, ISSUED["lines"][1]]}, "quantity"),
    ],
)
def test_a_correction_that_changes_what_was_issued_is_refused(
    change: dict[str, Any], named: str
) -> None:
    with pytest.raises(PostingCorrectionRefused, match="credit note") as refused:
        check_posting_correction(ISSUED, {**ISSUED, **change})
    assert named in str(refused.value)


def test_a_correction_that_changes_nothing_is_refused() -> None:
    with pytest.raises(PostingCorrectionRefused, match="the one the ERP refused"):
        check_posting_correction(ISSUED, dict(ISSUED))
