"""Tryton as the hub's live ERP, through ingest, the worker, billing and the flows.

The tm-correction-de scenario runs on the sandbox CRM, CLM, PSA, HR and billing with
Tryton as the ERP: the signed contract puts the customer (with its address) and the
project into Tryton, the invoice and the credit note are posted there once however often
the posting is retried, and a payment an accountant records in Tryton (its Pay wizard,
over RPC) marks the invoice paid in Accord and reaches the CRM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from accord.bootstrap import (
    build_hub,
    build_services,
    configure_firm,
    flow_registry,
    sandbox_connectors,
)
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.tryton import InMemoryExternalIdMap, TrytonErpConnector, TrytonSettings
from accord.connectors.tryton import testing as tryton_testing
from accord.connectors.tryton.testing import RunningTryton
from accord.domain.billing.documents import DocumentStatus
from accord.domain.exceptions import ExceptionKind
from accord.flows import engine, runtime
from accord.loops.scheduler import Scheduler
from accord.scenarios import format as sf
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import ScenarioRun, ScenarioRunner, midnight
from accord.scenarios.world import SandboxWorld
from accord.settings import Settings
from tests.integration.tryton.conftest import cannot_start
from tests.integration.tryton.tryton_helpers import register_payment
from tests.scenario_files import scenarios_dir

pytestmark = pytest.mark.tryton

SCENARIOS = scenarios_dir()
SCENARIO = Path(SCENARIOS) / "tm-correction-de.yaml"
INVOICE, CREDIT_NOTE = "INV-DE01-000001", "CN-DE01-000001"


@pytest.fixture(scope="module")
def own_tryton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTryton]:
    """A Tryton of its own, so the hub reads only this scenario's payments and documents."""
    try:
        with tryton_testing.running_tryton(tmp_path_factory.mktemp("tryton-c2c")) as server:
            yield server
    except tryton_testing.TrytonStartError as error:
        cannot_start(f"Tryton could not be started: {error}")


class TrytonErpRunner(ScenarioRunner):
    """The scenario runner with Tryton in place of the sandbox ERP; payments are
    recorded in Tryton as an accountant would."""

    def __init__(self, scenario: sf.Scenario, workdir: Path, erp: TrytonErpConnector) -> None:
        super().__init__(scenario, workdir)
        self.erp = erp

    @contextmanager
    def started(self) -> Iterator[ScenarioRun]:
        clock = SandboxClock(start=midnight(self.scenario.events[0].at))
        landscape = Landscape(self.workdir / "sandbox", clock=clock).start()
        hub = build_hub(
            Settings(home=self.workdir, database_url=f"sqlite:///{self.workdir / 'a.sqlite'}"),
            clock=clock.now,
        )
        connectors: dict[str, Any] = sandbox_connectors(landscape, simulated=True)
        del connectors["sandbox-erp"]
        connectors["tryton"] = self.erp
        services = build_services(hub, connectors, clock.now)
        engine.launch(
            f"sqlite:///{self.workdir / 'flows.sqlite'}",
            flow_registry(services.steps),
        )
        scheduler = Scheduler(
            services.inbound, hub.worker, services.billing, services.exceptions, services.flows
        )
        try:
            yield ScenarioRun(
                self.scenario, landscape, hub, services, scheduler, SandboxWorld(landscape)
            )
        finally:
            runtime.shutdown()
            hub.close()
            landscape.stop()

    def apply(self, run: ScenarioRun, index: int, event: Any) -> None:
        if not isinstance(event, sf.PaymentReceived):
            super().apply(run, index, event)
            return
        posted = self.erp.get_invoice(event.invoice)
        assert posted is not None, f"{event.invoice} is not in Tryton"
        register_payment(self.erp.rpc, int(posted.external_id), event.amount, event.at)


def _in_tryton(erp: TrytonErpConnector, model: str, domain: list[Any], fields: list[str]) -> Any:
    return erp.rpc.model(model, "search_read", domain, 0, None, None, fields)


def _crm(landscape: Landscape, sobject: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=landscape.url, timeout=30) as http:
        body = http.get(f"/crm/sobjects/{sobject}", params={"limit": 500}).raise_for_status()
        items: list[dict[str, Any]] = body.json()["items"]
        return items


def test_contract_to_cash_with_tryton_as_the_erp(own_tryton: RunningTryton, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    erp = TrytonErpConnector(
        TrytonSettings(own_tryton.url, own_tryton.database, own_tryton.login, own_tryton.password),
        InMemoryExternalIdMap(),
    )
    runner = TrytonErpRunner(scenario, tmp_path, erp)
    with runner.started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        for index, event in enumerate(scenario.events):
            runner.advance(run, event.at)
            runner.apply(run, index, event)
            runner.settle(run)
        for number in (INVOICE, CREDIT_NOTE):  # a retried posting changes nothing
            assert run.services.flows.posting.post_to_erp(number).done
        invoice = run.services.billing.document(INVOICE)
        mismatches = run.services.exceptions.open_records(kind=ExceptionKind.POSTING_MISMATCH)
        still_open = [
            (r.kind, r.subject, r.message) for r in run.services.exceptions.open_records()
        ]
        reconciled = run.services.reconciliation.run()
        crm_payments = _crm(run.landscape, "Payment__c")
        crm_invoices = {r["ExtId__c"]: r["Status__c"] for r in _crm(run.landscape, "Invoice__c")}

    (party,) = _in_tryton(erp, "party.party", [("code", "=", "C1")], ["name", "addresses"])
    assert party["name"] == "Nordwind AG" and len(party["addresses"]) == 1
    (work,) = _in_tryton(erp, "project.work", [("number", "=", "K1")], ["party", "type"])
    assert (work["party"], work["type"]) == (party["id"], "project")
    documents = _in_tryton(
        erp, "account.invoice", [("type", "=", "out")], ["reference", "state", "total_amount"]
    )
    assert sorted((d["reference"], d["state"], str(d["total_amount"])) for d in documents) == [
        (CREDIT_NOTE, "posted", "-357.00"),
        (INVOICE, "paid", "1785.00"),
    ]
    assert mismatches == []  # the ledger holds the issued figures
    assert still_open == []
    # reconciliation reads Tryton's projects and payments, and they agree with the others
    assert {"projects_psa_erp", "contracts_clm_erp", "payments_erp_crm"} <= set(reconciled.compared)
    assert (reconciled.skipped, reconciled.not_compared) == ({}, {})
    assert [d.subject for d in reconciled.discrepancies] == []

    assert invoice is not None and invoice.status is DocumentStatus.PAID
    assert [
        (p["Invoice_Number__c"], p["Amount__c"], p["Received_On__c"]) for p in crm_payments
    ] == [(INVOICE, "1785.00", "2026-02-05")]
    assert crm_payments[0]["ExtId__c"].startswith("tryton-move-line-")
    assert crm_invoices[INVOICE] == "paid"
    erp.close()
