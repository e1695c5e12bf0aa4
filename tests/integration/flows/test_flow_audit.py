"""Every change a flow makes in another system is in the audit trail, under the flow's
workflow id and the business transaction's trace id, and announced as an event the
AsyncAPI document describes."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml

from accord.application.audit import AuditRecord
from accord.bootstrap import configure_firm
from accord.domain.exceptions import ExceptionAction, ExceptionKind
from accord.observability.tracing import business_trace_id
from accord.scenarios.format import load_scenario
from tests.integration.flows._flow_proc import DurableRunner
from tests.scenario_files import scenario_file

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = scenario_file("tm-correction-de.yaml")
FIRST_INVOICE_RUN = 3
PAYMENT = 4
NUMBER = "INV-DE01-000001"


def _by_action(rows: list[AuditRecord], subject: str) -> dict[str, AuditRecord]:
    return {row.action: row for row in rows if row.subject == subject}


def _published_types(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT DISTINCT type FROM outbox")).scalars())


def test_flows_audit_and_announce_each_change_they_make(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    runner = DurableRunner(
        scenario,
        tmp_path,
        scenario.events[0].at,
        landscape_config={"erp": {"mandatory_dimensions": {"DE01": ["department"]}}},
    )
    with runner._started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        for index, event in enumerate(scenario.events[: FIRST_INVOICE_RUN + 1]):
            runner._advance(run, event.at)
            runner._apply(run, index, event)
            runner._settle(run)
        rejected = run.services.exceptions.find_open(ExceptionKind.POSTING_REJECTED, NUMBER)
        assert rejected is not None
        erp = run.services.connectors["sandbox-erp"]
        erp.configure_dimensions({"DE01": {"department": "CONSULTING"}})  # type: ignore[attr-defined]
        run.services.exception_actions.act(rejected.id, ExceptionAction.REPLAY, "mapped", "fin")
        runner._settle(run)
        payment = scenario.events[PAYMENT]
        runner._advance(run, payment.at)
        runner._apply(run, PAYMENT, payment)
        runner._settle(run)

        rows = run.hub.governance.audit.records()
        published = _published_types(run.hub.engine)
        verified = run.hub.governance.audit.verify()

    activation = _by_action(rows, "K1")
    document = _by_action(rows, NUMBER)
    document_trace = format(business_trace_id("document", NUMBER), "032x")
    contract_trace = format(business_trace_id("contract", "K1"), "032x")

    assert {
        "contract.set_up_in_erp",
        "contract.terms_published",
        "contract.provisioned_in_psa",
        "contract.activation_confirmed",
    } <= activation.keys()
    assert activation["contract.set_up_in_erp"].actor == "flow:activate:K1"
    assert activation["contract.set_up_in_erp"].after == {"customer": "C1", "project": "K1"}
    assert activation["contract.set_up_in_erp"].correlation_id == contract_trace

    posted = document["document.posted_to_erp"]
    assert posted.actor == f"flow:post:{NUMBER}" and posted.correlation_id == document_trace
    assert posted.after == {"idempotency_key": f"accord:erp:post:{NUMBER}"}
    assert document["document.posted"].before == {"status": "issued"}
    assert document["document.posted"].after == {"status": "posted"}
    assert document["document.issued"].after is not None
    assert document["document.issued"].after["contract"] == "K1"
    assert {"document.written_back", "exception.opened", "exception.closed"} <= document.keys()
    assert document["exception.closed"].after is not None
    assert document["exception.closed"].after["status"] == "resolved"
    fed_back = [row for row in rows if row.action == "payment.fed_back"]
    assert len(fed_back) == 1 and fed_back[0].actor.startswith("flow:payment:")
    assert fed_back[0].after is not None
    assert fed_back[0].after["invoice"] == NUMBER and fed_back[0].after["invoice_status"] == "paid"
    assert verified.ok

    channels = yaml.safe_load((ROOT / "docs/asyncapi.yaml").read_text())["channels"]
    described = {channel["address"] for channel in channels.values()}
    assert {
        "accord.contract.set_up_in_erp.v1",
        "accord.document.posted_to_erp.v1",
        "accord.exception.opened.v1",
        "accord.exception.closed.v1",
        "accord.payment.fed_back.v1",
    } <= published
    assert published <= described, f"not in docs/asyncapi.yaml: {published - described}"
