"""The command line's start: `accord --help` against `python -c pass`.

Each is run as a new process, as a person runs it, `ACCORD_BENCH_CLI_RUNS` times (default
7); the median wall time counts. The baseline is the interpreter's own start on the same
machine, so the ratio is what Accord's command table and Typer add to it. Commands
import their modules only when they run (`accord.cli.lazy`), so this stays well under a
second whatever the commands import.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

RUNS = int(os.environ.get("ACCORD_BENCH_CLI_RUNS", "7"))


def _median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(runs: int = RUNS) -> list[dict[str, Any]]:
    help_seconds = _median_seconds([sys.executable, "-m", "accord.cli", "--help"], runs)
    baseline = _median_seconds([sys.executable, "-c", "pass"], runs)
    value, base = help_seconds * 1000, baseline * 1000
    return [
        {
            "name": "cli: `accord --help` wall time",
            "value": value,
            "unit": "ms",
            "baseline": "`python -c pass`, same interpreter",
            "baseline_value": base,
            "ratio": value / base,
            "notes": f"median of {runs} runs each, new processes",
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
