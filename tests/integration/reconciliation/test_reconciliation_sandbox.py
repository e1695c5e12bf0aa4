"""Reconciliation against a running sandbox landscape: a clean landscape gives nothing;
each discrepancy seeded through a system's HTTP API is found with its amount, owner, age."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.application.document_mapping import to_invoice
from accord.application.reconciliation import ReconciliationService
from accord.bootstrap import reconciliation_sources
from accord.canonical import v1
from accord.connectors.sandbox.billing import SandboxBillingConnector
from accord.connectors.sandbox.clm import SandboxClmConnector
from accord.connectors.sandbox.crm import SandboxCrmConnector
from accord.connectors.sandbox.erp import SandboxErpConnector
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sandbox.psa import SandboxPsaConnector
from accord.domain.billing.payments import apply_payment, confirm_posting
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, new_state
from accord.domain.contracts.model import (
    Contract,
    Customer,
    Employment,
    Entity,
    Firm,
    RateVersion,
    Resource,
    TaxCategory,
    TaxRule,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import TimeEntry
from accord.domain.exceptions import OwnerRole
from accord.domain.reconciliation import Discrepancy, DiscrepancyKind, Tolerances

D = Decimal
K = DiscrepancyKind
AS_OF = date(2026, 3, 31)
SIGNED = date(2026, 1, 2)


def hub_state() -> BillingState:
    """K1, T&M at 150/h: T5 and T6 (8 h each) invoiced on INV-DE01-000001 (2856.00 gross)."""
    firm = Firm(
        (Entity("DE01", "Firm", "DE", "EUR"),),
        (),
        (TaxRule("DE01", "DE", TaxCategory.STANDARD, D(19)),),
    )
    people = [Resource("R1", "Ada", "consultant", (Employment("DE01", date(2025, 1, 1)),))]
    term = TimeAndMaterialsTerm("TM", (RateVersion("consultant", D(150), date(2026, 1, 1)),))
    contract = Contract("K1", "C1", "DE01", "EUR", date(2026, 1, 1), date(2026, 12, 31), (term,))
    state = new_state(firm, [Customer("C1", "Customer", "DE")], people, [contract])
    entries = [TimeEntry(f"T{d}", "K1", "TM", "R1", date(2026, 1, d), D(8)) for d in (5, 6)]
    return run_invoicing(approve_time(state, entries), date(2026, 1, 31)).state


class Firmwide:
    """The landscape, its connectors and the hub's state, set up clean."""

    def __init__(self, landscape: Landscape) -> None:
        self.landscape = landscape
        config = lambda system: {"base_url": landscape.base_url(system), "max_attempts": 2}  # noqa: E731
        self.erp = SandboxErpConnector(config("erp"))
        self.billing = SandboxBillingConnector(config("billing"))
        self.psa = SandboxPsaConnector(config("psa"))
        self.crm = SandboxCrmConnector(config("crm"))
        self.clm = SandboxClmConnector(config("clm"))
        self.http = httpx.Client(base_url=landscape.url)
        self.state = hub_state()

    def put(self, path: str, body: dict[str, Any]) -> None:
        self.http.put(path, json=body).raise_for_status()

    def sign(self, contract: str) -> None:
        body = {
            "customer": "C1",
            "entity": "DE01",
            "currency": "EUR",
            "start": "2026-01-01",
            "status": "signed",
            "signed_on": SIGNED.isoformat(),
        }
        self.put(f"/clm/contracts/eid:{contract}", body)

    def set_up_clean(self) -> None:
        self.sign("K1")
        self.put(
            "/billing/contracts/eid:K1", {"customer": "C1", "entity": "DE01", "currency": "EUR"}
        )
        self.put(
            "/psa/projects/eid:K1",
            {"name": "K1", "customer": "C1", "contract": "K1", "currency": "EUR"},
        )
        self.put(
            "/erp/projects/eid:K1",
            {"name": "K1", "customer": "C1", "subsidiary": "DE01", "contract": "K1"},
        )
        self.crm.confirm_activation(
            v1.Contract(
                id="K1", customer="C1", entity="DE01", currency="EUR", start=date(2026, 1, 1)
            )
        )
        for day in (5, 6):
            self.approve_in_psa(f"T{day}", date(2026, 1, day), 480)
        for document in self.state.ledger.documents.values():
            self.billing.record_invoice(to_invoice(document), f"billing:{document.number}")
            self.erp.post_invoice(to_invoice(document), f"erp:{document.number}")
            self.state = confirm_posting(self.state, document.number)
        self.pay("P1", D("1000.00"), date(2026, 2, 20))

    def approve_in_psa(self, entry: str, day: date, minutes: int) -> None:
        body = {
            "project": "K1",
            "user_id": "R1",
            "date_performed": day.isoformat(),
            "term": "TM",
            "time_in_minutes": minutes,
            "approved": True,
            "billable": True,
            "external_reference": entry,
        }
        self.http.post("/psa/time_entries", json=body).raise_for_status()

    def pay(self, payment: str, amount: Decimal, on: date, mirror: bool = True) -> None:
        self.erp.register_payment("INV-DE01-000001", amount, "EUR", on, payment)
        self.state, _ = apply_payment(self.state, "INV-DE01-000001", amount, "EUR")
        if mirror:
            received = v1.Payment(
                id=payment, invoice="INV-DE01-000001", amount=amount, currency="EUR", received_on=on
            )
            self.billing.record_payment(received)
            self.crm.record_payment(received)

    def service(self, **options: Any) -> ReconciliationService:
        connectors = [self.erp, self.billing, self.psa, self.crm, self.clm]
        sources = reconciliation_sources({c.name: c for c in connectors})
        clock = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731
        return ReconciliationService(sources, lambda: self.state, None, clock, **options)


