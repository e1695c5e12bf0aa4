"""A live, throw-away ``trytond`` for tests and local demos.

Initialising a Tryton database (module activation plus the accounting set-up of
:mod:`accord.connectors.tryton.provision`) costs tens of seconds of CPU, so the
initialised SQLite file is cached, keyed on the installed Tryton versions and the
set-up script, and copied into a private work directory for every run. The server runs
as a subprocess on a free 127.0.0.1 port and is stopped when the context exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from accord.connectors.tryton import provision

MODULES = ("project_invoice", "timesheet_cost", "project_revenue", "account_payment")
DATABASE_NAME = "accord"
ADMIN_LOGIN = "admin"
# A fixed password is fine: the database is a private, local, throw-away copy.
ADMIN_PASSWORD = "accord-test-admin"
ADMIN_EMAIL = "admin@example.invalid"
START_TIMEOUT_SECONDS = 60.0


class TrytonStartError(RuntimeError):
    """The test Tryton could not be initialised or started; the message says why."""


@dataclass(frozen=True)
class RunningTryton:
    """Where a started trytond answers and how to log in to it."""

    url: str
    database: str
    login: str
    password: str
    database_file: Path
    log_file: Path


def default_cache_dir() -> Path:
    """``$ACCORD_TRYTON_CACHE`` or ``~/.cache/accord/tryton``."""
    configured = os.environ.get("ACCORD_TRYTON_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "accord" / "tryton"


def cache_key() -> str:
    """Hash of everything that shapes the initialised database."""
    digest = hashlib.sha256()
    for distribution in sorted(importlib.metadata.distributions(), key=_name):
        name = _name(distribution)
        if name.startswith("trytond") or name == "proteus":
            digest.update(f"{name}=={distribution.version}\n".encode())
    digest.update(" ".join(MODULES).encode())
    digest.update(Path(provision.__file__).read_bytes())
    digest.update(str(provision.FISCAL_YEARS).encode())
    return digest.hexdigest()[:16]


def _name(distribution: importlib.metadata.Distribution) -> str:
    return str(distribution.metadata["Name"]).lower().replace("_", "-")


def initialised_database(cache_dir: Path) -> Path:
    """Path of the cached initialised database file, building it first if missing.

    A file lock serialises concurrent test sessions so only one of them initialises.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"{DATABASE_NAME}-{cache_key()}.sqlite"
    with (cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cached.exists():
            _build_database(cache_dir, cached)
    return cached


def _build_database(cache_dir: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="build-") as build:
        build_dir = Path(build)
        config = write_config(build_dir, port=0)
        (build_dir / f"{DATABASE_NAME}.sqlite").touch()
        password_file = build_dir / "admin-password"
        password_file.write_text(ADMIN_PASSWORD)
        env = {**os.environ, "TRYTONPASSFILE": str(password_file)}
        admin = [_tool("trytond-admin"), "-c", str(config), "-d", DATABASE_NAME]
        _run(
            [*admin, "--email", ADMIN_EMAIL, "--activate-dependencies", "-u", *MODULES],
            env,
            build_dir / "admin.log",
        )
        provision_module = "accord.connectors.tryton.provision"
        _run(
            [sys.executable, "-m", provision_module, str(config), DATABASE_NAME],
            env,
            build_dir / "provision.log",
        )
        os.replace(build_dir / f"{DATABASE_NAME}.sqlite", target)


def _run(command: list[str], env: dict[str, str], log_file: Path) -> None:
    with log_file.open("wb") as log:
        result = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = log_file.read_text(errors="replace")[-3000:]
        raise TrytonStartError(
            f"{Path(command[0]).name} {' '.join(command[1:3])} failed "
            f"(exit {result.returncode}); last output:\n{tail}"
        )


def _tool(name: str) -> str:
    """A trytond console script from the running interpreter's environment."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise TrytonStartError(
            f"{name} is not installed; install Accord with the Tryton extra: "
            "pip install -e '.[tryton]'"
        )
    return found


def write_config(directory: Path, port: int) -> Path:
    """A trytond configuration using SQLite files in ``directory``."""
    config = directory / "trytond.conf"
    config.write_text(
        "[database]\nuri = sqlite://\n"
        f"path = {directory}\n"
        f"[web]\nlisten = 127.0.0.1:{port}\n"
        "[session]\ntimeout = 300\n"
    )
    return config


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_tryton(work_dir: Path, cache_dir: Path | None = None) -> Iterator[RunningTryton]:
    """Start trytond on a private copy of the initialised database; stop it on exit."""
    cached = initialised_database(cache_dir or default_cache_dir())
    work_dir.mkdir(parents=True, exist_ok=True)
    database_file = work_dir / f"{DATABASE_NAME}.sqlite"
    shutil.copyfile(cached, database_file)
    port = free_port()
    config = write_config(work_dir, port)
    log_file = work_dir / "trytond.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [_tool("trytond"), "-c", str(config), "-d", DATABASE_NAME],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RunningTryton(
        url=f"http://127.0.0.1:{port}",
        database=DATABASE_NAME,
        login=ADMIN_LOGIN,
        password=ADMIN_PASSWORD,
        database_file=database_file,
        log_file=log_file,
    )
    try:
        _wait_until_answering(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(server: RunningTryton, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    # Any HTTP answer means the server is up; unauthenticated calls get 401.
    request = {"id": 0, "method": "common.server.version", "params": []}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TrytonStartError(
                f"trytond exited with {process.returncode}; log:\n"
                + server.log_file.read_text(errors="replace")[-3000:]
            )
        try:
            response = httpx.post(f"{server.url}/{server.database}/rpc/", json=request, timeout=2)
            if response.status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TrytonStartError(
        f"trytond did not answer on {server.url} within {START_TIMEOUT_SECONDS:.0f} s; "
        f"see {server.log_file}"
    )
