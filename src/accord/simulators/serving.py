"""Serving a vendor simulator as a process of its own, its records in a state directory
(`serve`), and the log of the requests it received (`request_log`)."""

from __future__ import annotations

import argparse
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from accord.simulators.state import StateStore

REQUESTS_KEPT = 10_000
"""How many requests a simulator's log keeps: a landscape serves for days."""


def request_log() -> deque[str]:
    """`METHOD path` of the requests a simulator received, oldest first: the last
    `REQUESTS_KEPT` of them, so a simulator serving for days does not grow without end."""
    return deque(maxlen=REQUESTS_KEPT)


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
