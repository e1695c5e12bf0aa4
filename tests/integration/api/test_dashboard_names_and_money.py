"""The dashboard names customers beside their ids and writes money with thousands
separators and its currency, on the invoice list and an invoice's lineage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from accord.application.billing import BillingBook, BillingService
from accord.application.reports import HubReports
from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld
from tests.unit.kpis.fakes import (
    FakeAppliedRecords,
    FakeBillingStore,
    FakeExceptionHistory,
    FakeReconciliation,
)
from tests.unit.reconciliation.test_reconciliation_service import billed_state


def test_invoices_show_the_customer_name_and_formatted_money(world: ApiWorld) -> None:
    billing = BillingService(FakeBillingStore(BillingBook(billed_state())), FakeAppliedRecords())
    clock = lambda: datetime(2026, 3, 31, tzinfo=UTC)  # noqa: E731
    reports = HubReports(billing, FakeReconciliation(), clock, FakeExceptionHistory())  # type: ignore[arg-type]
    world.serve(replace(world.ports, reports=reports))
    world.client.post(
        "/login",
        data={"token": world.tokens[Role.VIEWER]},
        headers={"Origin": "http://testserver"},
    )
    listed = world.client.get("/invoices").text
    assert 'Customer <span class="id">(C1)</span>' in listed, listed
    assert "2,000.00 EUR" in listed and "2,380.00 EUR" in listed, listed
    lineage = world.client.get("/invoices/INV-DE01-000001").text
    assert "customer Customer (C1)" in lineage, lineage
    assert "gross 2,380.00 EUR" in lineage, lineage
