"""The reconciliation rules: each kind, tolerances, ageing and grace, owners, clean data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from accord.domain.exceptions import OwnerRole
from accord.domain.reconciliation import (
    COMPARISONS,
    ContractRecord,
    DiscrepancyKind,
    DocumentRecord,
    PaymentRecord,
    ProjectRecord,
    Tolerances,
    WorkRecord,
    compare,
    settle,
    settlement_status,
)

D = Decimal
K = DiscrepancyKind
AS_OF = date(2026, 3, 31)
ISSUED = date(2026, 3, 1)


def doc(number: str = "INV-DE01-000001", **changes: object) -> DocumentRecord:
    values: dict[str, object] = {
        "key": number,
        "on": ISSUED,
        "contract": "K1",
        "currency": "EUR",
        "net_total": D("1000.00"),
        "tax_total": D("190.00"),
        "amount": D("1190.00"),
        "status": "open",
    }
    values.update(changes)
    return DocumentRecord(**values)  # type: ignore[arg-type]


def run(name: str, left: list, right: list, tolerances: Tolerances | None = None):  # type: ignore[no-untyped-def]
    tolerances = tolerances or Tolerances()
    return settle(compare(COMPARISONS[name], left, right, tolerances), tolerances, AS_OF)


def test_identical_documents_reconcile_to_nothing() -> None:
    documents = [doc("INV-DE01-000001"), doc("INV-DE01-000002", amount=D("50.00"))]
    assert run("documents_hub_erp", documents, list(documents)) == []
    in_billing = [replace(d, status=None) for d in documents]
    assert run("documents_hub_billing", documents, in_billing) == []


def test_a_document_missing_in_the_erp_is_unposted_with_its_gross_at_risk_and_its_age() -> None:
    [found] = run("documents_hub_erp", [doc()], [])
    assert found.kind is K.UNPOSTED_DOCUMENT
    assert found.systems == ("hub", "erp")
    assert found.key == "INV-DE01-000001"
    assert found.amount_at_risk == D("1190.00")
    assert found.currency == "EUR"
    assert found.age_days == 30
    assert found.owner is OwnerRole.FINANCE
    assert found.subject == "documents_hub_erp:INV-DE01-000001"


def test_a_document_the_hub_never_issued_is_unknown() -> None:
    [found] = run("documents_hub_erp", [], [doc("INV-DE01-000099")])
    assert (found.kind, found.key, found.amount_at_risk) == (
        K.UNKNOWN_DOCUMENT,
        "INV-DE01-000099",
        D("1190.00"),
    )


@pytest.mark.parametrize(
    ("change", "kind", "at_risk"),
    [
        ({"net_total": D("990.00"), "amount": D("1180.00")}, K.AMOUNT_MISMATCH, D("10.00")),
        ({"tax_total": D("180.00"), "amount": D("1180.00")}, K.TAX_MISMATCH, D("10.00")),
        ({"currency": "USD"}, K.CURRENCY_MISMATCH, D("1190.00")),
        ({"status": "paid"}, K.STATUS_MISMATCH, D("1190.00")),
    ],
)
def test_document_field_differences(change: dict[str, object], kind: K, at_risk: Decimal) -> None:
    [found] = run("documents_hub_erp", [doc()], [doc(**change)])
    assert (found.kind, found.amount_at_risk) == (kind, at_risk)
    assert found.owner is kind.owner


def test_the_first_failing_check_names_the_discrepancy() -> None:
    [found] = run(
        "documents_hub_erp", [doc()], [doc(currency="USD", net_total=D("1"), status="paid")]
    )
    assert found.kind is K.CURRENCY_MISMATCH


def test_an_unknown_status_is_not_compared() -> None:
    assert run("documents_hub_billing", [doc(status="paid")], [doc(status=None)]) == []
    assert settlement_status("credited") is None
    assert settlement_status("posted") == settlement_status("issued") == "open"


def test_amounts_within_the_tolerance_agree_and_beyond_it_differ() -> None:
    tolerant = Tolerances(amount=D("0.01"))
    off_by_a_cent = doc(amount=D("1190.01"))
    assert run("documents_hub_erp", [doc()], [off_by_a_cent], tolerant) == []
    [found] = run("documents_hub_erp", [doc()], [off_by_a_cent])
    assert (found.kind, found.amount_at_risk) == (K.AMOUNT_MISMATCH, D("0.01"))
    assert run("documents_hub_erp", [doc()], [doc(amount=D("1190.02"))], tolerant) != []


def test_unbilled_time_waits_for_its_grace_period_then_reports_its_value() -> None:
    work = WorkRecord("T1", date(2026, 3, 10), "K1", D("8"), D("1200.00"), "EUR")
    assert run("time_psa_hub", [work], [], Tolerances(unbilled_after_days=30)) == []
    [found] = run("time_psa_hub", [work], [], Tolerances(unbilled_after_days=21))
    assert (found.kind, found.amount_at_risk, found.age_days) == (K.UNBILLED_TIME, D("1200.00"), 21)
    assert found.owner is OwnerRole.BILLING


def test_grace_days_hold_back_young_discrepancies_of_a_kind() -> None:
    tolerances = Tolerances(grace_days={K.UNPOSTED_DOCUMENT: 31})
    assert run("documents_hub_erp", [doc()], [], tolerances) == []
    assert run("documents_hub_erp", [doc()], [], Tolerances(grace_days={K.UNPOSTED_DOCUMENT: 30}))


def test_hours_billed_differ_from_hours_approved() -> None:
    approved = WorkRecord("T1", date(2026, 1, 5), "K1", D("8"), D("1200.00"), "EUR")
    billed = WorkRecord("T1", date(2026, 1, 5), "K1", D("6"), D("900.00"), "EUR")
    [found] = run("time_psa_hub", [approved], [billed])
    assert (found.kind, found.amount_at_risk, found.age_days) == (K.HOURS_MISMATCH, D("300.00"), 85)
    assert run("time_psa_hub", [approved], [billed], Tolerances(hours=D("2"))) == []


def test_time_billed_but_no_longer_approved() -> None:
    billed = WorkRecord("T9", date(2026, 1, 5), "K1", D("4"), D("600.00"), "EUR")
    [found] = run("time_psa_hub", [], [billed])
    assert (found.kind, found.amount_at_risk, found.owner) == (
        K.BILLED_UNAPPROVED_TIME,
        D("600.00"),
        OwnerRole.PMO,
    )


def test_payments_not_mirrored_misapplied_or_unknown() -> None:
    received = PaymentRecord("P1", date(2026, 3, 20), "INV-DE01-000001", D("500.00"), "EUR")
    [missing] = run("payments_erp_crm", [received], [])
    assert (missing.kind, missing.amount_at_risk, missing.age_days) == (
        K.PAYMENT_NOT_MIRRORED,
        D("500.00"),
        11,
    )
    moved = PaymentRecord("P1", date(2026, 3, 20), "INV-DE01-000002", D("500.00"), "EUR")
    [misapplied] = run("payments_erp_billing", [received], [moved])
    assert misapplied.kind is K.PAYMENT_MISAPPLIED
    short = PaymentRecord("P1", date(2026, 3, 20), "INV-DE01-000001", D("450.00"), "EUR")
    [amount] = run("payments_erp_billing", [received], [short])
    assert (amount.kind, amount.amount_at_risk) == (K.AMOUNT_MISMATCH, D("50.00"))
    [unknown] = run("payments_erp_billing", [], [received])
    assert (unknown.kind, unknown.owner) == (K.UNKNOWN_PAYMENT, OwnerRole.FINANCE)


def test_contracts_signed_but_not_set_up_everywhere() -> None:
    signed = ContractRecord("K1", date(2026, 1, 2), "C1", "DE01", "EUR")
    for name, kind, owner in (
        ("contracts_clm_billing", K.MISSING_IN_BILLING, OwnerRole.BILLING),
        ("contracts_clm_psa", K.MISSING_IN_PSA, OwnerRole.PMO),
        ("contracts_clm_erp", K.MISSING_IN_ERP, OwnerRole.FINANCE),
        ("contracts_clm_crm", K.MISSING_IN_CRM, OwnerRole.INTEGRATION),
    ):
        [found] = run(name, [signed], [])
        assert (found.kind, found.owner, found.age_days, found.amount_at_risk) == (
            kind,
            owner,
            88,
            None,
        )
    wrong_entity = ContractRecord("K1", None, "C1", "US01", "EUR")
    [found] = run("contracts_clm_erp", [signed], [wrong_entity])
    assert found.kind is K.ENTITY_MISMATCH
    assert (
        run("contracts_clm_billing", [signed], [ContractRecord("K1", None, "C1", "DE01", "EUR")])
        == []
    )


def test_projects_compared_between_psa_and_erp() -> None:
    psa = ProjectRecord("K1", None, "K1", "C1", None, None)
    erp = ProjectRecord("K1", None, "K1", "C2", "DE01", None)
    [found] = run("projects_psa_erp", [psa], [erp])
    assert (found.kind, found.age_days) == (K.CUSTOMER_MISMATCH, None)
    [missing] = run("projects_psa_erp", [psa], [])
    assert missing.kind is K.MISSING_IN_ERP
    [orphan] = run("projects_psa_erp", [], [erp])
    assert orphan.kind is K.MISSING_IN_PSA


def test_every_kind_has_an_owner_and_the_report_renders_plain_values() -> None:
    assert all(isinstance(kind.owner, OwnerRole) for kind in DiscrepancyKind)
    [found] = run("documents_hub_erp", [doc()], [])
    assert found.to_dict() == {
        "kind": "unposted_document",
        "comparison": "documents_hub_erp",
        "systems": ["hub", "erp"],
        "keys": ["INV-DE01-000001"],
        "amount_at_risk": "1190.00",
        "currency": "EUR",
        "age_days": 30,
        "owner": "finance",
        "values": {"hub": "1190.00", "erp": None},
    }
