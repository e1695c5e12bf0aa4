"""`accord ingest FILE` and `accord status` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.forked_cli import run_accord


def _accord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "200"}
    env.pop("ACCORD_DATABASE_URL", None)
    env.pop("ACCORD_NATS_URL", None)
    return run_accord(list(args), env)


def _event(event_id: str, data: dict[str, str]) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "crm",
            "type": "accord.customer.v1",
            "data": data,
        }
    )


def test_ingest_reports_accepted_duplicates_and_quarantined_and_status_shows_them(
    tmp_path: Path,
) -> None:
    events = tmp_path / "events.jsonl"
    lines = [
        _event(f"c{n}", {"id": f"C{n}", "name": f"Customer {n}", "country": "DE"}) for n in range(3)
    ]
    events.write_text("\n".join([*lines, lines[0], '{"id": "broken"']) + "\n")

    ingested = _accord(tmp_path, "ingest", str(events))
    status = _accord(tmp_path, "status")

    assert ingested.returncode == 0, ingested.stderr
    assert "accepted 3, duplicates 1, quarantined 1" in ingested.stdout
    assert "not valid JSON" in ingested.stdout
    assert status.returncode == 0, status.stderr
    assert "events pending" in status.stdout and "open exceptions" in status.stdout
    pending_row = next(line for line in status.stdout.splitlines() if "events pending" in line)
    assert pending_row.split()[-2] == "3"


def test_ingest_of_a_missing_or_non_json_lines_file_exits_2_with_a_reason(tmp_path: Path) -> None:
    missing = _accord(tmp_path, "ingest", str(tmp_path / "nope.jsonl"))
    not_lines = tmp_path / "array.json"
    not_lines.write_text('[{"id": 1}]')
    wrong = _accord(tmp_path, "ingest", str(not_lines))

    assert missing.returncode == 2 and "does not exist" in missing.stdout
    assert wrong.returncode == 2 and "is not JSON lines" in wrong.stdout


def test_ingest_of_a_deeply_nested_or_oversized_line_exits_2_and_stores_nothing(
    tmp_path: Path,
) -> None:
    fine = _event("c1", {"id": "C1", "name": "Customer 1", "country": "DE"})
    deep = fine.replace('"country": "DE"', '"country": "DE", "x": ' + "[" * 50_000 + "]" * 50_000)
    big = fine.replace('"country": "DE"', '"country": "DE", "pad": "' + "x" * 300_000 + '"')
    nested = tmp_path / "nested.jsonl"
    nested.write_text(f"{fine}\n\n{deep}\n")
    oversized = tmp_path / "oversized.jsonl"
    oversized.write_text(f"{fine}\n{big}\n")

    refused_deep = _accord(tmp_path, "ingest", str(nested))
    refused_big = _accord(tmp_path, "ingest", str(oversized))
    status = _accord(tmp_path, "status")

    assert refused_deep.returncode == 2, refused_deep.stdout + refused_deep.stderr
    assert "line 3: event nests objects or arrays deeper than 64 levels" in refused_deep.stdout
    assert refused_big.returncode == 2, refused_big.stdout + refused_big.stderr
    assert (
        "line 2: event of 300" in refused_big.stdout and "262144-byte limit" in refused_big.stdout
    )
    for run in (refused_deep, refused_big):
        assert "Nothing was ingested" in run.stdout
        assert "Traceback" not in run.stdout + run.stderr
    stored = [row.split() for row in status.stdout.splitlines() if "events " in row]
    assert stored and all(row[-2] == "0" for row in stored), status.stdout
