"""Reconciliation across the vendor connectors: Salesforce as the CRM and the CLM, Kantata
OX as the PSA and NetSuite as the ERP, each against its simulator in-process, read
through the listing ports the composition root picks from the connectors. A contract
signed in Salesforce that Kantata lacks is found; a system that cannot be listed is
reported skipped after fewer attempts than a write, and the others are still compared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from accord.application.reconciliation import ReconciliationService
from accord.bootstrap import reconciliation_sources
from accord.canonical.v1 import Project
from accord.connectors import kantata, netsuite, salesforce
from accord.connectors.sdk import LISTING_ATTEMPTS, Connector
from accord.connectors.sdk.testing import FakeSleep
from accord.domain.billing.state import new_state
from accord.domain.contracts.model import Entity, Firm
from accord.domain.reconciliation import DiscrepancyKind
from accord.simulators import kantata as kantata_sim
from accord.simulators import netsuite as netsuite_sim
from accord.simulators import salesforce as salesforce_sim
from tests.connectors.kantata.conftest import workspace
from tests.connectors.salesforce.test_salesforce_contract import contract_fields
from tests.connectors.simulated import served
from tests.unit.reconciliation.fake_listings import FakeConnector

K = DiscrepancyKind
TODAY = dt.date(2026, 2, 2)


class NoBilling:
    """The billing system beside the vendors (no vendor plays it): it has billed nothing."""

    def list_documents(self) -> list[Any]:
        return []


class Vendors:
    """The three simulators, and the four vendor connectors talking to them."""

    def __init__(self, stack: ExitStack, fake_sleep: FakeSleep) -> None:
        self.salesforce = salesforce_sim.Simulator()
        self.kantata = kantata_sim.Simulator()
        self.netsuite = netsuite_sim.Simulator()
        hooks = {"sleep": fake_sleep, "clock": fake_sleep.clock}

        def settings(sim: Any, app: Any, url: str, **credentials: Any) -> dict[str, Any]:
            transport = stack.enter_context(served(app(sim), url))
            return {"base_url": url, "transport": transport, **hooks, **credentials}

        sf = settings(
            self.salesforce,
            salesforce_sim.create_app,
            "https://acme.my.salesforce.test",
            client_id=self.salesforce.client_id,
            client_secret=self.salesforce.client_secret,
            batch_size=2,
        )
        tba = self.netsuite.tba
        self.vendor_connectors: dict[str, Any] = {
            "salesforce": salesforce.connector_factory(sf),
            "salesforce-clm": salesforce.clm_connector_factory(sf),
            "kantata": kantata.connector_factory(
                settings(self.kantata, kantata_sim.create_app, "https://kantata.test",
                         access_token="initial-token")
            ),
            "netsuite": netsuite.connector_factory(
                settings(self.netsuite, netsuite_sim.create_app, "https://1234567.netsuite.test",
                         account_id=tba.realm, consumer_key=tba.consumer_key,
                         consumer_secret=tba.consumer_secret, token_id=tba.token_id,
                         token_secret=tba.token_secret)
            ),
        }  # fmt: skip
        billing = FakeConnector("billing", "billing", {"BillingGateway": NoBilling()})
        self.connectors: dict[str, Connector] = {**self.vendor_connectors, "billing": billing}

    def sign(self, contract: str) -> None:
        """A contract signed in Salesforce, set up in NetSuite as project `P-<contract>`."""
        self.salesforce.org.upsert("Contract", "Accord_Id__c", contract, contract_fields())
        erp = self.connectors["netsuite"]
        assert isinstance(erp, netsuite.NetSuiteErpConnector)
        project = Project(
            id=f"P-{contract}", name=contract, customer="C1", entity="DE01", contract=contract
        )
        erp.upsert_project(project)

    def reconcile(self) -> Any:
        firm = new_state(Firm((Entity("DE01", "Firm", "DE", "EUR"),), (), ()), [], [], [])
        service = ReconciliationService(
            reconciliation_sources(self.connectors),
            lambda: firm,
            None,
            lambda: dt.datetime(2026, 2, 2, tzinfo=dt.UTC),
        )
        return service.run(TODAY)


@pytest.fixture
def vendors(fake_sleep: FakeSleep) -> Iterator[Vendors]:
    with ExitStack() as stack:
        landscape = Vendors(stack, fake_sleep)
        yield landscape
        for connector in landscape.vendor_connectors.values():
            connector.close()


def _found(report: Any) -> dict[tuple[str, str], DiscrepancyKind]:
    listed = ("contracts_", "projects_")
    return {
        (d.comparison, d.key): d.kind
        for d in report.discrepancies
        if d.comparison.startswith(listed)
    }


def test_a_contract_signed_in_salesforce_that_kantata_lacks_is_a_discrepancy(
    vendors: Vendors,
) -> None:
    for contract in ("K1", "K2", "K3"):
        vendors.sign(contract)
    workspace(vendors.kantata, "P-K1", "K1")
    workspace(vendors.kantata, "P-K3", "K3")

    report = vendors.reconcile()

    assert _found(report) == {
        ("contracts_clm_psa", "K2"): K.MISSING_IN_PSA,
        ("projects_psa_erp", "P-K2"): K.MISSING_IN_PSA,
    }
    assert {"contracts_clm_crm", "contracts_clm_psa", "contracts_clm_erp"} <= set(report.compared)
    assert "projects_psa_erp" in report.compared
    assert report.skipped == {}


def test_a_vendor_that_cannot_be_listed_is_skipped_after_fewer_attempts_than_a_write(
    vendors: Vendors,
) -> None:
    vendors.sign("K1")
    vendors.kantata.faults.outage = True

    report = vendors.reconcile()

    assert set(report.skipped) == {"psa"}
    assert "UnavailableError" in report.skipped["psa"]
    listing_calls = [line for line in vendors.kantata.log if "/workspaces" in line]
    assert len(listing_calls) == LISTING_ATTEMPTS
    assert "contracts_clm_psa" not in report.compared
    assert {"contracts_clm_crm", "contracts_clm_erp"} <= set(report.compared)
    assert _found(report) == {}
