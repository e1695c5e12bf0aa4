"""`accord schema export` and `accord schema check` as a developer runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.forked_cli import run_accord


def accord(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)}
    return run_accord(list(args), env, timeout=60)


def test_export_then_check_passes_then_a_breaking_change_fails(tmp_path: Path) -> None:
    exported = accord("schema", "export", "--dest", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    committed = tmp_path / "expense" / "v1.json"
    assert json.loads(committed.read_text())["additionalProperties"] is False

    clean = accord("schema", "check", "--dir", str(tmp_path))
    assert (clean.returncode, clean.stdout.strip()) == (0, "compatible")

    schema = json.loads(committed.read_text())
    schema["properties"]["receipt_url"] = {"type": "string"}
    committed.write_text(json.dumps(schema))
    broken = accord("schema", "check", "--dir", str(tmp_path))

    assert broken.returncode == 1
    row = next(line for line in broken.stdout.splitlines() if "receipt_url" in line)
    assert "expense" in row and "v1" in row and "field removed" in row


def test_check_without_schemas_tells_what_to_run(tmp_path: Path) -> None:
    result = accord("schema", "check", "--dir", str(tmp_path / "missing"))

    assert result.returncode == 2
    assert "accord schema export" in result.stdout
