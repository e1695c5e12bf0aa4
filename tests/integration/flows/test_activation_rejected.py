"""A rejected activation sets back every system it reached; none is left half-activated.

The hub (DBOS on SQLite) activates a signed contract against the sandbox landscape; the
PSA (or the CRM) fails its step; a person rejects the activation from the exception
queue. What each system then holds is read back from the sandbox, not from Accord's
tables; billing never invoices the contract afterwards, and each compensation is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from accord.bootstrap import configure_firm
from accord.domain.exceptions import (
    ExceptionAction,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
)
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import ScenarioRun
from tests.integration.flows._flow_proc import DurableRunner, _holdings
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
CONTRACT = "K1"


@contextmanager
def _signed(
    tmp_path: Path, landscape_config: dict[str, Any] | None = None
) -> Iterator[tuple[DurableRunner, ScenarioRun]]:
    """The hub and sandbox right after the contract's signing has been played."""
    scenario = load_scenario(SCENARIO)
    signing = scenario.events[0]
    runner = DurableRunner(scenario, tmp_path, signing.at, landscape_config=landscape_config)
    with runner.started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        runner.advance(run, signing.at)
        runner.apply(run, 0, signing)
        runner.settle(run)
        yield runner, run


def _play_the_rest(
    runner: DurableRunner, run: ScenarioRun, start: int = 1, stop: int | None = None
) -> None:
    """The scenario's events from `start` up to `stop` (approved time, corrections,
    invoice runs); its payments are left out, as they pay invoices never issued now."""
    for index, event in list(enumerate(run.scenario.events))[start:stop]:
        if "Payment" in type(event).__name__:
            continue
        runner.advance(run, event.at)
        runner.apply(run, index, event)
        runner.settle(run)


def _connector(run: ScenarioRun, system: str) -> Any:
    return run.services.connectors[f"sandbox-{system}"]


def _reject(runner: DurableRunner, run: ScenarioRun, kind: ExceptionKind) -> None:
    failure = run.services.exceptions.find_open(kind, CONTRACT)
    assert failure is not None, f"no open {kind} about {CONTRACT}"
    assert ExceptionAction.REJECT not in kind.policy.actions  # offered by the flow only
    run.services.exception_actions.act(failure.id, ExceptionAction.REJECT, "deal lost", "pmo")
    runner.settle(run)


def _assert_set_back(run: ScenarioRun) -> None:
    erp, billing = _connector(run, "erp"), _connector(run, "billing")
    psa, crm = _connector(run, "psa"), _connector(run, "crm")
    project = erp.read_project(CONTRACT)
    assert project is not None and project["isinactive"] is True
    assert project["customer"] == "C1"  # the link is kept, inactive, for the record
    terms = billing.read_terms(CONTRACT)
    assert terms is not None and terms["status"] == "withdrawn"
    in_psa = psa.read_project(CONTRACT)
    assert in_psa is None or in_psa["status"] == "closed"
    assert psa.read_rate_card(CONTRACT) is None or in_psa is not None
    in_crm = crm.read_contract(CONTRACT)
    assert in_crm is None or in_crm["Status"] != "Activated"


def _compensations_audited(run: ScenarioRun) -> list[str]:
    """The compensations the activation flow audited, in order; the contract's
    withdrawal from billing is audited once, after the last of them."""
    rows = [
        r
        for r in run.hub.governance.audit.records()
        if r.subject == CONTRACT and r.actor == f"flow:activate:{CONTRACT}"
    ]
    compensated = [r for r in rows if r.action == "contract.compensated"]
    (withdrawn,) = [r for r in rows if r.action == "contract.withdrawn"]
    assert compensated and withdrawn.seq > compensated[-1].seq
    assert all(r.after and r.after["contract"] == CONTRACT for r in compensated)
    return [str((r.after or {})["compensation"]) for r in compensated]


def _closed_with_outcome(run: ScenarioRun, kind: ExceptionKind) -> str:
    assert run.services.exceptions.open_records() == []
    closed = [
        r
        for r in run.hub.exceptions(kind=kind, status=ExceptionStatus.RESOLVED)
        if r.subject == CONTRACT
    ]
    assert len(closed) == 1
    return str(closed[0].history[-1])


