"""Double billing: an item billed on two live documents, its excess, and the corrections
(credit note and rebill, price and hours corrections) that are not a double bill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accord.domain.exceptions import ExceptionKind, OwnerRole, Severity
from accord.domain.reconciliation import (
    ChargeRecord,
    DiscrepancyKind,
    Tolerances,
    compare_all,
    double_billed,
    settle,
)

D = Decimal
ENTRY = "time_entry:T1"


def charge(
    document: str,
    amount: str,
    origin: str | None = None,
    on: date = date(2026, 2, 1),
    key: str = ENTRY,
    cancelled: bool = False,
) -> ChargeRecord:
    return ChargeRecord(key, on, document, origin or document, D(amount), "EUR", cancelled)


def test_an_entry_on_two_live_invoices_is_double_billed_by_the_later_ones_amount() -> None:
    charges = [
        charge("INV-1", "1200.00"),
        charge("INV-2", "1200.00", on=date(2026, 3, 1)),
    ]
    [found] = double_billed("billed_once_hub", charges)
    assert (found.kind, found.key, found.amount_at_risk) == (
        DiscrepancyKind.DOUBLE_BILLED,
        ENTRY,
        D("1200.00"),
    )
    assert (found.left_value, found.right_value, found.on) == ("INV-1", "INV-2", date(2026, 3, 1))


def test_the_excess_is_what_all_later_live_billings_charge_beyond_the_first() -> None:
    charges = [
        charge("INV-3", "400.00", on=date(2026, 4, 1)),
        charge("INV-1", "1200.00"),
        charge("INV-2", "1000.00", on=date(2026, 3, 1)),
        charge("CN-1", "-300.00", origin="INV-2", on=date(2026, 3, 5)),
    ]
    [found] = double_billed("billed_once_hub", charges)
    assert found.amount_at_risk == D("1100.00")
    assert (found.left_value, found.right_value) == ("INV-1", "INV-2 INV-3")


def test_a_credit_note_and_a_rebill_is_not_a_double_bill() -> None:
    charges = [
        charge("INV-1", "1200.00"),
        charge("CN-1", "-1200.00", origin="INV-1", on=date(2026, 3, 1)),
        charge("INV-2", "1200.00", on=date(2026, 3, 1)),
    ]
    assert double_billed("billed_once_hub", charges) == []


def test_corrections_of_one_billing_are_not_a_double_bill() -> None:
    """A lower price credited, then more hours billed on the next invoice: one billing."""
    charges = [
        charge("INV-1", "1200.00"),
        charge("CN-1", "-80.00", origin="INV-1", on=date(2026, 3, 1)),
        charge("INV-2", "280.00", origin="INV-1", on=date(2026, 3, 1)),
    ]
    assert double_billed("billed_once_hub", charges) == []


def test_an_invoice_credited_in_full_no_longer_bills_its_items() -> None:
    charges = [
        charge("INV-1", "1200.00", cancelled=True),
        charge("INV-2", "1200.00", on=date(2026, 3, 1)),
    ]
    assert double_billed("billed_once_hub", charges) == []


def test_expenses_and_milestones_are_items_too_and_items_do_not_mix() -> None:
    charges = [
        charge("INV-1", "50.00", key="expense:X1"),
        charge("INV-2", "50.00", key="expense:X1", on=date(2026, 3, 1)),
        charge("INV-1", "4000.00", key="milestone:K2/FF/M1"),
        charge("INV-2", "1200.00"),
    ]
    [found] = double_billed("billed_once_billing", charges)
    assert (found.key, found.amount_at_risk) == ("expense:X1", D("50.00"))


def test_a_double_bill_is_a_finance_discrepancy_raised_at_once() -> None:
    records = {"billed_once_erp": ([charge("INV-1", "9.999"), charge("INV-2", "9.999")], [])}
    [discrepancy] = settle(
        compare_all(records, Tolerances(grace_days={DiscrepancyKind.DOUBLE_BILLED: 0})),
        Tolerances(),
        date(2026, 2, 1),
    )
    assert (discrepancy.owner, discrepancy.systems, discrepancy.amount_at_risk) == (
        OwnerRole.FINANCE,
        ("erp", "erp"),
        D("10.00"),
    )
    assert discrepancy.to_dict()["values"] == {"first": "INV-1", "again": "INV-2"}
    assert discrepancy.subject == "billed_once_erp:time_entry:T1"
    policy = ExceptionKind.DOUBLE_BILLING.policy
    assert (policy.owner, policy.severity) == (OwnerRole.FINANCE, Severity.CRITICAL)
