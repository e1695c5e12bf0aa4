"""`accord up --config` with Tryton as the ERP and the sandbox for the other systems:
signed contracts put the customer and the project into Tryton, approved time becomes
an invoice posted there once, and `accord journals post` books January's journals of
DE01 as posted account moves, all read back from Tryton."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.connectors.tryton import TrytonErpConnector, TrytonSettings
from accord.connectors.tryton import testing as tryton_testing
from accord.connectors.tryton.testing import RunningTryton
from tests.forked_cli import run_accord
from tests.integration.tryton.conftest import cannot_start

pytestmark = pytest.mark.tryton

CONTRACTS = 3
WITHIN_SECONDS = 300.0
"""A generous cap on a loaded machine: the hub starts, loads the small firm, activates
its contracts and reaches month end (five simulated days) in well under a minute idle."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _landscape(folder: Path, server: RunningTryton) -> Path:
    path = folder / "landscape.yaml"
    path.write_text(
        f"version: 1\nsandbox: {{contracts: {CONTRACTS}}}\nsystems:\n  erp:\n"
        f"    connector: tryton\n    base_url: {server.url}\n"
        f"    settings: {{database: {server.database}, login: {server.login}, "
        "password: {env: TEST_TRYTON_PASSWORD}}\n"
    )
    return path


TRYTON_CHART = (
    "revenue=4.2.2,billings=4.3.3,contract_asset=1.4.2,unbilled_receivable=1.4.2,"
    "contract_liability=2.2.2,intercompany_receivable=1.1.4,intercompany_payable=2.3.4,"
    "intercompany_revenue=6.1.1,intercompany_cost=5.1.3"
)
"""The journal account roles on the test database's standard Tryton chart."""


def _env(tryton_server: RunningTryton, tmp_path: Path) -> dict[str, str]:
    env = os.environ | {
        "ACCORD_HOME": str(tmp_path / "home"),
        "TEST_TRYTON_PASSWORD": tryton_server.password,
        "ACCORD_LEDGER_ACCOUNTS": TRYTON_CHART,
    }
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL", "ACCORD_CONFIG"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def own_tryton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTryton]:
    """A Tryton of its own, so this hub's invoices are the only ones in it: after the
    other tests' postings into the session's Tryton, this hub's invoices stayed in draft."""
    try:
        with tryton_testing.running_tryton(tmp_path_factory.mktemp("tryton-up")) as server:
            yield server
    except tryton_testing.TrytonStartError as error:
        cannot_start(f"Tryton could not be started: {error}")


@pytest.fixture
def hub_on_tryton(own_tryton: RunningTryton, tmp_path: Path) -> Iterator[Path]:
    env = _env(own_tryton, tmp_path) | {"ACCORD_HTTP_PORT": str(_free_port())}
    log = tmp_path / "up.log"
    config = _landscape(tmp_path, own_tryton)
    command = [sys.executable, "-m", "accord.cli", "up", "--config", str(config)]
    process = subprocess.Popen(
        [*command, "--start", "2026-01-26", "--speed", "86400", "--allow-lost-changes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        yield log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _eventually(probe: Callable[[], Any], log: Path, what: str) -> Any:
    deadline = time.monotonic() + WITHIN_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(1.0)
    raise AssertionError(f"{what} not seen within {WITHIN_SECONDS} s; hub log:\n{log.read_text()}")


def _all(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows once there is one per contract, else nothing yet."""
    return rows if len(rows) == CONTRACTS else []


def _post_journals(server: RunningTryton, folder: Path) -> subprocess.CompletedProcess[str]:
    """`accord journals post 2026-01 --entity DE01` on the running hub's store and ERP."""
    args = ["journals", "post", "2026-01", "--entity", "DE01"]
    config = ["--config", str(folder / "landscape.yaml")]
    return run_accord([*args, *config], _env(server, folder) | {"COLUMNS": "250"})


def test_contracts_and_approved_time_reach_tryton_once(
    own_tryton: RunningTryton, hub_on_tryton: Path
) -> None:
    erp = TrytonErpConnector(
        TrytonSettings(own_tryton.url, own_tryton.database, own_tryton.login, own_tryton.password)
    )

    def read(model: str, domain: list[Any], fields: list[str]) -> Any:
        return erp.rpc.model(model, "search_read", domain, 0, None, None, fields)

    try:
        customers = [f"C{n:02d}" for n in range(1, CONTRACTS + 1)]
        parties = _eventually(
            lambda: _all(read("party.party", [("code", "in", customers)], ["addresses"])),
            hub_on_tryton,
            "the contracts' customers in Tryton",
        )
        ours = [party["id"] for party in parties]
        works = _eventually(
            lambda: _all(read("project.work", [("party", "in", ours)], ["number", "type"])),
            hub_on_tryton,
            "the contracts' projects in Tryton",
        )
        invoices = _eventually(
            lambda: read(
                "account.invoice",
                [("party", "in", ours), ("type", "=", "out"), ("state", "=", "posted")],
                ["reference", "total_amount"],
            ),
            hub_on_tryton,
            "a posted invoice in Tryton",
        )
        journals = _post_journals(own_tryton, hub_on_tryton.parent)
        moves = read("account.move", [("description", "like", "DE01/2026-01/%")], ["state"])
    finally:
        erp.close()

    assert journals.returncode in (0, 1), journals.stdout + journals.stderr  # 1: one refused
    assert "DE01/2026-01/revenue/" in journals.stdout
    assert moves and {move["state"] for move in moves} == {"posted"}
    assert all(len(party["addresses"]) == 1 for party in parties)
    assert sorted(work["number"] for work in works) == ["K001", "K002", "K003"]
    assert {work["type"] for work in works} == {"project"}
    references = [invoice["reference"] for invoice in invoices]
    assert len(references) == len(set(references))  # each document posted once
    assert all(invoice["total_amount"] > 0 for invoice in invoices)
