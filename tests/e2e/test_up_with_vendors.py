"""`accord up --config` with Salesforce as the CRM and the CLM and NetSuite as the ERP,
each a simulator in a process of its own (the sandbox's generic systems play PSA, HR
and billing): contracts signed in Salesforce become invoices posted in NetSuite once,
though the hub is SIGKILLed while it posts them and restarted; a payment recorded in
NetSuite marks the invoice paid in Accord and in Salesforce. Every outcome is read back
from the simulators through the vendors' own APIs (SOQL, SuiteQL) and from the hub's
API."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.connectors.netsuite import NetSuiteErpConnector
from accord.connectors.salesforce import SalesforceCrmConnector
from accord.connectors.salesforce.streams import query_all
from accord.connectors.salesforce.writes import Upsert, upsert_one
from accord.connectors.sandbox.firm import generate_firm
from accord.simulators.netsuite.app import TokenCredentials
from accord.simulators.salesforce import Simulator as SalesforceSimulator
from tests.e2e.vendor_simulators import VendorSimulator
from tests.integration.tryton.up_hub import UpProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CONTRACTS = 3
SEED = 42
"""The sandbox generator's seed: its PSA logs time on the contracts of the firm it
generates, and the test signs those contracts in Salesforce."""
SALESFORCE = SalesforceSimulator()
"""The simulator's default connected app (what `python -m accord.simulators.salesforce` serves)."""
NETSUITE = TokenCredentials()
"""The simulator's default integration and access token (token-based authentication)."""
EXTERNAL_ID = "Accord_Id__c"
POSTED = ("posted", "partially_paid", "paid", "credited")
"""A document's statuses once it reached the ERP."""


@dataclass
class Landscape:
    """The hub and the two simulators it talks to."""

    hub: UpProcess
    salesforce: str
    netsuite: str


def _landscape_file(folder: Path, salesforce: str, netsuite: str) -> Path:
    app = f"client_id: {SALESFORCE.client_id}, client_secret: {{env: TEST_SALESFORCE_SECRET}}"
    token = (
        f"account_id: '{NETSUITE.realm}', consumer_key: {NETSUITE.consumer_key}, "
        "consumer_secret: {env: TEST_NETSUITE_CONSUMER_SECRET}, "
        f"token_id: {NETSUITE.token_id}, token_secret: {{env: TEST_NETSUITE_TOKEN_SECRET}}"
    )
    path = folder / "landscape.yaml"
    path.write_text(
        f"version: 1\nsandbox: {{contracts: {CONTRACTS}, vendors: false}}\nsystems:\n"
        f"  crm: {{connector: salesforce, base_url: '{salesforce}', settings: {{{app}}}}}\n"
        f"  clm: {{connector: salesforce-clm, base_url: '{salesforce}', settings: {{{app}}}}}\n"
        f"  erp: {{connector: netsuite, base_url: '{netsuite}', settings: {{{token}}}}}\n"
    )
    return path


def _env(folder: Path) -> dict[str, str]:
    env = os.environ | {
        "ACCORD_HOME": str(folder / "home"),
        "TEST_SALESFORCE_SECRET": SALESFORCE.client_secret,
        "TEST_NETSUITE_CONSUMER_SECRET": NETSUITE.consumer_secret,
        "TEST_NETSUITE_TOKEN_SECRET": NETSUITE.token_secret,
    }
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL", "ACCORD_CONFIG"):
        env.pop(name, None)
    return env


def _salesforce(url: str) -> SalesforceCrmConnector:
    return SalesforceCrmConnector(
        {"base_url": url, "client_id": SALESFORCE.client_id,
         "client_secret": SALESFORCE.client_secret}
    )  # fmt: skip


def _netsuite(url: str) -> NetSuiteErpConnector:
    return NetSuiteErpConnector(
        {"base_url": url, "account_id": NETSUITE.realm, "consumer_key": NETSUITE.consumer_key,
         "consumer_secret": NETSUITE.consumer_secret, "token_id": NETSUITE.token_id,
         "token_secret": NETSUITE.token_secret}
    )  # fmt: skip


