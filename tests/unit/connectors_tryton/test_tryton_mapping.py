"""What Accord's documents become in Tryton, checked without a server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.canonical.v1 import Invoice, InvoiceLine, InvoiceStatus
from accord.connectors.tryton import mapping, rpc

SETUP = mapping.LedgerSetup(
    company=1,
    journal=2,
    product=3,
    unit=4,
    revenue_account=5,
    default_receivable=6,
    payment_term=None,
    currencies={"EUR": 1},
    taxes_by_rate={Decimal("0.19"): 9},
    rates_by_tax={9: Decimal("0.19")},
)
PARTY = mapping.PartyAccounts(party=10, address=11, receivable=12)


def _document(kind: str, quantity: str, tax_rate: str = "19.00") -> Invoice:
    net = Decimal(quantity) * 100
    item = InvoiceLine(
        kind="correction" if kind == "credit_note" else "time",  # type: ignore[arg-type]
        description="consultant",
        quantity=Decimal(quantity),
        unit_price=Decimal(100),
        net=net,
        tax_category="S",  # type: ignore[arg-type]
        tax_rate=Decimal(tax_rate),
    )
    tax = net * Decimal(tax_rate) / 100
    return Invoice(
        id="D-1",
        number="CN-DE01-000001" if kind == "credit_note" else "INV-DE01-000001",
        kind=kind,  # type: ignore[arg-type]
        type_code="381" if kind == "credit_note" else "380",
        contract="K-1",
        customer="C-1",
        entity="DE01",
        currency="EUR",
        issue_date=dt.date(2026, 3, 31),
        references=["INV-DE01-000001"] if kind == "credit_note" else [],
        lines=[item],
        net_total=net,
        tax_total=tax,
        gross_total=net + tax,
    )


def _lines(values: dict[str, object]) -> list[dict[str, object]]:
    ((_, created),) = values["lines"]  # type: ignore[misc]
    return created  # type: ignore[no-any-return]


def test_invoice_carries_accords_number_keys_and_the_matching_tax() -> None:
    values = mapping.invoice_values(_document("invoice", "2"), "erp:post:abc", SETUP, PARTY, [None])

    assert (values["type"], values["reference"], values["account"]) == (
        "out",
        "INV-DE01-000001",
        12,
    )
    assert mapping.read_markers(str(values["comment"]))["idempotency-key"] == "erp:post:abc"
    (line,) = _lines(values)
    assert (line["quantity"], line["unit_price"], line["taxes"]) == (
        2.0,
        Decimal(100),
        [["add", [9]]],
    )


@pytest.mark.parametrize("quantity", ["-2", "2"])
def test_a_credit_note_is_a_negative_invoice_whatever_sign_accord_used(quantity: str) -> None:
    origin = "account.invoice.line,7"

    values = mapping.invoice_values(_document("credit_note", quantity), "k", SETUP, PARTY, [origin])

    (line,) = _lines(values)
    assert (line["quantity"], line["origin"]) == (-2.0, origin)


def test_a_rate_tryton_does_not_have_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no Tryton tax with rate 7%"):
        mapping.invoice_values(_document("invoice", "1", "7.00"), "k", SETUP, PARTY, [None])


@pytest.mark.parametrize(
    ("state", "to_pay", "status", "paid"),
    [
        ("draft", "119.00", InvoiceStatus.DRAFT, "0"),
        ("posted", "119.00", InvoiceStatus.POSTED, "0"),
        ("posted", "19.00", InvoiceStatus.PARTIALLY_PAID, "100.00"),
        ("paid", "0", InvoiceStatus.PAID, "119.00"),
        ("cancelled", "0", InvoiceStatus.CREDITED, "0"),
    ],
)
def test_tryton_states_read_back_as_accord_statuses(
    state: str, to_pay: str, status: InvoiceStatus, paid: str
) -> None:
    record = {"state": state, "total_amount": Decimal("119.00"), "amount_to_pay": Decimal(to_pay)}

    assert mapping.invoice_status(record) is status
    assert mapping.amount_paid(record) == Decimal(paid)


@pytest.mark.parametrize("quantity", ["0.10", "7.35", "-1.15"])
def test_quantities_travel_as_exact_decimal_strings_never_floats(quantity: str) -> None:
    kind = "credit_note" if quantity.startswith("-") else "invoice"
    values = mapping.invoice_values(_document(kind, quantity), "k", SETUP, PARTY, [None])

    (line,) = _lines(values)
    assert rpc.encode(line["quantity"]) == {
        "__class__": "Decimal",
        "decimal": quantity.lstrip("-") if kind == "invoice" else quantity,
    }
