"""`accord journals post`: a bad month and an ERP that takes no journal entries (the
sandbox's generic ERP) are refused with what to do (exit 2), never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

from tests.forked_cli import run_accord


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "250"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_CONFIG", "ACCORD_LEDGER_ACCOUNTS"):
        env.pop(name, None)
    return env


def test_a_month_not_in_yyyy_mm_is_refused(tmp_path: Path) -> None:
    ran = run_accord(["journals", "post", "2026-13"], _env(tmp_path))
    said = " ".join((ran.stdout + ran.stderr).split())
    assert ran.returncode == 2, said
    assert "'2026-13' is not a month; give it as YYYY-MM" in said
    assert "Traceback" not in said


def test_the_sandbox_erp_takes_no_journal_entries_and_says_what_to_configure(
    tmp_path: Path,
) -> None:
    generic = tmp_path / "landscape.yaml"  # the generic ERP (NetSuite takes them)
    generic.write_text("version: 1\nsandbox: {vendors: false}\n")
    ran = run_accord(["journals", "post", "2026-01", "--config", str(generic)], _env(tmp_path))
    said = " ".join((ran.stdout + ran.stderr).split())
    assert ran.returncode == 2, said
    assert "does not take journal entries" in said and "JournalPosting" in said
    assert "Traceback" not in said