def _sign_contracts(url: str) -> None:
    """The sandbox firm's customers as Accounts and its contracts as activated Contracts
    in Salesforce, as the firm's sales people leave them after signature."""
    firm = generate_firm(SEED, contracts=CONTRACTS)
    customers = {customer["id"]: customer for customer in firm.customers}
    crm = _salesforce(url)
    try:
        for contract in firm.contracts:
            customer = customers[contract["customer"]]
            account = {"Name": customer["name"], "BillingCountry": customer["country"]}
            upsert_one(crm.session, Upsert("Account", EXTERNAL_ID, customer["id"], account))
            fields = {
                "Accord_Customer__c": contract["customer"],
                "Accord_Entity__c": contract["entity"],
                "CurrencyIsoCode": contract["currency"],
                "StartDate": contract["start"],
                "EndDate": contract["end"],
                "Status": "Activated",
                "CustomerSignedDate": "2026-01-02",
                "Billing_Terms__c": json.dumps(contract["terms"]),
            }
            upsert_one(crm.session, Upsert("Contract", EXTERNAL_ID, contract["id"], fields))
    finally:
        crm.close()


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Landscape]:
    """Contracts signed in Salesforce, then one hub SIGKILLed while it posts its
    month-end invoices to NetSuite and restarted on the same home: every test reads
    what this hub did."""
    folder = tmp_path_factory.mktemp("up-vendors")
    simulators = [VendorSimulator("salesforce", folder), VendorSimulator("netsuite", folder)]
    salesforce, netsuite = (simulator.url for simulator in simulators)
    command = [sys.executable, "-m", "accord.cli", "up", "--config"]
    command += [str(_landscape_file(folder, salesforce, netsuite)), "--start", "2026-01-26"]
    hub = UpProcess([*command, "--speed", "86400", "--allow-lost-changes"], _env(folder), folder)
    try:
        for simulator in simulators:
            hub.eventually(simulator.answers, f"the simulator at {simulator.url}", 0.2)
        _sign_contracts(salesforce)
        hub.start()
        hub.eventually(lambda: _posting(hub), "a document issued, not yet posted", 0.05)
        hub.kill()
        hub.start()
        hub.eventually(lambda: _all_posted(hub), "every document posted after restart")
        yield Landscape(hub, salesforce, netsuite)
    finally:
        hub.stop()
        for simulator in simulators:
            simulator.stop()


def _documents(hub: UpProcess) -> dict[str, int]:
    """The hub's documents by status; nothing while the hub does not answer."""
    try:
        return dict(hub.get("/kpis").get("billing", {}).get("documents_by_status", {}))
    except httpx.HTTPError:
        return {}


def _posting(hub: UpProcess) -> bool:
    return _documents(hub).get("issued", 0) > 0


def _all_posted(hub: UpProcess) -> dict[str, int]:
    """The documents once there are some and none is waiting for its posting."""
    documents = _documents(hub)
    return documents if documents.get("posted") and not documents.get("issued") else {}


def _invoices(url: str) -> list[dict[str, Any]]:
    """NetSuite's invoices and credit memos, by SuiteQL."""
    erp = _netsuite(url)
    try:
        query = (
            "SELECT id, type, tranid, externalid, total, currency, entity FROM transaction "
            "WHERE type IN ('CustInvc', 'CustCred') ORDER BY id"
        )
        return list(erp.session.suiteql(query))
    finally:
        erp.close()


def _soql(url: str, soql: str) -> list[dict[str, Any]]:
    crm = _salesforce(url)
    try:
        return list(query_all(crm.session, soql))
    finally:
        crm.close()


