"""Money on dashboard pages: thousands separators, the currency's minor units, its code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.web.formatting import money
from accord.web.kpi_view import kpi_context


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234567.5"), "EUR", "1,234,567.50 EUR"),
        ("-2380.00", "USD", "-2,380.00 USD"),
        ("120000", "JPY", "120,000 JPY"),
        ("999.99", "GBP", "999.99 GBP"),
        ("1234.5", None, "1,234.5"),
        (None, "EUR", ""),
        ("***", "EUR", "*** EUR"),
    ],
)
def test_money_is_written_with_separators_and_currency(
    amount: object, currency: str | None, shown: str
) -> None:
    assert money(amount, currency) == shown


def test_the_billed_vs_approved_chart_writes_its_bars_as_money() -> None:
    row = {"currency": "EUR", "approved": "12250.00", "billed": "9800.5"}
    [shown] = kpi_context({"billed_vs_approved": [row]})["billed_vs_approved"]
    assert "12,250.00 EUR" in shown["chart"] and "9,800.50 EUR" in shown["chart"]
