"""`accord up --config` with Tryton as the ERP and the sandbox's generic systems for the
other systems: signed contracts put the customer and the project into Tryton; approved
time becomes invoices posted there once, though the hub is SIGKILLed while it posts them and
restarted; a payment an accountant registers in Tryton marks the invoice paid in Accord
and in the CRM; and `accord journals post` books January's journals of DE01 as posted
account moves. Everything is read back from Tryton, the hub's API and the CRM."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.connectors.tryton import TrytonErpConnector, TrytonSettings
from accord.connectors.tryton import testing as tryton_testing
from accord.connectors.tryton.testing import RunningTryton
from tests.forked_cli import run_accord
from tests.integration.tryton.conftest import cannot_start
from tests.integration.tryton.tryton_helpers import register_payment
from tests.integration.tryton.up_hub import UpProcess

pytestmark = pytest.mark.tryton

CONTRACTS = 3


def _landscape(folder: Path, server: RunningTryton) -> Path:
    path = folder / "landscape.yaml"
    path.write_text(
        f"version: 1\nsandbox: {{contracts: {CONTRACTS}, vendors: false}}\nsystems:\n  erp:\n"
        f"    connector: tryton\n    base_url: {server.url}\n"
        f"    settings: {{database: {server.database}, login: {server.login}, "
        "password: {env: TEST_TRYTON_PASSWORD}}\n"
    )
    return path


TRYTON_CHART = (
    "revenue=4.2.2,billings=4.3.3,contract_asset=1.4.2,unbilled_receivable=1.4.2,"
    "contract_liability=2.2.2,intercompany_receivable=1.1.4,intercompany_payable=2.3.4,"
    "intercompany_revenue=6.1.1,intercompany_cost=5.1.3"
)
"""The journal account roles on the test database's standard Tryton chart."""


def _env(tryton_server: RunningTryton, tmp_path: Path) -> dict[str, str]:
    env = os.environ | {
        "ACCORD_HOME": str(tmp_path / "home"),
        "TEST_TRYTON_PASSWORD": tryton_server.password,
        "ACCORD_LEDGER_ACCOUNTS": TRYTON_CHART,
    }
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL", "ACCORD_CONFIG"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def own_tryton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTryton]:
    """A Tryton of its own, so this hub's invoices are the only ones in it: after the
    other tests' postings into the session's Tryton, this hub's invoices stayed in draft."""
    try:
        with tryton_testing.running_tryton(tmp_path_factory.mktemp("tryton-up")) as server:
            yield server
    except tryton_testing.TrytonStartError as error:
        cannot_start(f"Tryton could not be started: {error}")


