"""Reconciliation with Tryton as the ERP reads its projects and payments from a live
trytond, through the ports the Tryton connector offers (picked by the composition root).

The other systems are fakes that list a chosen PSA project set and no payment mirrors.
The session's Tryton is shared with other tests, so only this test's keys are asserted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest

from accord.application.reconciliation import ReconciliationService
from accord.bootstrap import reconciliation_sources
from accord.canonical import v1
from accord.connectors.sdk import idempotency_key
from accord.connectors.tryton import TrytonErpConnector
from accord.domain.billing.state import new_state
from accord.domain.contracts.model import Entity, Firm
from accord.domain.reconciliation import DiscrepancyKind, ProjectRecord
from tests.integration.tryton.tryton_helpers import (
    customer,
    document,
    line,
    project,
    register_payment,
    unique,
)
from tests.unit.reconciliation.fake_listings import FakeConnector, FakeListing

pytestmark = pytest.mark.tryton
K = DiscrepancyKind
TODAY = dt.date.today()


class FakeSystems:
    """The PSA, billing and CLM around Tryton: what each holds is set by the test."""

    def __init__(self, signed: list[str], customer_id: str) -> None:
        self.signed = signed
        self.customer_id = customer_id

    def signed_contracts(self, since: dt.date | None) -> Sequence[v1.Contract]:
        return [
            v1.Contract(
                id=key, customer=self.customer_id, entity="DE01", currency="EUR", start=TODAY
            )
            for key in self.signed
        ]

    def approved_time(self, since: dt.datetime | None) -> Sequence[v1.TimeEntry]:
        return []

    def list_documents(self) -> Sequence[v1.Invoice]:
        return []


def test_reconciliation_reads_projects_and_payments_from_tryton(
    connector: TrytonErpConnector,
) -> None:
    customer_id, number = unique("C"), unique("INV-DE01")
    agreed, only_in_tryton, other_customer, unset = (unique("K") for _ in range(4))
    connector.upsert_customer(customer(customer_id))
    for key in (agreed, only_in_tryton, other_customer):
        connector.upsert_project(project(key, customer_id))
    invoice = document(number, customer_id, [line("consultant", "4", "125.00")])
    posted = connector.post_invoice(invoice, idempotency_key("erp", "post-invoice", number))
    register_payment(connector.rpc, int(posted.external_id), Decimal("200.00"), TODAY)

    systems = FakeSystems([agreed, unset], customer_id)
    psa = FakeListing(
        projects=[
            ProjectRecord(agreed, None, agreed, customer_id),
            ProjectRecord(other_customer, None, other_customer, "C-ELSEWHERE"),
        ]
    )
    billing = FakeListing()  # mirrors no payment
    connectors = {
        "tryton": connector,
        "psa": FakeConnector("psa", "psa", {"PsaGateway": systems, "ProjectListing": psa}),
        "billing": FakeConnector(
            "billing", "billing", {"BillingGateway": systems, "PaymentListing": billing}
        ),
        "clm": FakeConnector("clm", "clm", {"ClmGateway": systems}),
    }
    firm = new_state(Firm((Entity("DE01", "Firm", "DE", "EUR"),), (), ()), [], [], [])
    service = ReconciliationService(
        reconciliation_sources(connectors), lambda: firm, None, lambda: dt.datetime.now(dt.UTC)
    )

    report = service.run(TODAY)

    (payment,) = [p.id for p in connector.list_payments(None) if p.invoice == number]
    ours = {agreed, only_in_tryton, other_customer, unset, number, payment}
    found = {
        (d.comparison, d.key): (d.kind, d.amount_at_risk)
        for d in report.discrepancies
        if d.key in ours
    }
    assert found == {
        ("projects_psa_erp", only_in_tryton): (K.MISSING_IN_PSA, None),
        ("projects_psa_erp", other_customer): (K.CUSTOMER_MISMATCH, None),
        ("contracts_clm_erp", unset): (K.MISSING_IN_ERP, None),
        ("payments_erp_billing", payment): (K.PAYMENT_NOT_MIRRORED, Decimal("200.00")),
        ("documents_hub_erp", number): (K.UNKNOWN_DOCUMENT, Decimal("595.00")),
    }
    assert report.skipped == {}
    assert report.not_compared == {
        "contracts_clm_billing": "no billing connector offers a ContractListing",
        "contracts_clm_psa": "no psa connector offers a ContractListing",
        "contracts_clm_crm": "no crm connector offers a ContractListing",
        "payments_erp_crm": "no crm connector offers a PaymentListing",
    }
