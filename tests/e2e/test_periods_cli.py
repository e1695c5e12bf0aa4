"""`accord periods` as finance runs it: close a month for an entity, see it listed,
and an unknown entity refused with the entities there are (exit 2, no traceback)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.bootstrap import build_hub
from accord.settings import Settings
from tests.forked_cli import run_accord
from tests.unit.billing.builders import make_state


def _accord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`accord ARGS` on the store under `home`, in a forked process (80 columns)."""
    env = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "80"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL"):
        env.pop(name, None)
    return run_accord(list(args), env)


def test_finance_closes_a_month_from_the_shell(tmp_path: Path) -> None:
    hub = build_hub(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'accord.sqlite'}"))
    SqlAlchemyBillingStateStore(hub.engine).save(BillingBook(make_state()), 0)
    hub.close()

    closed = _accord(tmp_path, "periods", "close", "DE01", "2026-01", "--note", "month-end")
    unknown = _accord(tmp_path, "periods", "close", "XX99", "2026-01")
    listed = _accord(tmp_path, "periods", "list")

    assert closed.returncode == 0 and "DE01 2026-01: closed" in closed.stdout, closed.stderr
    assert (
        unknown.returncode == 2 and "DE01" in unknown.stderr and "Traceback" not in unknown.stderr
    )
    assert "DE01: 2026-01" in listed.stdout and "US01: no closed period" in listed.stdout
