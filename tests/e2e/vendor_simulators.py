"""A vendor simulator as a test runs it: `python -m accord.simulators.<vendor>` in a
process of its own, on one port across restarts, its records in a state directory when
given one, SIGKILLed or stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.tryton.up_hub import WITHIN_SECONDS, free_port


class VendorSimulator:
    """One vendor simulator process, started again on the same port after a kill."""

    def __init__(self, vendor: str, folder: Path, state_dir: Path | None = None) -> None:
        self.vendor = vendor
        self.url = ""
        self._port = free_port()
        self._folder = folder
        self._command = [sys.executable, "-m", f"accord.simulators.{vendor}"]
        self._command += ["--port", str(self._port)]
        if state_dir is not None:
            self._command += ["--state-dir", str(state_dir)]
        self._starts = 0
        self._log = folder / f"{vendor}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        """Start the process (its log is `<vendor>-N.log` for the Nth start)."""
        self._starts += 1
        self._log = self._folder / f"{self.vendor}-{self._starts}.log"
        self._process = subprocess.Popen(
            self._command, stdout=subprocess.DEVNULL, stderr=self._log.open("w")
        )
        self.url = f"http://127.0.0.1:{self._port}"

    def answers(self) -> bool:
        assert self._process is not None and self._process.poll() is None, self._log.read_text()
        try:
            httpx.get(self.url, timeout=5)
        except httpx.TransportError:
            return False
        return True

    def wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + WITHIN_SECONDS
        while not self.answers():
            assert time.monotonic() < deadline, f"{self.vendor} silent: {self._log.read_text()}"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no clean-up, whatever the simulator was doing."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=30)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)
