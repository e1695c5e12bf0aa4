"""`accord periods` as finance runs it: close a month for an entity, see it listed,
and an unknown entity refused with the entities there are (exit 2, no traceback)."""

from __future__ import annotations

from pathlib import Path

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.bootstrap import build_hub
from accord.settings import Settings
from tests.e2e.test_exceptions_cli import _accord
from tests.unit.billing.builders import make_state


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
