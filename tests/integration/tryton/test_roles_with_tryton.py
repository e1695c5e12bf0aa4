"""The scaled-out hub on Tryton: `accord up --role api|worker|scheduler --config` on one
PostgreSQL database, the ERP a real trytond, the other systems a sandbox the test serves.

The month's invoice run is requested as soon as billing holds the time, while the worker
may still be activating the contracts: a document is posted only once its contract is
active (its customer is in Tryton), never refused for a customer Tryton does not hold yet
(`domain/billing/posting_order.py`; the rule itself is proven deterministically by
`tests/unit/billing/test_posting_order.py`). The worker is SIGKILLed while it posts and
restarted; Tryton holds one invoice per document. A payment an accountant registers in
Tryton marks the invoice paid in Accord and in the CRM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.firm import generate_firm
from accord.connectors.sandbox.generic_systems import populate_landscape
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.tryton import TrytonErpConnector, TrytonSettings
from accord.connectors.tryton import testing as tryton_testing
from accord.connectors.tryton.testing import RunningTryton
from tests.integration.scaleout.cluster import WAIT, Cluster, approve_january_time, wait_until
from tests.integration.tryton.conftest import cannot_start
from tests.integration.tryton.tryton_helpers import register_payment

pytestmark = [
    pytest.mark.tryton,
    pytest.mark.postgres,
    pytest.mark.nats,
    pytest.mark.slow,
    pytest.mark.timeout(900),  # three processes and a trytond start; each waits at most WAIT
]

CONTRACTS = 3
"""K001..K003 of the generated firm. K003 is DE01's, in EUR, the only currency the test's
Tryton keeps (time and materials; its retainer is left out, whose prepayment would be
dated in 2025, before Tryton's first period); K001's US01 invoice is refused
(`posting_rejected`), K002 is a fixed fee with no milestone accepted."""
CUSTOMERS = 3
DAYS = 2
"""Approved days per contract in January."""


@pytest.fixture
def own_tryton(tmp_path: Path) -> Iterator[RunningTryton]:
    """A Tryton of this hub's alone (a copy of the cached database, started in seconds):
    its document numbers are those of every other hub test's."""
    try:
        with tryton_testing.running_tryton(tmp_path / "tryton") as server:
            yield server
    except tryton_testing.TrytonStartError as error:
        cannot_start(f"Tryton could not be started: {error}")


@pytest.fixture
def landscape(tmp_path: Path) -> Iterator[Landscape]:
    """The sandbox on a frozen clock in late January: the firm and its approved time."""
    clock = SandboxClock(start=dt.datetime(2026, 1, 20, tzinfo=dt.UTC))
    with Landscape(tmp_path / "sandbox", clock=clock) as running:
        firm = generate_firm(seed=7, consultants=6, customers=CUSTOMERS, contracts=CONTRACTS)
        for contract in firm.contracts:
            contract["terms"] = [t for t in contract["terms"] if t["type"] != "retainer"]
        populate_landscape(running.url, firm)
        approve_january_time(running.url, firm, DAYS)
        yield running


@pytest.fixture
def cluster(
    tmp_path: Path,
    postgres_url: str,
    nats_url: str,
    landscape: Landscape,
    own_tryton: RunningTryton,
) -> Iterator[Cluster]:
    """The roles' environment: the store, NATS, the sandbox and a landscape file whose
    ERP is the Tryton (its password from the environment)."""
    config = tmp_path / "landscape.yaml"
    config.write_text(
        f"version: 1\nsandbox: {{vendors: false}}\nsystems:\n  erp:\n    connector: tryton\n"
        f"    base_url: {own_tryton.url}\n    timeout_seconds: 60\n"
        f"    settings: {{database: {own_tryton.database}, login: {own_tryton.login}, "
        "password: {env: TEST_TRYTON_PASSWORD}}\n"
    )
    env = {"ACCORD_CONFIG": str(config), "TEST_TRYTON_PASSWORD": own_tryton.password}
    running = Cluster(tmp_path, postgres_url, nats_url, landscape, env)
    yield running
    running.stop()


def _erp(server: RunningTryton) -> TrytonErpConnector:
    return TrytonErpConnector(
        TrytonSettings(server.url, server.database, server.login, server.password)
    )


def _invoices(erp: TrytonErpConnector, *states: str) -> list[dict[str, Any]]:
    """The customer invoices Tryton holds (in `states`, else in any state)."""
    fields = ["reference", "state", "total_amount", "invoice_date", "party.code"]
    domain: list[Any] = [("type", "=", "out")]
    domain += [("state", "in", list(states))] if states else []
    rows: list[dict[str, Any]] = erp.rpc.model(
        "account.invoice", "search_read", domain, 0, None, None, fields
    )
    return rows


def _open_exceptions(cluster: Cluster, kind: str) -> list[str]:
    rows = cluster.rows(
        "SELECT subject FROM exceptions WHERE kind = :kind AND status = 'open'", kind=kind
    )
    return [subject for (subject,) in rows]


def _pending_postings(cluster: Cluster) -> int:
    return int(
        cluster.scalar(
            "SELECT count(*) FROM dbos.workflow_status "
            "WHERE status IN ('PENDING', 'ENQUEUED') AND workflow_uuid LIKE 'post:%'"
        )
    )


def _settled(cluster: Cluster) -> dict[str, str]:
    """The hub's documents once each is posted or refused by Tryton (a foreign currency;
    its flow then waits for a person); else nothing yet."""
    documents = cluster.documents()
    refused = set(_open_exceptions(cluster, "posting_rejected"))
    waiting = {n for n, status in documents.items() if status == "issued"} - refused
    posted = [n for n, status in documents.items() if status == "posted"]
    return documents if posted and not waiting else {}


def _start_worker(cluster: Cluster) -> None:
    cluster.start("worker", "worker")


def test_roles_on_tryton_post_each_document_once_after_its_customer(
    cluster: Cluster, landscape: Landscape, own_tryton: RunningTryton
) -> None:
    cluster.start("scheduler", "scheduler")
    _start_worker(cluster)
    api = cluster.start_api()
    token = cluster.api_key()
    erp = _erp(own_tryton)
    try:
        entries = CONTRACTS * DAYS
        wait_until(lambda: cluster.entries_in_billing() == entries, WAIT, "time in billing")
        customers = "SELECT count(*) FROM business_objects WHERE kind = 'customer'"
        wait_until(lambda: cluster.scalar(customers) == CUSTOMERS, WAIT, "the customers applied")
        started = httpx.post(
            f"{api}/api/v1/invoice-runs",
            json={"through": "2026-01-31"},
            headers={"Authorization": f"Bearer {token}", "Origin": "http://testserver"},
            timeout=30,
        )
        assert started.status_code == 202, started.text
        wait_until(lambda: _invoices(erp), WAIT, "a first invoice in Tryton", every=0.05)
        if _pending_postings(cluster):
            cluster.kill("worker")  # SIGKILL while it posts
            _start_worker(cluster)
        documents = wait_until(lambda: _settled(cluster), WAIT, "every document settled")

        invoices = _invoices(erp, "posted")
        references = sorted(invoice["reference"] for invoice in invoices)
        posted = sorted(n for n, status in documents.items() if status == "posted")
        exceptions = cluster.rows("SELECT kind, subject, message FROM exceptions")
        assert references == posted == ["INV-DE01-000001"], (documents, exceptions)
        refused = _reasons(cluster, "posting_rejected")
        assert refused and all("currency" in reason for reason in refused), refused
        assert _reasons(cluster, "unknown_reference") == []

        paid = invoices[0]
        register_payment(erp.rpc, paid["id"], paid["total_amount"], paid["invoice_date"])
    finally:
        erp.close()
    number = paid["reference"]
    wait_until(lambda: cluster.documents().get(number) == "paid", WAIT, f"{number} paid")
    crm = wait_until(lambda: _paid_in_crm(landscape, number), WAIT, f"{number} paid in the CRM")
    assert [Decimal(payment["Amount__c"]) for payment in crm] == [paid["total_amount"]]


def _reasons(cluster: Cluster, kind: str) -> list[str]:
    """The messages of the open exceptions of `kind`."""
    rows = cluster.rows(
        "SELECT message FROM exceptions WHERE kind = :kind AND status = 'open'", kind=kind
    )
    return [str(message) for (message,) in rows]


def _paid_in_crm(landscape: Landscape, number: str) -> list[dict[str, Any]]:
    """The CRM's payments of the invoice, once the CRM shows it paid."""
    url = f"{landscape.url}/crm/sobjects"
    invoices = httpx.get(f"{url}/Invoice__c", params={"limit": 2000}, timeout=30).json()
    statuses = {row["ExtId__c"]: row.get("Status__c") for row in invoices["items"]}
    if statuses.get(number) != "paid":
        return []
    payments = httpx.get(f"{url}/Payment__c", params={"limit": 2000}, timeout=30).json()
    return [row for row in payments["items"] if row.get("Invoice_Number__c") == number]
