"""What the vendor simulators share: fault knobs (an outage, throttling, server errors,
latency and duplicated records, switched on by tests and demos) and serving one as a
process of its own, its records in a state directory (`serve`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from accord.simulators.state import StateStore


@dataclass(frozen=True)
class Fault:
    """The HTTP status (and headers) a simulator answers a request with instead."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Faults:
    """What the simulator does wrong, switched on by tests (counts are requests left)."""

    outage: bool = False
    throttle: int = 0
    retry_after: str | None = "1"
    server_errors: int = 0
    latency_seconds: float = 0.0
    duplicates: bool = False

    def take(self) -> Fault | None:
        """The fault this request meets, if any: 503 during an outage, else 429 (with
        `Retry-After`) or 500 while their counts last, one spent. Call it under the
        simulator's lock: concurrent requests spend a count once."""
        if self.outage:
            return Fault(503)
        if self.throttle > 0:
            self.throttle -= 1
            return Fault(429, {"Retry-After": self.retry_after} if self.retry_after else {})
        if self.server_errors > 0:
            self.server_errors -= 1
            return Fault(500)
        return None


def serve(build: Callable[[StateStore], Any], name: str, argv: Sequence[str] | None = None) -> None:
    """Serve the ASGI app `build` makes on `--host` (default 127.0.0.1) and `--port`
    until interrupted: a simulator of its own, in its own process, that a hub reaches
    as it would the vendor (an `accord up` whose landscape names its URL). With
    `--state-dir` its records are kept there, so a restarted simulator finds them
    (`build` gets that directory's store); without, they live as long as the process."""
    parser = argparse.ArgumentParser(
        prog=f"python -m accord.simulators.{name}",
        description=f"Serve the {name} simulator over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, default=None)
    options = parser.parse_args(argv)
    app = build(StateStore.in_directory(options.state_dir, name))
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning")
