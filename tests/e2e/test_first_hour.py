"""The first hour with Accord, as a new user meets it.

The first `accord up` on a new home prints a banner with the dashboard's address and an
admin key; that key still signs in after the sandbox has run more than a simulated
quarter (key expiry follows the wall clock, not the sandbox's). A second `accord up` on
the same port is refused before it says it is up.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

QUARTER_FAST = ("--speed", "864000", "--allow-lost-changes")
"""Ten simulated days a second: a quarter passes in about ten seconds."""
START = date(2026, 1, 5)
WAIT_SECONDS = 180.0
"""Cap on each wait (start, a simulated quarter): generous for a busy shared machine."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FirstStart:
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]

    def banner(self) -> str:
        return self.log.read_text()


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out after {WAIT_SECONDS} s waiting for {what}")


@pytest.fixture(scope="module")
def first_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstStart]:
    home = tmp_path_factory.mktemp("new-home") / "home"
    port = _free_port()
    env = os.environ | {"ACCORD_HOME": str(home), "ACCORD_HTTP_PORT": str(port)}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL", "ACCORD_LOG_LEVEL"):
        env.pop(name, None)
    log = home.parent / "console.log"
    command = [sys.executable, "-m", "accord.cli", "up", "--start", START.isoformat()]
    process = subprocess.Popen([*command, *QUARTER_FAST], env=env, stderr=log.open("w"))
    started = FirstStart(port, env, log, process)
    try:
        _wait(lambda: "Accord is up" in started.banner(), "the banner")
        yield started
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.mark.slow
def test_the_first_start_prints_a_banner_with_an_admin_key_that_outlives_a_quarter(
    first_start: FirstStart,
) -> None:
    banner = first_start.banner()
    assert f"Accord is up: dashboard http://127.0.0.1:{first_start.port}/" in banner
    assert "Stop with Ctrl-C" in banner and str(first_start.env["ACCORD_HOME"]) in banner
    assert "Traceback" not in banner and "DBOS Conductor" not in banner
    token = re.search(r"^\s+(acc_\S+)$", banner, re.MULTILINE)
    assert token, banner
    sandbox = re.search(r"Sandbox: (http://[\d.:]+)", banner)
    assert sandbox, banner

    def simulated_today() -> date:
        clock = httpx.get(f"{sandbox.group(1)}/psa/_sandbox/clock", timeout=10).json()
        return datetime.fromisoformat(clock["now"]).date()

    _wait(lambda: (simulated_today() - START).days > 92, "a simulated quarter")

    base = f"http://127.0.0.1:{first_start.port}"
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    keys = httpx.get(f"{base}/api/v1/keys", headers=headers, timeout=30)
    assert keys.status_code == 200, keys.text
    assert [(key["name"], key["roles"], key["state"]) for key in keys.json()] == [
        ("first-admin", ["admin"], "active")
    ]
    with httpx.Client(base_url=base, timeout=30) as browser:
        signed_in = browser.post("/login", data={"token": token.group(1)}, headers={"Origin": base})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        assert browser.get("/").status_code == 200


def test_a_second_start_on_the_same_port_is_refused_before_it_says_it_is_up(
    first_start: FirstStart, tmp_path: Path
) -> None:
    env = first_start.env | {"ACCORD_HOME": str(tmp_path / "other")}
    second = subprocess.run(
        [sys.executable, "-m", "accord.cli", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 1
    assert "Accord is up" not in second.stdout + second.stderr
    assert f"port {first_start.port} on 127.0.0.1 is already in use" in second.stderr
    assert "Traceback" not in second.stderr
