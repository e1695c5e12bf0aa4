"""`accord exceptions correct` and `redrive` as a user runs them: a dry run changes
nothing, the correction resolves the exception once, a re-drive of a still-broken event
leaves it open with its reason."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.e2e.test_exceptions_cli import _rows
from tests.forked_cli import run_accord


def _accord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`accord ARGS` on the store under `home`, in a forked process (80 columns)."""
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "80"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL"):
        env.pop(name, None)
    return run_accord(list(args), env)


def _customer(country: object) -> str:
    data = {"id": "C7", "name": "Customer C7", "country": country}
    event = {"specversion": "1.0", "id": "c-7", "source": "crm", "type": "accord.customer.v1"}
    return json.dumps({**event, "data": data})


def test_a_quarantined_event_is_corrected_from_the_shell(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text(_customer(5) + "\n")
    (tmp_path / "fixed.json").write_text(_customer("DE"))
    assert _accord(tmp_path, "ingest", str(tmp_path / "events.jsonl")).returncode == 0
    [row] = _rows(_accord(tmp_path, "exceptions", "list").stdout)
    exception_id = row[0]

    redriven = _accord(tmp_path, "exceptions", "redrive", "--kind", "invalid_event")
    fixed = str(tmp_path / "fixed.json")
    dry = _accord(tmp_path, "exceptions", "correct", exception_id, "--payload", fixed, "--dry-run")
    done = _accord(tmp_path, "exceptions", "correct", exception_id, "--payload", fixed)

    assert redriven.returncode == 0 and "0 requeued, 1 still open" in redriven.stdout
    assert "data.country" in redriven.stdout
    assert dry.returncode == 0 and "outcome: apply" in dry.stdout and "country" in dry.stdout
    assert done.returncode == 0 and "correction applied" in done.stdout, done.stderr
    refused = _accord(tmp_path, "exceptions", "correct", exception_id, "--payload", fixed)
    assert refused.returncode == 2 and "not open" in refused.stderr
    assert "Traceback" not in refused.stderr
