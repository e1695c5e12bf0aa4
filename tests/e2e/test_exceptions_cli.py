"""`accord exceptions list` and `accord exceptions act` as a user runs them, in an
80-column terminal."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.forked_cli import run_accord


def _accord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "80"}
    env.pop("ACCORD_DATABASE_URL", None)
    env.pop("ACCORD_NATS_URL", None)
    return run_accord(list(args), env)


def _rows(listing: str) -> list[list[str]]:
    """(id, kind, owner) of each exception listed: a row's first line starts with the id
    and kind, its second line with the owner."""
    lines = listing.splitlines()
    return [
        [*line.split()[:2], lines[number + 1].split()[0]]
        for number, line in enumerate(lines)
        if re.match(r" {1,3}\d+ ", line)
    ]


def test_an_invalid_event_is_listed_for_integration_and_skipping_it_closes_it(
    tmp_path: Path,
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"id": "broken"\n')
    assert _accord(tmp_path, "ingest", str(events)).returncode == 0

    listed = _accord(tmp_path, "exceptions", "list", "--owner", "integration")
    assert listed.returncode == 0, listed.stderr
    (row,) = _rows(listed.stdout)
    exception_id, kind, owner = row[0], row[1], row[2]
    assert (kind, owner) == ("invalid_event", "integration")
    assert _rows(_accord(tmp_path, "exceptions", "list", "--owner", "finance").stdout) == []

    acted = _accord(tmp_path, "exceptions", "act", exception_id, "skip", "--note", "test noise")
    assert acted.returncode == 0, acted.stderr
    assert "skipped" in acted.stdout

    assert _rows(_accord(tmp_path, "exceptions", "list").stdout) == []
    skipped = _rows(_accord(tmp_path, "exceptions", "list", "--status", "skipped").stdout)
    assert [r[0] for r in skipped] == [exception_id]
    again = _accord(tmp_path, "exceptions", "act", exception_id, "skip")
    assert again.returncode == 2 and "not open" in again.stderr
