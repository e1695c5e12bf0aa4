"""What `accord up` checks and says before and as it starts: a free port, the console's
log level, the admin key of a new home and the banner.

The console is for a person: Accord's own INFO lines and warnings from everywhere show;
per-request lines and the chatter of libraries (HTTP clients and servers, migrations,
DBOS) show only at `--log-level debug`.
"""

from __future__ import annotations

import errno
import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from accord.application.governance import Governance
from accord.application.security import Role
from accord.observability import configure_logging

CHATTY_LOGGERS = (
    "httpx",
    "httpcore",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "alembic",
    "dbos",
    "sqlalchemy",
    "accord.api.access",
    "accord.connector",
)
"""Loggers whose INFO lines are per request or library detail: DEBUG-only on the console."""
FIRST_ADMIN_NAME = "first-admin"
FIRST_ADMIN_DAYS = 90


class PortBusy(OSError):
    """The HTTP port is taken, most often by another `accord up`."""


def require_free_port(host: str, port: int) -> None:
    """Raise `PortBusy` when `host:port` cannot be bound (port 0 picks a free one)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortBusy(
                f"port {port} on {host} is already in use (another `accord up`?). Stop "
                "that process, or start this one on another port: --port or ACCORD_HTTP_PORT."
            ) from None


LOG_LEVELS = ("debug", "info", "warning", "error")


class BadLogLevel(ValueError):
    """A `--log-level` that is not one of `LOG_LEVELS`."""


def check_log_level(level: str) -> None:
    """Raise `BadLogLevel` unless `level` is one of `LOG_LEVELS`."""
    if level.lower() not in LOG_LEVELS:
        raise BadLogLevel(f"--log-level {level!r} is not one of: {', '.join(LOG_LEVELS)}")


def configure_console(level: str) -> None:
    """Log at `level` on the console, with `CHATTY_LOGGERS` below WARNING kept off it
    unless `level` is debug."""
    check_log_level(level)
    configure_logging(level.upper())
    quiet = level.lower() != "debug"
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)


def bound_port(server: Any, port: int) -> int:
    """The port the started `server` (uvicorn) listens on: `port`, or the one the
    system picked for port 0."""
    for listening in getattr(server, "servers", []):
        for sock in listening.sockets:
            return int(sock.getsockname()[1])
    return port


def create_first_admin_key(governance: Governance) -> str | None:
    """On a home without any API key yet, create an admin key and return its token
    (shown once); `None` when the home already has keys."""
    if governance.keys.list():
        return None
    with governance.audit.transaction():
        issued = governance.keys.create(
            FIRST_ADMIN_NAME, [Role.ADMIN], timedelta(days=FIRST_ADMIN_DAYS)
        )
        governance.audit.record(
            "cli:accord-up",
            "api_key.created",
            f"api_key:{issued.record.key_id}",
            after={"name": FIRST_ADMIN_NAME, "roles": [Role.ADMIN], "days": FIRST_ADMIN_DAYS},
            correlation_id=f"cli:{issued.record.key_id}",
        )
    return issued.token


@dataclass(frozen=True)
class Banner:
    """What a person needs once the hub answers: where, how to sign in, where the
    state is, how to stop."""

    url: str
    home: Path
    systems: str
    """Where the systems are: the sandbox's address and speed, or the landscape file."""
    admin_token: str | None

    def lines(self) -> list[str]:
        if self.admin_token:
            sign_in = [
                "Sign in with this admin key (shown once; store it now, it expires in "
                f"{FIRST_ADMIN_DAYS} days):",
                f"  {self.admin_token}",
                "More keys: accord keys create NAME --role viewer|billing|finance|admin",
            ]
        else:
            sign_in = [
                "Sign in with an API key; create one with: accord keys create NAME --role admin",
            ]
        return [
            f"Accord is up: dashboard {self.url}",
            *sign_in,
            f"Home (all state): {self.home}",
            self.systems,
            "Stop with Ctrl-C; more detail on the console with --log-level debug.",
        ]
