"""Canonical objects the sandbox connector tests post."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accord.canonical.v1 import ChargeKind, DocumentKind, Invoice, InvoiceLine, TaxCategory


def invoice(
    number: str,
    *,
    entity: str = "DE01",
    issue_date: dt.date = dt.date(2026, 1, 31),
    hours: str = "10",
    rate: str = "150",
    tax_rate: str = "19",
) -> Invoice:
    """A one-line time invoice; 10 h x 150 at 19 % gives 1500.00 net, 1785.00 gross."""
    net = (Decimal(hours) * Decimal(rate)).quantize(Decimal("0.01"))
    tax = (net * Decimal(tax_rate) / 100).quantize(Decimal("0.01"))
    line = InvoiceLine(
        kind=ChargeKind.TIME,
        term="TM",
        description="senior-consultant",
        quantity=Decimal(hours),
        unit_price=Decimal(rate),
        net=net,
        tax_category=TaxCategory.STANDARD,
        tax_rate=Decimal(tax_rate),
    )
    return Invoice(
        id=f"draft-{number}",
        number=number,
        kind=DocumentKind.INVOICE,
        type_code="380",
        contract="K1",
        customer="C1",
        entity=entity,
        currency="EUR",
        issue_date=issue_date,
        lines=[line],
        net_total=net,
        tax_total=tax,
        gross_total=net + tax,
    )
