"""`accord connectors check` against a live Tryton as the ERP, the rest the sandbox."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape as Sandbox
from accord.connectors.tryton.testing import RunningTryton

pytestmark = pytest.mark.tryton

ACCORD = str(Path(sys.executable).with_name("accord"))


def landscape(folder: Path, server: RunningTryton) -> Path:
    path = folder / "landscape.yaml"
    path.write_text(
        "version: 1\nsandbox: {}\nsystems:\n  erp:\n    connector: tryton\n"
        f"    base_url: {server.url}\n"
        f"    settings: {{database: {server.database}, login: {server.login}, "
        "password: {env: TEST_TRYTON_PASSWORD}}\n"
    )
    return path


def check(config: Path, sandbox: Sandbox, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCORD, "connectors", "check", "--config", str(config), "--sandbox-url", sandbox.url],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "COLUMNS": "200",
            "PATH": str(Path(sys.executable).parent),
            "TEST_TRYTON_PASSWORD": password,
        },
        check=False,
    )


def test_tryton_is_reached_logged_in_and_read_and_a_wrong_password_fails_it(
    tryton_server: RunningTryton, tmp_path: Path
) -> None:
    config = landscape(tmp_path, tryton_server)
    sandbox = Sandbox(clock=SandboxClock(start=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))).start()
    try:
        good = check(config, sandbox, tryton_server.password)
        wrong = check(config, sandbox, "not-the-password")
    finally:
        sandbox.stop()

    assert good.returncode == 0, good.stdout + good.stderr
    erp = next(line for line in good.stdout.splitlines() if "tryton" in line)
    assert erp.split("│")[3:6] == [" yes       ", " yes           ", " yes  "], erp
    assert tryton_server.database in erp
    assert wrong.returncode == 1
    refused = next(line for line in wrong.stdout.splitlines() if "tryton" in line)
    assert refused.split("│")[3:5] == [" yes       ", " no            "], refused
    assert "not-the-password" not in wrong.stdout + wrong.stderr
    assert "Traceback" not in wrong.stdout + wrong.stderr
