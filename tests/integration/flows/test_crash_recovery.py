"""A hub killed right after a step of a flow recovers it and every effect exists once.

Each run is a subprocess (`_flow_proc`) on SQLite store, DBOS SQLite and a sandbox whose
state lives on disk: it SIGKILLs itself right after the chosen step succeeded (before
DBOS records it), then a new process recovers the flow on a new sandbox port. Every step
of activation, the invoice run, posting and payment feedback is a crash point; what each
system holds is read back over the sandbox's own APIs, one entry per record, and must
equal an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCENARIOS = Path(__file__).parents[4] / "shared" / "scenarios"
TM, RETAINER = "tm-correction-de", "retainer-expenses-uk"
# Event indexes: the contract signed, the first invoice run, the prepayment received.
TM_SIGNED, TM_INVOICED = 0, 3
RETAINER_SIGNED, RETAINER_PAID = 0, 1
ROOT = Path(__file__).parents[3]


def _driver(
    mode: str,
    workdir: Path,
    scenario: str,
    last_event: int,
    kill_after: str = "",
    kill_before_start: str = "",
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ACCORD_KILL_AFTER": kill_after,
        "ACCORD_KILL_BEFORE_START": kill_before_start,
    }
    env.pop("ACCORD_DATABASE_URL", None)
    env.pop("ACCORD_NATS_URL", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.flows._flow_proc",
            mode,
            str(workdir),
            str(SCENARIOS / f"{scenario}.yaml"),
            str(last_event),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _holdings(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


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
    killed = _driver("run", tmp_path, scenario, last_event, kill_after=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]

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
    killed = _driver("run", tmp_path, scenario, last_event, kill_before_start=flow)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]

    recovered = _holdings(_driver("recover", tmp_path, scenario, last_event))

    assert recovered == uninterrupted[(scenario, last_event)]
