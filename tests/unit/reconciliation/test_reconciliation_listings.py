"""Reconciliation reads set-up contracts, projects and payment mirrors through the listing
ports the connectors offer (picked by the composition root, like every other port); a
comparison whose system offers no listing is reported not compared and changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from accord.application import gateways
from accord.application.document_mapping import to_invoice
from accord.application.reconciliation import ReconciliationService
from accord.bootstrap import reconciliation_sources
from accord.canonical import v1
from accord.connectors import sdk
from accord.connectors.sdk import Connector
from accord.domain.billing.state import BillingState
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.domain.reconciliation import (
    ContractRecord,
    DiscrepancyKind,
    PaymentRecord,
    ProjectRecord,
    Tolerances,
)
from tests.unit.reconciliation.fake_listings import FakeConnector, FakeListing
from tests.unit.reconciliation.test_reconciliation_service import (
    TODAY,
    FakeErp,
    FakeExceptionSink,
    FakePsa,
    billed_state,
    psa_entries,
)

K = DiscrepancyKind
PAID = v1.Payment(
    id="P1",
    invoice="INV-DE01-000001",
    amount=Decimal("100.00"),
    currency="EUR",
    received_on=date(2026, 2, 20),
)


class FakeClm:
    def signed_contracts(self, since: date | None) -> Sequence[v1.Contract]:
        return [
            v1.Contract(id=k, customer="C1", entity="DE01", currency="EUR", start=date(2026, 1, 1))
            for k in ("K1", "K2")
        ]


class FakeBilling:
    def __init__(self, documents: list[v1.Invoice]) -> None:
        self.documents = documents

    def list_documents(self) -> Sequence[v1.Invoice]:
        return self.documents


def project(key: str) -> ProjectRecord:
    return ProjectRecord(key, None, key, "C1", "DE01")


def contract(key: str) -> ContractRecord:
    return ContractRecord(key, None, "C1", "DE01")


def connectors(state: BillingState, erp_projects: FakeListing, crm: FakeListing) -> list[Connector]:
    """ERP and PSA list projects and contracts, the CRM contracts and payments; the
    billing connector offers no listing at all."""
    documents = [to_invoice(d) for d in state.ledger.documents.values()]
    psa_projects = FakeListing(
        contracts=[contract("K1"), contract("K2")], projects=[project("K1"), project("K2")]
    )
    listed = {"ContractListing": erp_projects, "ProjectListing": erp_projects}
    return [
        FakeConnector("erp", "erp", {"ErpGateway": FakeErp(documents, [PAID]), **listed}),
        FakeConnector(
            "psa",
            "psa",
            {
                "PsaGateway": FakePsa(psa_entries(state)),
                "ContractListing": psa_projects,
                "ProjectListing": psa_projects,
            },
        ),
        FakeConnector("billing", "billing", {"BillingGateway": FakeBilling(documents)}),
        FakeConnector(
            "crm", "crm", {"CrmGateway": object(), "ContractListing": crm, "PaymentListing": crm}
        ),
        FakeConnector("clm", "clm", {"ClmGateway": FakeClm()}),
    ]


def reconcile(
    state: BillingState, erp_projects: FakeListing, crm: FakeListing, sink: FakeExceptionSink
) -> Any:
    sources = reconciliation_sources({c.name: c for c in connectors(state, erp_projects, crm)})
    lenient = Tolerances(unbilled_after_days=60)
    return ReconciliationService(sources, lambda: state, sink, lambda: TODAY, lenient).run()


def test_listings_come_from_the_connectors_that_offer_them() -> None:
    state = billed_state()
    erp = FakeListing(contracts=[contract("K1")], projects=[project("K1"), project("K9")])
    crm = FakeListing(contracts=[contract("K1"), contract("K2")])

    report = reconcile(state, erp, crm, FakeExceptionSink())

    found = {(d.comparison, d.key): d.kind for d in report.discrepancies}
    assert found == {
        ("contracts_clm_erp", "K2"): K.MISSING_IN_ERP,
        ("projects_psa_erp", "K2"): K.MISSING_IN_ERP,
        ("projects_psa_erp", "K9"): K.MISSING_IN_PSA,
        ("payments_erp_crm", "P1"): K.PAYMENT_NOT_MIRRORED,
    }
    assert erp.reads == 2 and crm.reads == 2  # contracts and projects; contracts and payments
    assert {"contracts_clm_crm", "contracts_clm_psa", "projects_psa_erp"} <= set(report.compared)


def test_a_system_without_a_listing_is_reported_not_compared_and_changes_nothing() -> None:
    state = billed_state()
    sink = FakeExceptionSink()
    sink.open(
        BusinessException(
            ExceptionKind.RECONCILIATION_DISCREPANCY, "payments_erp_billing:P1", "old"
        )
    )
    erp = FakeListing(
        contracts=[contract("K1"), contract("K2")], projects=[project("K1"), project("K2")]
    )
    crm = FakeListing(
        contracts=[contract("K1"), contract("K2")],
        payments=[PaymentRecord("P1", PAID.received_on, PAID.invoice, PAID.amount, "EUR")],
    )

    report = reconcile(state, erp, crm, sink)

    assert report.discrepancies == ()
    assert report.not_compared == {
        "contracts_clm_billing": "no billing connector offers a ContractListing",
        "payments_erp_billing": "no billing connector offers a PaymentListing",
    }
    assert report.to_dict()["not_compared"] == dict(sorted(report.not_compared.items()))
    assert report.skipped == {}
    assert not set(report.not_compared) & set(report.compared)
    # what it cannot compare, it neither raises nor closes
    assert sink.records["payments_erp_billing:P1"].status.value == "open"


def test_the_sdk_names_the_listing_ports_the_application_declares() -> None:
    assert sdk.LISTING_PORTS == gateways.LISTING_PORTS
    assert all(hasattr(gateways, port) for port in sdk.LISTING_PORTS)
