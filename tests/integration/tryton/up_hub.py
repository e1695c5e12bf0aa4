"""`accord up --config` as a test drives it: started, SIGKILLed, restarted on the same
home, read through its API (with the admin key its banner showed) and its sandbox."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

WITHIN_SECONDS = 300.0
"""A generous cap on a loaded machine: the hub starts, loads the small firm, activates
its contracts and reaches month end (five simulated days) in well under a minute idle."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UpProcess:
    """One hub home, run by `accord up --config` one start after another."""

    def __init__(self, command: list[str], env: dict[str, str], folder: Path) -> None:
        self._command = command
        self._env = env | {"COLUMNS": "250"}
        self.folder = folder
        self.log = folder / "up.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.api = ""
        self.token = ""
        self.sandbox = ""

    def start(self) -> None:
        """Start the hub on its home and wait for its banner (its log is `up-N.log` for
        the Nth start): the first start's banner holds the admin key."""
        port = free_port()
        self.log = self.folder / f"up-{len(list(self.folder.glob('up-*.log'))) + 1}.log"
        self._process = subprocess.Popen(
            [*self._command, "--port", str(port)],
            env=self._env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        banner = self.eventually(lambda: self._read_banner(), "the hub's banner")
        self.api = f"http://127.0.0.1:{port}"
        self.sandbox = banner["sandbox"]
        self.token = self.token or banner["token"]

    def _read_banner(self) -> dict[str, str] | None:
        text = self.log.read_text(errors="replace")
        sandbox = re.search(r"Sandbox: (\S+?),", text)
        if sandbox is None:
            return None
        token = re.search(r"admin key.*\n\s+(\S+)", text)
        return {"sandbox": sandbox.group(1), "token": token.group(1) if token else ""}

    def kill(self) -> None:
        """SIGKILL: no clean-up, whatever the hub was doing."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=30)

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def get(self, path: str) -> Any:
        """A read of the hub's API as its admin."""
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.get(f"{self.api}/api/v1{path}", headers=headers, timeout=30)
        response.raise_for_status()
        return response.json()

    def crm(self, sobject: str) -> list[dict[str, Any]]:
        """Every record of one type the sandbox CRM holds."""
        url = f"{self.sandbox}/crm/sobjects/{sobject}"
        items: list[dict[str, Any]] = httpx.get(url, params={"limit": 2000}, timeout=30).json()[
            "items"
        ]
        return items

    def eventually(self, probe: Callable[[], Any], what: str, every: float = 1.0) -> Any:
        deadline = time.monotonic() + WITHIN_SECONDS
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(every)
        raise AssertionError(
            f"{what} not seen within {WITHIN_SECONDS} s; hub log:\n{self.log.read_text()}"
        )