def test_a_hub_killed_while_posting_leaves_one_netsuite_invoice_per_document(
    landscape: Landscape,
) -> None:
    hub = landscape.hub
    documents = hub.eventually(lambda: _all_posted(hub), "every document posted")
    invoices = _invoices(landscape.netsuite)

    numbers = [invoice["tranid"] for invoice in invoices]
    assert len(numbers) == len(set(numbers)), f"a document was posted twice: {numbers}"
    assert len({invoice["externalid"] for invoice in invoices}) == len(numbers)
    posted = sum(documents.get(s, 0) for s in POSTED)
    assert len(numbers) >= posted, (numbers, documents)  # the sandbox clock runs on
    statuses = {number: hub.get(f"/lineage/{number}")["status"] for number in numbers}
    assert set(statuses.values()) <= {"issued", *POSTED}, statuses


def test_contracts_signed_in_salesforce_are_confirmed_there_and_set_up_in_netsuite(
    landscape: Landscape,
) -> None:
    contracts = landscape.hub.eventually(
        lambda: _confirmed(landscape.salesforce), "the contracts confirmed in Salesforce"
    )
    erp = _netsuite(landscape.netsuite)
    try:
        projects = erp.listings.project_records()
    finally:
        erp.close()

    assert sorted(contract[EXTERNAL_ID] for contract in contracts) == ["K001", "K002", "K003"]
    assert len(_soql(landscape.salesforce, "SELECT Id FROM Contract")) == CONTRACTS
    assert sorted(project.contract or "" for project in projects) == ["K001", "K002", "K003"]


def _confirmed(url: str) -> list[dict[str, Any]]:
    soql = f"SELECT {EXTERNAL_ID}, Accord_Status__c FROM Contract"
    rows = _soql(url, soql)
    confirmed = [row for row in rows if row.get("Accord_Status__c") == "Activated"]
    return confirmed if len(confirmed) == CONTRACTS else []


def test_a_payment_recorded_in_netsuite_marks_the_invoice_paid_in_accord_and_salesforce(
    landscape: Landscape,
) -> None:
    hub = landscape.hub
    invoice = next(
        i for i in _invoices(landscape.netsuite)
        if i["type"] == "CustInvc" and hub.get(f"/lineage/{i['tranid']}")["status"] == "posted"
    )  # fmt: skip
    number, total = invoice["tranid"], Decimal(str(invoice["total"]))
    erp = _netsuite(landscape.netsuite)
    try:
        erp.session.upsert("customerPayment", f"PAY-{number}", {
            "tranId": f"PYMT-{number}",
            "customer": {"externalId": invoice.get("entity")},
            "currency": {"refName": invoice["currency"]},
            "tranDate": "2026-02-10",
            "payment": str(total),
            "custbody_accord_invoice": number,
        })  # fmt: skip
    finally:
        erp.close()

    paid = hub.eventually(lambda: _paid_in_accord(hub, number), f"{number} paid in Accord")
    payments = hub.eventually(
        lambda: _paid_in_salesforce(landscape.salesforce, number), f"{number} paid in Salesforce"
    )

    assert Decimal(str(paid["paid"])) == Decimal(str(paid["gross_total"])) == total
    assert [Decimal(str(payment["Amount__c"])) for payment in payments] == [total]


def _paid_in_accord(hub: UpProcess, number: str) -> dict[str, Any] | None:
    document: dict[str, Any] = hub.get(f"/lineage/{number}")
    return document if document["status"] == "paid" else None


def _paid_in_salesforce(url: str, number: str) -> list[dict[str, Any]]:
    """Salesforce's payments of the invoice, once its Invoice__c says it is paid."""
    status = _soql(url, f"SELECT Status__c FROM Invoice__c WHERE {EXTERNAL_ID} = '{number}'")
    if not status or status[0].get("Status__c") != "paid":
        return []
    soql = f"SELECT Amount__c FROM Payment__c WHERE Invoice_Number__c = '{number}'"
    return _soql(url, soql)
