"""An amendment flow killed right after a step recovers, and billing and the PSA hold
the amended terms once (each record changed once: the same versions as a clean run).

Each run is a subprocess (`_amend_proc`) on SQLite store, DBOS SQLite and a sandbox
whose state lives on disk: it SIGKILLs itself right after the chosen step succeeded
(before DBOS records it), then a new process recovers the flow on a new sandbox port.
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

ROOT = Path(__file__).parents[3]


def _driver(mode: str, workdir: Path, kill_after: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_KILL_AFTER": kill_after}
    env.pop("ACCORD_DATABASE_URL", None)
    env.pop("ACCORD_NATS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.flows._amend_proc", mode, str(workdir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )


def _holdings(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _holdings(_driver("run", tmp_path_factory.mktemp("clean")))


def test_the_uninterrupted_amendment_changed_each_record_once(
    uninterrupted: dict[str, Any],
) -> None:
    ((contract, version, terms),) = uninterrupted["billing_terms"]
    assert (contract, version) == ("K1", 2)
    assert [r["rate"] for r in terms[0]["rates"]] == ["150", "165"]
    assert uninterrupted["psa_rate_card"][0] == 2
    assert uninterrupted["amendments_due"] == {}


@pytest.mark.parametrize("step", ["publish_terms", "publish_rates_in_psa", "amendment_propagated"])
def test_an_amendment_killed_after_a_step_recovers_with_each_effect_once(
    tmp_path: Path, uninterrupted: dict[str, Any], step: str
) -> None:
    killed = _driver("run", tmp_path, kill_after=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]

    recovered = _holdings(_driver("recover", tmp_path))

    assert recovered == uninterrupted
