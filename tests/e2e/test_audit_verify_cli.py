"""`accord audit anchor` and `accord audit verify` as an operator runs them: exit 0 when
the trail is intact and anchored, 1 when it was tampered with (naming the row and why),
3 when it is whole but its head is not anchored, 2 when anchoring is not configured."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from accord.adapters.audit_anchor_file import JsonLinesAnchorFile
from accord.adapters.governance import build_sql_governance
from accord.adapters.store import create_store_engine, migrate
from accord.application.audit import AuditEntry, row_hash
from accord.application.audit_anchor import Anchor, AnchorKey
from accord.application.governance import GovernanceSettings
from tests.forked_cli import run_accord

KEY = "0123456789abcdef0123456789abcdef-audit"


def _accord(home: Path, *args: str, key: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "250"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_AUDIT_KEY", "ACCORD_AUDIT_KEY_FILE"):
        env.pop(name, None)
    if key is not None:
        env["ACCORD_AUDIT_KEY_FILE"] = str(key)
        env["ACCORD_AUDIT_ANCHOR_FILE"] = str(key.parent / "anchors" / "audit-anchors.jsonl")
    return run_accord(list(args), env)


def _audited_home(tmp_path: Path) -> tuple[Path, Path]:
    """A home whose store holds two audit rows, and an audit key kept outside it."""
    home, secrets = tmp_path / "home", tmp_path / "secrets"
    home.mkdir()
    secrets.mkdir()
    key = secrets / "audit.key"
    key.write_text(KEY + "\n")
    engine = create_store_engine(f"sqlite:///{home / 'accord.sqlite'}")
    migrate(engine)
    audit = build_sql_governance(engine, GovernanceSettings()).audit
    for name in ("psa-connector", "crm-connector"):
        audit.record("cli:operator", "api_key.created", f"api_key:{name}", correlation_id="c")
    engine.dispose()
    return home, key


def _anchored_home(tmp_path: Path) -> tuple[Path, Path]:
    home, key = _audited_home(tmp_path)
    anchored = _accord(home, "audit", "anchor", key=key)
    assert anchored.returncode == 0 and "anchored row 2" in anchored.stdout, anchored.stdout
    return home, key


def _as_attacker(home: Path) -> sqlite3.Connection:
    database = sqlite3.connect(home / "accord.sqlite")
    for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward"):
        database.execute(f"DROP TRIGGER {trigger}")
    return database


def test_without_a_key_verify_says_the_head_is_not_anchored(tmp_path: Path) -> None:
    home, _ = _audited_home(tmp_path)

    verified = _accord(home, "audit", "verify")
    anchored = _accord(home, "audit", "anchor")

    assert verified.returncode == 3, verified.stdout
    assert "2 rows verified" in verified.stdout and "NOT ANCHORED" in verified.stdout
    assert "ACCORD_AUDIT_KEY_FILE" in verified.stdout
    assert anchored.returncode == 2 and "ACCORD_AUDIT_KEY_FILE" in anchored.stdout
    assert "Traceback" not in verified.stderr + anchored.stderr


def test_an_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.key"

    verified = _accord(tmp_path, "audit", "verify", key=missing)
    hub = _accord(tmp_path, "up", "--port", "0", key=missing)

    for ran in (verified, hub):
        assert ran.returncode == 2, ran.stdout + ran.stderr
        assert "cannot read ACCORD_AUDIT_KEY_FILE" in ran.stdout + ran.stderr
        assert "Traceback" not in ran.stderr


def test_a_recomputed_chain_fails_verification(tmp_path: Path) -> None:
    home, key = _anchored_home(tmp_path)
    assert _accord(home, "audit", "verify", key=key).returncode == 0
    database = _as_attacker(home)
    rows = database.execute(
        "SELECT seq, at, action, subject, correlation_id, before_digest, after_digest "
        "FROM audit_log ORDER BY seq"
    ).fetchall()
    previous = "0" * 64
    for seq, at, action, subject, correlation, before, after in rows:
        moment = datetime.fromisoformat(at).replace(tzinfo=UTC)  # stored as UTC, no offset
        entry = AuditEntry("cli:someone-else", action, subject, None, None, correlation)
        hashed = row_hash(previous, seq, moment, entry, before, after)
        database.execute(
            "UPDATE audit_log SET actor = ?, previous_hash = ?, hash = ? WHERE seq = ?",
            (entry.actor, previous, hashed, seq),
        )
        previous = hashed
    database.execute("UPDATE audit_head SET hash = ?", (previous,))
    database.commit()
    database.close()

    verified = _accord(home, "audit", "verify", key=key)

    assert verified.returncode == 1, verified.stdout
    assert "TAMPERED at row 2" in verified.stdout and "rewritten" in verified.stdout


def test_a_cut_off_tail_and_a_forged_anchor_fail_verification(tmp_path: Path) -> None:
    home, key = _audited_home(tmp_path)
    anchors = key.parent / "anchors" / "audit-anchors.jsonl"
    anchors.parent.mkdir()
    JsonLinesAnchorFile(anchors).append(_head_signed_by(home, KEY.encode()))
    database = _as_attacker(home)
    (first_hash,) = database.execute("SELECT hash FROM audit_log WHERE seq = 1").fetchone()
    database.execute("DELETE FROM audit_log WHERE seq = 2")
    database.execute("UPDATE audit_head SET seq = 1, hash = ?", (first_hash,))
    database.commit()
    database.close()

    cut = _accord(home, "audit", "verify", key=key)
    anchors.write_text("")
    JsonLinesAnchorFile(anchors).append(
        _head_signed_by(home, b"the forger's own key, not the audit key")
    )
    forged = _accord(home, "audit", "verify", key=key)

    assert cut.returncode == 1, cut.stdout
    assert "TAMPERED at row 2" in cut.stdout and "cut off" in cut.stdout
    assert forged.returncode == 1, forged.stdout
    assert "not signed with the configured audit key" in forged.stdout


def _head_signed_by(home: Path, secret: bytes) -> Anchor:
    with sqlite3.connect(home / "accord.sqlite") as database:
        seq, hashed = database.execute("SELECT seq, hash FROM audit_head").fetchone()
    return AnchorKey(secret).sign(int(seq), str(hashed), datetime.now(UTC))
