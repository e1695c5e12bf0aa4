"""`accord keys`, `accord audit verify` and `accord api openapi` as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from tests.forked_cli import run_accord


def _accord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "200"}
    env.pop("ACCORD_DATABASE_URL", None)
    return run_accord(list(args), env)


def test_keys_lifecycle_and_a_tampered_audit_row_is_found(tmp_path: Path) -> None:
    created = _accord(tmp_path, "keys", "create", "psa-connector", "--role", "integration")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    key_id = token.split("_")[1]
    listed = _accord(tmp_path, "keys", "list")
    assert key_id in listed.stdout and "active" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout
    assert _accord(tmp_path, "keys", "revoke", key_id).returncode == 0
    assert "revoked" in _accord(tmp_path, "keys", "list").stdout

    intact = _accord(tmp_path, "audit", "verify")
    assert "2 rows verified" in intact.stdout
    assert intact.returncode == 3 and "NOT ANCHORED" in intact.stdout  # no audit key here

    database = sqlite3.connect(tmp_path / "accord.sqlite")
    try:
        refused = False
        try:
            database.execute("UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 1")
        except sqlite3.DatabaseError as error:
            refused = "append-only" in str(error)
        assert refused, "the database must refuse edits of audit rows"
        database.execute("DROP TRIGGER audit_log_no_update")  # an attacker with DB access
        database.execute("UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 1")
        database.commit()
    finally:
        database.close()

    tampered = _accord(tmp_path, "audit", "verify")
    assert tampered.returncode == 1
    assert "TAMPERED at row 1" in tampered.stdout


def test_openapi_command_writes_the_committed_document(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    written = _accord(tmp_path, "api", "openapi", "--out", str(out))
    assert written.returncode == 0, written.stderr
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    assert out.read_text() == committed.read_text()