def found(discrepancies: tuple[Discrepancy, ...]) -> dict[tuple[str, str], Discrepancy]:
    return {(d.comparison, d.key): d for d in discrepancies}


def test_a_clean_landscape_has_no_discrepancies(firm: Firmwide) -> None:
    report = firm.service().run(AS_OF)
    assert report.skipped == {}
    assert len(report.compared) == 13
    assert report.discrepancies == ()


def test_each_seeded_discrepancy_is_found_with_its_amount_owner_and_age(firm: Firmwide) -> None:
    firm.sign("K2")
    firm.put(
        "/erp/projects/eid:K1",
        {"name": "K1", "customer": "C9", "subsidiary": "DE01", "contract": "K1"},
    )
    firm.approve_in_psa("T30", date(2026, 2, 2), 120)
    entries = firm.http.get("/psa/time_entries", params={"limit": 100}).json()["items"]
    t6 = next(i for i in entries if i["external_reference"] == "T6")
    firm.http.patch(
        f"/psa/time_entries/{t6['id']}", json={"time_in_minutes": 360}
    ).raise_for_status()
    rogue = {
        "number": "INV-DE01-000777",
        "customer": "C1",
        "subsidiary": "DE01",
        "currency": "EUR",
        "tran_date": "2026-03-01",
        "project": "K1",
        "lines": [
            {"description": "x", "quantity": "1", "rate": "50", "amount": "50", "tax_rate": "0"}
        ],
    }
    firm.put("/erp/invoices/eid:rogue", rogue)
    firm.pay("P2", D("500.00"), date(2026, 3, 21), mirror=False)
    report = firm.service(
        tolerances=Tolerances(unbilled_after_days=30),
        fast_engine=DuckDbReconciliationEngine(),
        fast_threshold=1,
    ).run(AS_OF)
    assert report.engine == "duckdb"
    seen = found(report.discrepancies)
    expected = {
        ("contracts_clm_billing", "K2"): (K.MISSING_IN_BILLING, None, OwnerRole.BILLING, 88),
        ("contracts_clm_psa", "K2"): (K.MISSING_IN_PSA, None, OwnerRole.PMO, 88),
        ("contracts_clm_erp", "K1"): (K.CUSTOMER_MISMATCH, None, OwnerRole.INTEGRATION, 88),
        ("contracts_clm_erp", "K2"): (K.MISSING_IN_ERP, None, OwnerRole.FINANCE, 88),
        ("contracts_clm_crm", "K2"): (K.MISSING_IN_CRM, None, OwnerRole.INTEGRATION, 88),
        ("projects_psa_erp", "K1"): (K.CUSTOMER_MISMATCH, None, OwnerRole.INTEGRATION, None),
        ("time_psa_hub", "T30"): (K.UNBILLED_TIME, D("300.00"), OwnerRole.BILLING, 57),
        ("time_psa_hub", "T6"): (K.HOURS_MISMATCH, D("300.00"), OwnerRole.BILLING, 84),
        ("documents_hub_erp", "INV-DE01-000777"): (
            K.UNKNOWN_DOCUMENT,
            D("50.00"),
            OwnerRole.FINANCE,
            30,
        ),
        ("payments_erp_billing", "P2"): (
            K.PAYMENT_NOT_MIRRORED,
            D("500.00"),
            OwnerRole.BILLING,
            10,
        ),
        ("payments_erp_crm", "P2"): (K.PAYMENT_NOT_MIRRORED, D("500.00"), OwnerRole.BILLING, 10),
    }
    assert {
        key: (d.kind, d.amount_at_risk, d.owner, d.age_days) for key, d in seen.items()
    } == expected


def test_documents_unposted_or_changed_in_billing_are_found(firm: Firmwide) -> None:
    firm.state = approve_time(
        firm.state, [TimeEntry("T40", "K1", "TM", "R1", date(2026, 2, 10), D(4))]
    )
    firm.approve_in_psa("T40", date(2026, 2, 10), 240)
    firm.state = run_invoicing(firm.state, date(2026, 2, 28)).state
    second = firm.state.ledger.documents["INV-DE01-000002"]
    tampered = to_invoice(second).model_copy(
        update={"tax_total": D("0.00"), "gross_total": second.net_total}
    )
    firm.billing.record_invoice(tampered, "billing:INV-DE01-000002")
    seen = found(firm.service().run(AS_OF).discrepancies)
    unposted = seen[("documents_hub_erp", "INV-DE01-000002")]
    assert (unposted.kind, unposted.amount_at_risk, unposted.owner, unposted.age_days) == (
        K.UNPOSTED_DOCUMENT,
        D("714.00"),
        OwnerRole.FINANCE,
        31,
    )
    changed = seen[("documents_hub_billing", "INV-DE01-000002")]
    assert (changed.kind, changed.amount_at_risk, changed.owner) == (
        K.TAX_MISMATCH,
        D("114.00"),
        OwnerRole.FINANCE,
    )
    assert len(seen) == 2
