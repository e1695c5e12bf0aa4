"""What Accord's documents become in Tryton, checked without a server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.canonical.v1 import Invoice, InvoiceLine, InvoiceStatus
from accord.connectors.tryton import mapping, rpc
from accord.connectors.tryton.amounts import TaxAccounts

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
    tax_accounts={9: TaxAccounts("VAT 19%", 20, 21)},
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


def _line(quantity: str, unit_price: str, net: str) -> InvoiceLine:
    return InvoiceLine(
        kind="correction" if Decimal(net) < 0 else "time",  # type: ignore[arg-type]
        description=f"{quantity} x {unit_price}",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        net=Decimal(net),
        tax_category="S",  # type: ignore[arg-type]
        tax_rate=Decimal("19.00"),
    )


def _taxes(values: dict[str, object]) -> list[dict[str, object]]:
    ((_, created),) = values["taxes"]  # type: ignore[misc]
    return created  # type: ignore[no-any-return]


def test_a_line_tryton_would_round_otherwise_is_sent_as_one_unit_at_its_net() -> None:
    # 0.5 x 21.97 = 10.985: Tryton rounds half-even to 10.98, Accord issued 10.99.
    issued = _line("0.5", "21.97", "10.99")
    document = _document("invoice", "1").model_copy(update={"lines": [issued]})

    values = mapping.invoice_values(document, "k", SETUP, PARTY, [None])

    (line,) = _lines(values)
    assert (line["quantity"], line["unit_price"]) == (Decimal(1), Decimal("10.99"))
    markers = mapping.read_markers(str(line["note"]))
    assert (markers["quantity"], markers["unit-price"]) == ("0.5", "21.97")
    read_back = mapping.canonical_line(
        {**line, "amount": Decimal("10.99"), "taxes": [9]}, {9: Decimal("0.19")}
    )
    assert (read_back.quantity, read_back.unit_price) == (Decimal("0.5"), Decimal("21.97"))


def test_a_unit_price_with_more_digits_than_tryton_keeps_is_kept_in_the_note() -> None:
    issued = _line("1", "10.00499", "10.00")
    document = _document("invoice", "1").model_copy(update={"lines": [issued]})

    (line,) = _lines(mapping.invoice_values(document, "k", SETUP, PARTY, [None]))

    assert (line["quantity"], line["unit_price"]) == (Decimal(1), Decimal("10.00"))
    assert mapping.read_markers(str(line["note"]))["unit-price"] == "10.00499"


def test_tax_lines_carry_accords_tax_split_by_the_sign_of_their_base() -> None:
    lines = [
        _line("1", "10.03", "10.03"),
        _line("1", "20.03", "20.03"),
        _line("-1", "5.03", "-5.03"),
    ]
    document = _document("invoice", "1").model_copy(
        update={"lines": lines, "tax_total": Decimal("4.76")}  # round(25.03 x 0.19) = 4.76
    )

    taxes = _taxes(mapping.invoice_values(document, "k", SETUP, PARTY, [None] * 3))

    assert [(t["account"], t["base"], t["amount"]) for t in taxes] == [
        (20, Decimal("30.06"), Decimal("5.71")),
        (21, Decimal("-5.03"), Decimal("-0.95")),
    ]
    assert sum(t["amount"] for t in taxes) == document.tax_total  # type: ignore[misc]


def test_money_received_is_a_payment_and_a_refund_paid_out_is_not() -> None:
    received = {"id": 5, "credit": Decimal("119.00"), "debit": Decimal(0), "date": dt.date.today()}
    refund = {**received, "credit": Decimal(0), "debit": Decimal("59.50")}
    invoice = {"reference": "INV-DE01-000001", "currency.": {"code": "EUR"}}

    assert mapping.is_money_received(received) and not mapping.is_money_received(refund)
    payment = mapping.canonical_payment(received, invoice)
    assert (payment.id, payment.invoice, payment.amount) == (
        "tryton-move-line-5",
        "INV-DE01-000001",
        Decimal("119.00"),
    )


@pytest.mark.parametrize("quantity", ["0.10", "7.35", "-1.15"])
def test_quantities_travel_as_exact_decimal_strings_never_floats(quantity: str) -> None:
    kind = "credit_note" if quantity.startswith("-") else "invoice"
    values = mapping.invoice_values(_document(kind, quantity), "k", SETUP, PARTY, [None])

    (line,) = _lines(values)
    assert rpc.encode(line["quantity"]) == {
        "__class__": "Decimal",
        "decimal": quantity.lstrip("-") if kind == "invoice" else quantity,
    }
