"""An unreadable ACCORD_LEDGER_ACCOUNTS stops `accord up` before it starts anything, with
the roles it knows, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

from tests.forked_cli import run_accord


def test_an_unknown_account_role_stops_the_hub_naming_the_roles(tmp_path: Path) -> None:
    env = {**os.environ, "ACCORD_HOME": str(tmp_path), "COLUMNS": "250"}
    env.pop("ACCORD_DATABASE_URL", None)
    env["ACCORD_LEDGER_ACCOUNTS"] = "revenue=700000,turnover=4000"
    ran = run_accord(["up", "--port", "0"], env)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    said = " ".join((ran.stdout + ran.stderr).split())
    assert "'turnover=4000' is not role=code" in said
    assert "contract_liability" in said
    assert "Traceback" not in said
