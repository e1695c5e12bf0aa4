"""`accord config check` and `accord connectors check` as an operator runs them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape as Sandbox

ACCORD = str(Path(sys.executable).with_name("accord"))
LANDSCAPE = """\
version: 1
sandbox: {}
systems:
  erp:
    connector: tryton
    base_url: http://127.0.0.1:9
    settings: {database: accord, login: admin, password: {env: LANDSCAPE_TEST_PASSWORD}}
"""


def accord(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCORD, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": str(Path(sys.executable).parent), **env},
        check=False,
    )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """The six simulated systems, served without activity."""
    started = Sandbox(clock=SandboxClock(start=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))).start()
    yield started
    started.stop()


def test_a_good_file_passes_and_a_bad_one_exits_2_naming_each_key(tmp_path: Path) -> None:
    good = tmp_path / "landscape.yaml"
    good.write_text(LANDSCAPE)
    bad = tmp_path / "bad.yaml"
    bad.write_text(LANDSCAPE.replace("connector: tryton", "connector: acme-ledger"))

    passed = accord("config", "check", str(good), LANDSCAPE_TEST_PASSWORD="x")
    refused = accord("config", "check", str(bad))

    assert passed.returncode == 0, passed.stderr
    assert "systems.erp" in passed.stdout and "tryton" in passed.stdout
    assert refused.returncode == 2
    for key, reason in [
        ("systems.erp.connector", "no connector 'acme-ledger'"),
        ("systems.erp.settings.password", "variable LANDSCAPE_TEST_PASSWORD is not set"),
    ]:
        line = next(line for line in refused.stderr.splitlines() if line.strip().startswith(key))
        assert reason in line, refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr


def test_up_refuses_a_bad_landscape_before_starting(tmp_path: Path) -> None:
    bad = tmp_path / "landscape.yaml"
    bad.write_text(LANDSCAPE.replace("base_url:", "base_uri:"))

    result = accord("up", "--config", str(bad), ACCORD_HOME=str(tmp_path / "home"))

    assert result.returncode == 2
    assert "systems.erp.base_uri: unknown key" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "home").exists()


def test_connectors_check_probes_the_sandbox_and_names_what_fails(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    landscape = tmp_path / "landscape.yaml"
    landscape.write_text(LANDSCAPE)

    healthy = accord("connectors", "check", "--sandbox-url", sandbox.url)
    broken = accord(
        "connectors",
        "check",
        "--config",
        str(landscape),
        "--sandbox-url",
        sandbox.url,
        LANDSCAPE_TEST_PASSWORD="x",
    )

    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    roles = ("crm", "clm", "psa", "hr", "billing", "erp")
    rows = {
        line.split()[1]: line
        for line in healthy.stdout.splitlines()
        if len(line.split()) > 3 and line.split()[1] in roles
    }
    played = {"salesforce", "salesforce-clm", "kantata", "workday", "sandbox-billing", "netsuite"}
    assert set(rows) == set(roles), healthy.stdout
    assert {row.split()[3] for row in rows.values()} == played, healthy.stdout
    assert all("yes" in row for row in rows.values())
    assert broken.returncode == 1
    erp = next(line for line in broken.stdout.splitlines() if "tryton" in line)
    assert " no " in erp and "Connection refused" in erp
    assert "systems.erp" in broken.stderr
    assert "Traceback" not in broken.stdout + broken.stderr
    assert os.environ.get("LANDSCAPE_TEST_PASSWORD") is None


def test_config_check_names_a_bad_criticality_class_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "landscape.yaml"
    bad.write_text(LANDSCAPE + "criticality:\n  flows: {approved_time: urgent}\n")

    refused = accord("config", "check", str(bad), LANDSCAPE_TEST_PASSWORD="x")

    assert refused.returncode == 2
    line = next(
        line for line in refused.stderr.splitlines() if line.strip().startswith("criticality.")
    )
    assert "criticality.flows.approved_time" in line and "'low'" in line, refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
