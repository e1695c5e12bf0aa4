"""What the vendor simulators share: fault knobs (an outage, throttling, server errors,
latency and duplicated records, switched on by tests and demos) and serving one as a
process of its own (`serve`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn


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


def serve(app: Any, name: str, argv: Sequence[str] | None = None) -> None:
    """Serve a simulator's ASGI `app` on `--host` (default 127.0.0.1) and `--port`
    until interrupted: a simulator of its own, in its own process, that a hub reaches
    as it would the vendor (an `accord up` whose landscape names its URL), and that
    keeps its records while the hub is stopped or killed."""
    parser = argparse.ArgumentParser(
        prog=f"python -m accord.simulators.{name}",
        description=f"Serve the {name} simulator over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning")