@pytest.fixture(scope="module")
def hub(own_tryton: RunningTryton, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    """One hub on Tryton, SIGKILLed while it posts its month-end invoices and restarted
    on the same home: every test reads what this hub did."""
    folder = tmp_path_factory.mktemp("up")
    command = [sys.executable, "-m", "accord.cli", "up", "--config"]
    command += [str(_landscape(folder, own_tryton)), "--start", "2026-01-26"]
    running = UpProcess([*command, "--speed", "86400", "--allow-lost-changes"],
                        _env(own_tryton, folder), folder)  # fmt: skip
    try:
        running.start()
        running.eventually(lambda: _posting(running), "a document issued, not yet posted", 0.05)
        running.kill()
        running.start()
        running.eventually(lambda: _all_posted(running), "every document posted after restart")
        yield running
    finally:
        running.stop()


def _documents(hub: UpProcess) -> dict[str, int]:
    """The hub's documents by status, and as `refused` those whose posting the ERP
    refused (open `posting_rejected` exceptions: the test's Tryton knows EUR only, and
    no period before 2026); nothing while the hub does not answer."""
    try:
        billing = hub.get("/kpis").get("billing", {})
        queue = hub.get("/exceptions?kind=posting_rejected&status=open&limit=200")["items"]
    except httpx.HTTPError:
        return {}
    return dict(billing.get("documents_by_status", {})) | {"refused": len(queue)}


def _posting(hub: UpProcess) -> bool:
    """At least one document issued whose posting is under way (not refused)."""
    documents = _documents(hub)
    return documents.get("issued", 0) > documents.get("refused", 0)


def _all_posted(hub: UpProcess) -> dict[str, int]:
    """The documents once there are some and none is waiting for its posting but those
    the ERP refused."""
    documents = _documents(hub)
    settled = documents.get("issued") == documents.get("refused")
    return documents if documents.get("posted") and settled else {}


def _erp(server: RunningTryton) -> TrytonErpConnector:
    return TrytonErpConnector(
        TrytonSettings(server.url, server.database, server.login, server.password)
    )


def _all(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows once there is one per contract, else nothing yet."""
    return rows if len(rows) == CONTRACTS else []


def _post_journals(server: RunningTryton, folder: Path) -> subprocess.CompletedProcess[str]:
    """`accord journals post 2026-01 --entity DE01` on the running hub's store and ERP."""
    args = ["journals", "post", "2026-01", "--entity", "DE01"]
    config = ["--config", str(folder / "landscape.yaml")]
    return run_accord([*args, *config], _env(server, folder) | {"COLUMNS": "250"})


def _read(erp: TrytonErpConnector, model: str, domain: list[Any], fields: list[str]) -> Any:
    return erp.rpc.model(model, "search_read", domain, 0, None, None, fields)


def _posted_invoices(erp: TrytonErpConnector, *states: str) -> list[dict[str, Any]]:
    """The customer invoices Tryton holds in `states` (default: posted or paid)."""
    domain = [("type", "=", "out"), ("state", "in", list(states or ("posted", "paid")))]
    fields = ["reference", "total_amount", "invoice_date", "party"]
    return list(_read(erp, "account.invoice", domain, fields))


def _charged(invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The invoices that charge something: a retainer drawn down in full is posted at
    0.00 first, and on a loaded machine the invoices for time may still be on their way."""
    return [invoice for invoice in invoices if invoice["total_amount"] > 0]


def test_a_hub_killed_while_posting_leaves_one_posted_invoice_per_document(
    own_tryton: RunningTryton, hub: UpProcess
) -> None:
    documents = _all_posted(hub)
    erp = _erp(own_tryton)
    try:
        invoices = _posted_invoices(erp)
    finally:
        erp.close()
    references = [invoice["reference"] for invoice in invoices]
    assert len(references) == len(set(references)), "a document was posted twice"
    posted = sum(documents[status] for status in ("posted", "partially_paid", "paid", "credited"))
    assert len(references) == posted, (references, documents)


def test_contracts_and_approved_time_reach_tryton_once(
    own_tryton: RunningTryton, hub: UpProcess
) -> None:
    erp = _erp(own_tryton)
    try:
        customers = [f"C{n:02d}" for n in range(1, CONTRACTS + 1)]
        parties = hub.eventually(
            lambda: _all(_read(erp, "party.party", [("code", "in", customers)], ["addresses"])),
            "the contracts' customers in Tryton",
        )
        ours = [party["id"] for party in parties]
        works = hub.eventually(
            lambda: _all(_read(erp, "project.work", [("party", "in", ours)], ["number", "type"])),
            "the contracts' projects in Tryton",
        )
        hub.eventually(lambda: _charged(_posted_invoices(erp)), "an invoice charging time posted")
        invoices = _posted_invoices(erp)
        journals = _post_journals(own_tryton, hub.folder)
        moves = _read(erp, "account.move", [("description", "like", "DE01/2026-01/%")], ["state"])
    finally:
        erp.close()

    assert journals.returncode in (0, 1), journals.stdout + journals.stderr  # 1: one refused
    assert "DE01/2026-01/revenue/" in journals.stdout
    assert moves and {move["state"] for move in moves} == {"posted"}
    assert all(len(party["addresses"]) == 1 for party in parties)
    assert sorted(work["number"] for work in works) == ["K001", "K002", "K003"]
    assert {work["type"] for work in works} == {"project"}
    assert invoices and {invoice["party"] for invoice in invoices} <= set(ours)
    # A retainer's monthly invoice drawn down in full is posted at 0.00 (paid at once).
    assert all(invoice["total_amount"] >= 0 for invoice in invoices)
    assert any(invoice["total_amount"] > 0 for invoice in invoices)


def test_a_payment_entered_in_tryton_marks_the_invoice_paid_in_accord_and_the_crm(
    own_tryton: RunningTryton, hub: UpProcess
) -> None:
    erp = _erp(own_tryton)
    try:
        unpaid = hub.eventually(
            lambda: _charged(_posted_invoices(erp, "posted")), "an invoice charging time posted"
        )
        invoice = unpaid[0]
        register_payment(erp.rpc, invoice["id"], invoice["total_amount"], invoice["invoice_date"])
    finally:
        erp.close()
    number = invoice["reference"]

    paid = hub.eventually(lambda: _paid_in_accord(hub, number), f"{number} paid in Accord")
    crm = hub.eventually(lambda: _paid_in_crm(hub, number), f"{number} paid in the CRM")

    assert paid["paid"] == paid["gross_total"]
    assert [Decimal(payment["Amount__c"]) for payment in crm] == [invoice["total_amount"]]


def _paid_in_accord(hub: UpProcess, number: str) -> dict[str, Any] | None:
    document: dict[str, Any] = hub.get(f"/lineage/{number}")
    return document if document["status"] == "paid" else None


def _paid_in_crm(hub: UpProcess, number: str) -> list[dict[str, Any]]:
    """The CRM's payments of the invoice, once the CRM shows it paid."""
    statuses = {row["ExtId__c"]: row.get("Status__c") for row in hub.crm("Invoice__c")}
    if statuses.get(number) != "paid":
        return []
    return [row for row in hub.crm("Payment__c") if row.get("Invoice_Number__c") == number]
