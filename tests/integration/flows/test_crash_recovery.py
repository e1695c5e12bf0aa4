"""A hub killed right after a step of a flow recovers it and every effect exists once.

Each run is a forked process (`_flow_proc`) on SQLite store, DBOS SQLite and a sandbox whose
state lives on disk: it SIGKILLs itself right after the chosen step succeeded (before
DBOS records it), then a new process recovers the flow on a new sandbox port. Every step
of activation, the invoice run, posting and payment feedback is a crash point; what each
system holds is read back over the sandbox's own APIs, one entry per record, and must
equal an uninterrupted run's.
"""

from __future__ import annotations

import json
import multiprocessing
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.flows._flow_proc import main
from tests.scenario_files import scenarios_dir

SCENARIOS = scenarios_dir()
TM, RETAINER = "tm-correction-de", "retainer-expenses-uk"
# Event indexes: the contract signed, the first invoice run, the prepayment received.
TM_SIGNED, TM_INVOICED = 0, 3
RETAINER_SIGNED, RETAINER_PAID = 0, 1


RUN_TIMEOUT_SECONDS = 300
"""A run or a recovery: seconds on an idle machine; a generous cap on a loaded one."""


def _driver(
    mode: str,
    workdir: Path,
    scenario: str,
    last_event: int,
    kill_after: str = "",
    kill_before_start: str = "",
) -> tuple[int | None, Path]:
    """Fork one hub process (everything is imported here already, so it starts at once);
    its exit code (-SIGKILL when it died) and the file its holdings are written to."""
    args = (mode, workdir, SCENARIOS / f"{scenario}.yaml", last_event)
    child = multiprocessing.get_context("fork").Process(
        target=main, args=(*args, kill_after, kill_before_start)
    )
    child.start()
    child.join(RUN_TIMEOUT_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        raise AssertionError(f"{mode} did not end within {RUN_TIMEOUT_SECONDS} s")
    return child.exitcode, workdir / "holdings.json"


def _holdings(done: tuple[int | None, Path]) -> dict[str, Any]:
    exit_code, holdings = done
    assert exit_code == 0, f"the process ended with {exit_code}; its log is above"
    return dict(json.loads(holdings.read_text()))


# What each stopping point must leave in the systems, read back from the sandbox.
ACTIVATED_TM = {
    "erp_customers": ["C1"],
    "erp_projects": ["K1"],
    "billing_terms": ["K1"],
    "psa_projects": ["K1"],
    "crm_contracts": {"K1": "Activated"},
}
INVOICED_TM = ACTIVATED_TM | {
    "erp_documents": ["INV-DE01-000001"],
    "billing_documents": ["INV-DE01-000001"],
    "psa_invoiced_entries": 1,
    "crm_invoices": {"INV-DE01-000001": "posted"},
}
ACTIVATED_RETAINER = {
    "erp_customers": ["C3"],
    "erp_projects": ["K3"],
    "billing_terms": ["K3"],
    "psa_projects": ["K3"],
    "crm_contracts": {"K3": "Activated"},
    "erp_documents": ["INV-UK01-000001"],
    "billing_documents": ["INV-UK01-000001"],
    "crm_invoices": {"INV-UK01-000001": "posted"},
}
PAID_RETAINER = ACTIVATED_RETAINER | {
    "billing_payments": ["PAY-000002"],
    "crm_payments": ["PAY-000002"],
    "crm_invoices": {"INV-UK01-000001": "paid"},
}
EXPECTED = {
    (TM, TM_SIGNED): ACTIVATED_TM,
    (TM, TM_INVOICED): INVOICED_TM,
    (RETAINER, RETAINER_SIGNED): ACTIVATED_RETAINER,
    (RETAINER, RETAINER_PAID): PAID_RETAINER,
}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Any]:
    """Each stopping point played once without a crash: what recovery must reproduce."""
    return {
        (scenario, last): _holdings(
            _driver("run", tmp_path_factory.mktemp(f"{scenario}-{last}"), scenario, last)
        )
        for scenario, last in EXPECTED
    }


def test_an_uninterrupted_run_leaves_each_effect_once_in_each_system(
    uninterrupted: dict[tuple[str, int], Any],
) -> None:
    for point, expected in EXPECTED.items():
        holdings = uninterrupted[point]
        assert {name: holdings[name] for name in expected} == expected, point


CRASH_POINTS = [
    pytest.param(step, scenario, last, id=f"{flow}-{step}-{scenario}")
    for flow, step, scenario, last in [
        ("activation", "set_up_in_erp", TM, TM_SIGNED),
        ("activation", "publish_terms", TM, TM_SIGNED),
        ("activation", "provision_in_psa", TM, TM_SIGNED),
        ("activation", "confirm_in_crm", TM, TM_SIGNED),
        ("activation", "issue_prepayment", RETAINER, RETAINER_SIGNED),
        ("activation", "record_activation", RETAINER, RETAINER_SIGNED),
        ("invoice_run", "issue", TM, TM_INVOICED),
        ("invoice_run", "awaiting_posting", TM, TM_INVOICED),
        ("posting", "record_in_billing", TM, TM_INVOICED),
        ("posting", "post_to_erp", TM, TM_INVOICED),
        ("posting", "mark_posted", TM, TM_INVOICED),
        ("posting", "write_back", TM, TM_INVOICED),
        ("payment_feedback", "mirror_payment", RETAINER, RETAINER_PAID),
    ]
]


@pytest.mark.parametrize(("step", "scenario", "last_event"), CRASH_POINTS)
def test_a_flow_killed_after_a_step_recovers_with_each_effect_once(
    tmp_path: Path,
    uninterrupted: dict[tuple[str, int], Any],
    step: str,
    scenario: str,
    last_event: int,
) -> None:
    killed, _ = _driver("run", tmp_path, scenario, last_event, kill_after=step)
    assert killed == -signal.SIGKILL, f"the run ended with {killed}; its log is above"

    recovered = _holdings(_driver("recover", tmp_path, scenario, last_event))

    assert recovered == uninterrupted[(scenario, last_event)]
    assert {name: recovered[name] for name in EXPECTED[(scenario, last_event)]} == EXPECTED[
        (scenario, last_event)
    ]


@pytest.mark.parametrize(
    ("flow", "scenario", "last_event"),
    [
        pytest.param("payment:", RETAINER, RETAINER_PAID, id="payment_feedback"),
        pytest.param("post:", TM, TM_INVOICED, id="posting"),
    ],
)
def test_a_hub_killed_before_starting_a_flow_it_owes_starts_it_after_the_restart(
    tmp_path: Path,
    uninterrupted: dict[tuple[str, int], Any],
    flow: str,
    scenario: str,
    last_event: int,
) -> None:
    """What made the flow due (a payment applied, a document issued) was saved; the
    process dies before the flow starts, and the restarted hub still starts it."""
    killed, _ = _driver("run", tmp_path, scenario, last_event, kill_before_start=flow)
    assert killed == -signal.SIGKILL, f"the run ended with {killed}; its log is above"

    recovered = _holdings(_driver("recover", tmp_path, scenario, last_event))

    assert recovered == uninterrupted[(scenario, last_event)]
