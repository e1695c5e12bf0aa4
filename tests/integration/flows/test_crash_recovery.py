"""A hub killed right after a step of a flow recovers it and every effect exists once.

Each run is a subprocess (`_flow_proc`) on SQLite store, DBOS SQLite and a sandbox whose
state lives on disk: it SIGKILLs itself right after the chosen step succeeded (before
DBOS records it), then a new process recovers the flow on a new sandbox port.
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

SCENARIO = Path(__file__).parents[4] / "shared" / "scenarios" / "tm-correction-de.yaml"
CONTRACT_SIGNED, FIRST_INVOICE_RUN = 0, 3
ROOT = Path(__file__).parents[3]


def _driver(
    mode: str, workdir: Path, last_event: int, kill_after: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_KILL_AFTER": kill_after}
    env.pop("ACCORD_DATABASE_URL", None)
    env.pop("ACCORD_NATS_URL", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.flows._flow_proc",
            mode,
            str(workdir),
            str(SCENARIO),
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


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Any]]:
    return {
        last: _holdings(_driver("run", tmp_path_factory.mktemp(f"clean{last}"), last))
        for last in (CONTRACT_SIGNED, FIRST_INVOICE_RUN)
    }


@pytest.mark.parametrize(
    ("step", "last_event"),
    [
        ("record_in_billing", FIRST_INVOICE_RUN),
        ("post_to_erp", FIRST_INVOICE_RUN),
        ("mark_posted", FIRST_INVOICE_RUN),
        ("write_back", FIRST_INVOICE_RUN),
        ("set_up_in_erp", CONTRACT_SIGNED),
        ("provision_in_psa", CONTRACT_SIGNED),
    ],
)
def test_a_flow_killed_after_a_step_recovers_with_each_effect_once(
    tmp_path: Path, uninterrupted: dict[int, dict[str, Any]], step: str, last_event: int
) -> None:
    killed = _driver("run", tmp_path, last_event, kill_after=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]

    recovered = _holdings(_driver("recover", tmp_path, last_event))

    assert recovered == uninterrupted[last_event]
    assert len(set(recovered["erp_documents"])) == len(recovered["erp_documents"])
