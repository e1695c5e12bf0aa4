"""A vendor simulator run with `--state-dir` keeps its records through a SIGKILL: what a
connector wrote before the kill, it reads back from the restarted simulator through the
vendor's own API, and writing it again creates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.canonical.v1 import Customer
from accord.connectors.kantata import connector_factory as kantata_connector
from accord.connectors.netsuite import connector_factory as netsuite_connector
from accord.connectors.salesforce import connector_factory as salesforce_connector
from accord.simulators.kantata import Simulator as KantataSimulator
from accord.simulators.netsuite.app import TokenCredentials
from accord.simulators.salesforce import Simulator as SalesforceSimulator
from tests.connectors.kantata.test_kantata_contract import CONTRACT, PROJECT
from tests.connectors.netsuite.test_netsuite_contract import invoice
from tests.e2e.vendor_simulators import VendorSimulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SALESFORCE = SalesforceSimulator()
NETSUITE = TokenCredentials()
KANTATA = KantataSimulator()
"""The simulators' default credentials (what `python -m accord.simulators.<vendor>` serves)."""


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[list[VendorSimulator]]:
    """The simulators a test starts, each with a state directory; stopped at its end."""
    started: list[VendorSimulator] = []
    yield started
    for simulator in started:
        simulator.stop()


def _started(vendor: str, folder: Path, started: list[VendorSimulator]) -> VendorSimulator:
    simulator = VendorSimulator(vendor, folder, state_dir=folder / "state")
    started.append(simulator)
    simulator.wait_until_it_answers()
    return simulator


def _killed_and_restarted(simulator: VendorSimulator) -> None:
    simulator.kill()
    simulator.start()
    simulator.wait_until_it_answers()


def test_salesforce_accounts_survive_a_kill(
    tmp_path: Path, restartable: list[VendorSimulator]
) -> None:
    simulator = _started("salesforce", tmp_path, restartable)
    settings = {"client_id": SALESFORCE.client_id, "client_secret": SALESFORCE.client_secret}
    crm = salesforce_connector({"base_url": simulator.url, **settings})
    customers = [Customer(id=f"C{n}", name=f"Customer {n}", country="DE") for n in (1, 2)]
    assert [crm.upsert_account(customer) for customer in customers] == [True, True]
    crm.close()

    _killed_and_restarted(simulator)

    crm = salesforce_connector({"base_url": simulator.url, **settings})
    try:
        read = crm.accounts.read(None, 10).records
        assert [(c.id, c.name) for c in read] == [(c.id, c.name) for c in customers]
        assert crm.upsert_account(customers[0]) is False, "found again by external id"
    finally:
        crm.close()


def test_netsuite_invoices_and_idempotency_keys_survive_a_kill(
    tmp_path: Path, restartable: list[VendorSimulator]
) -> None:
    simulator = _started("netsuite", tmp_path, restartable)
    settings = {
        "account_id": NETSUITE.realm, "consumer_key": NETSUITE.consumer_key,
        "consumer_secret": NETSUITE.consumer_secret, "token_id": NETSUITE.token_id,
        "token_secret": NETSUITE.token_secret, "async_writes": True,
    }  # fmt: skip
    erp = netsuite_connector({"base_url": simulator.url, **settings})
    posted = erp.post_invoice(invoice(), "post-1")
    erp.close()

    _killed_and_restarted(simulator)

    erp = netsuite_connector({"base_url": simulator.url, **settings})
    try:
        found = erp.get_invoice(posted.number)
        assert found is not None and found.totals == posted.totals
        assert erp.post_invoice(invoice(), "post-1").external_id == posted.external_id
        assert [document.number for document in erp.list_documents()] == [posted.number]
    finally:
        erp.close()


def test_kantata_projects_survive_a_kill(
    tmp_path: Path, restartable: list[VendorSimulator]
) -> None:
    simulator = _started("kantata", tmp_path, restartable)
    settings = {
        "access_token": "initial-token", "client_id": KANTATA.client_id,
        "client_secret": KANTATA.client_secret, "refresh_token": KANTATA.refresh_token,
    }  # fmt: skip
    psa = kantata_connector({"base_url": simulator.url, **settings})
    workspace = psa.provision_project(PROJECT, CONTRACT)
    psa.close()

    _killed_and_restarted(simulator)

    psa = kantata_connector({"base_url": simulator.url, **settings})
    try:
        assert psa.provision_project(PROJECT, CONTRACT) == workspace, "found by its reference"
        assert [project.key for project in psa.listings.project_records()] == [PROJECT.id]
    finally:
        psa.close()