def test_a_psa_refusal_then_a_rejection_sets_back_erp_and_billing_and_leaves_crm_unconfirmed(
    tmp_path: Path,
) -> None:
    refusing_psa = {"psa": {"faults": [{"kind": "reject", "path": "/projects"}]}}
    with _signed(tmp_path, refusing_psa) as (runner, run):
        erp, billing = _connector(run, "erp"), _connector(run, "billing")
        failure = run.services.exceptions.find_open(ExceptionKind.POSTING_REJECTED, CONTRACT)
        assert failure is not None and failure.owner is OwnerRole.FINANCE
        assert failure.details["compensable"] is True
        assert erp.read_project(CONTRACT).get("isinactive") is not True  # half-activated now
        assert billing.read_terms(CONTRACT)["status"] == "active"

        _reject(runner, run, ExceptionKind.POSTING_REJECTED)

        _assert_set_back(run)
        assert _connector(run, "psa").read_project(CONTRACT) is None
        assert _connector(run, "crm").read_contract(CONTRACT) is None
        outcome = _closed_with_outcome(run, ExceptionKind.POSTING_REJECTED)
        assert "deal lost" in outcome
        assert "withdraw_billing_terms, deactivate_erp_project" in outcome
        assert "close_psa_project" not in outcome  # the PSA refused: nothing to undo there
        assert not run.services.billing.is_activated(CONTRACT)

        _play_the_rest(runner, run)
        assert _holdings(run)["erp_documents"] == []  # approved time is never invoiced
        assert _holdings(run)["billing_documents"] == []
        assert CONTRACT in run.services.billing.book().state.withdrawn
        assert _compensations_audited(run) == ["withdraw_billing_terms", "deactivate_erp_project"]


def test_a_rejection_during_a_psa_outage_waits_for_the_psa_and_then_closes_its_project(
    tmp_path: Path,
) -> None:
    outage = {"psa": {"faults": [{"kind": "unavailable"}]}}
    with _signed(tmp_path, outage) as (runner, run):
        assert run.services.exceptions.find_open(ExceptionKind.SYSTEM_UNAVAILABLE, CONTRACT)

        _reject(runner, run, ExceptionKind.SYSTEM_UNAVAILABLE)

        # the PSA is still down: its compensation waits, the exception stays open
        still = run.services.exceptions.find_open(ExceptionKind.SYSTEM_UNAVAILABLE, CONTRACT)
        assert still is not None
        assert _connector(run, "billing").read_terms(CONTRACT)["status"] == "active"

        run.landscape.clear_faults("psa")
        runner.advance(run, run.landscape.clock.now().date() + dt.timedelta(days=1))
        runner.settle(run)

        _assert_set_back(run)
        outcome = _closed_with_outcome(run, ExceptionKind.SYSTEM_UNAVAILABLE)
        assert "close_psa_project, withdraw_billing_terms, deactivate_erp_project" in outcome
        assert _compensations_audited(run) == [
            "close_psa_project",
            "withdraw_billing_terms",
            "deactivate_erp_project",
        ]


FIRST_INVOICE_RUN = 3


def test_time_approved_before_a_rejection_is_never_invoiced_and_billing_owns_it(
    tmp_path: Path,
) -> None:
    """The CRM refuses the confirmation, the last step: ERP, billing and the PSA hold the
    contract and consultants log approved time on it. Then the activation is rejected:
    the invoice runs that follow issue nothing for it, in billing or the ERP, and billing
    owns an exception saying how much work is held."""
    refusing_crm = {"crm": {"faults": [{"kind": "reject", "path": "/sobjects/Contract"}]}}
    with _signed(tmp_path, refusing_crm) as (runner, run):
        assert run.services.exceptions.find_open(ExceptionKind.POSTING_REJECTED, CONTRACT)
        _play_the_rest(runner, run, stop=FIRST_INVOICE_RUN)  # 10 h approved in the PSA
        assert run.services.billing.state().time_entries[CONTRACT]

        _reject(runner, run, ExceptionKind.POSTING_REJECTED)
        _assert_set_back(run)
        _play_the_rest(runner, run, start=FIRST_INVOICE_RUN)

        assert _holdings(run)["erp_documents"] == []
        assert _holdings(run)["billing_documents"] == []
        assert run.services.billing.documents() == []
        (held,) = run.services.exceptions.open_records(kind=ExceptionKind.CONTRACT_WITHDRAWN)
        assert (held.subject, held.owner) == (CONTRACT, OwnerRole.BILLING)
        assert held.message.startswith("1500.00 EUR of work")  # 10 h at 150, as approved
        assert _compensations_audited(run) == [
            "close_psa_project",
            "withdraw_billing_terms",
            "deactivate_erp_project",
        ]
