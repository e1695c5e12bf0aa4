"""`accord exceptions assign | tag | comment` as a user runs them: the list shows and
filters by assignee and tag, a bad tag is refused with exit 2 and no traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.test_exceptions_cli import _rows
from tests.forked_cli import run_accord


def _accord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "80"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL"):
        env.pop(name, None)
    return run_accord(list(args), env)


def test_an_exception_is_assigned_tagged_and_commented_from_the_shell(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text('{"id": "broken"\n')
    assert _accord(tmp_path, "ingest", str(tmp_path / "events.jsonl")).returncode == 0
    [row] = _rows(_accord(tmp_path, "exceptions", "list").stdout)
    exception_id = row[0]

    assigned = _accord(tmp_path, "exceptions", "assign", exception_id, "ada", "--actor", "lead")
    tagged = _accord(tmp_path, "exceptions", "tag", exception_id, "mapping")
    commented = _accord(tmp_path, "exceptions", "comment", exception_id, "PSA sent junk")
    refused = _accord(tmp_path, "exceptions", "tag", exception_id, "Not A Tag")

    assert assigned.returncode == 0 and "assigned to ada" in assigned.stdout, assigned.stderr
    assert tagged.returncode == 0 and "tags mapping" in tagged.stdout
    assert commented.returncode == 0 and "comment added" in commented.stdout
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    mine = _accord(tmp_path, "exceptions", "list", "--assignee", "ada", "--tag", "mapping")
    assert [r[0] for r in _rows(mine.stdout)] == [exception_id] and "ada" in mine.stdout


def test_up_refuses_an_unsigned_notification_webhook_before_anything_starts(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "ACCORD_HOME": str(tmp_path),
        "COLUMNS": "80",
        "ACCORD_NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/hook",
    }
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL", "ACCORD_NOTIFY_WEBHOOK_SECRET"):
        env.pop(name, None)

    refused = run_accord(["up"], env)

    assert refused.returncode == 2, refused.stderr
    assert "ACCORD_NOTIFY_WEBHOOK_SECRET" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "accord.sqlite").exists()
