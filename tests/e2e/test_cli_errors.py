"""The command line as a user meets it when something is wrong: one message saying what
and what to do, exit 2 for bad input or configuration, 1 for a service that does not
answer, never a traceback (unless --debug); `--help` and `--version` answer at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def _refused_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accord(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "ACCORD_HOME": str(home), "COLUMNS": "80"}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL", "ACCORD_DEBUG"):
        environ.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        env=environ | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands_and_version_names_the_release(tmp_path: Path) -> None:
    shown = _accord(tmp_path, "--help")
    assert shown.returncode == 0
    for command in ("up", "keys", "exceptions", "reconciliation", "sandbox", "status"):
        assert f" {command} " in shown.stdout
    version = _accord(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("accord 0.")


def test_a_database_that_does_not_answer_is_exit_1_with_the_url_and_no_traceback(
    tmp_path: Path,
) -> None:
    url = f"postgresql+psycopg://accord:secret@127.0.0.1:{_refused_port()}/accord"
    failed = _accord(tmp_path, "keys", "list", ACCORD_DATABASE_URL=url)
    assert failed.returncode == 1, failed.stderr
    assert "does not answer" in failed.stderr and "Traceback" not in failed.stderr
    assert "accord:***@127.0.0.1" in failed.stderr and "secret" not in failed.stderr


def test_a_malformed_database_url_is_exit_2_saying_what_a_url_looks_like(tmp_path: Path) -> None:
    failed = _accord(tmp_path, "status", ACCORD_DATABASE_URL="postgres//nowhere")
    assert failed.returncode == 2, failed.stderr
    assert "not a usable database URL" in failed.stderr and "postgresql+psycopg://" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_nats_that_does_not_answer_is_exit_1_at_once_and_debug_shows_the_traceback(
    tmp_path: Path,
) -> None:
    nats = f"nats://127.0.0.1:{_refused_port()}"
    failed = _accord(tmp_path, "status", ACCORD_NATS_URL=nats)
    assert failed.returncode == 1, failed.stderr
    assert f"NATS at ACCORD_NATS_URL ({nats}) does not answer" in failed.stderr
    assert "Traceback" not in failed.stderr

    debugged = _accord(tmp_path, "--debug", "status", ACCORD_NATS_URL=nats)
    assert debugged.returncode == 1 and "NatsUnreachable" in debugged.stderr


def _generic_landscape(folder: Path) -> Path:
    """A landscape whose generic CRM and PSA are read through feeds that age out (the
    default landscape's vendor connectors poll by stamp: no speed loses a change there)."""
    path = folder / "landscape.yaml"
    path.write_text("version: 1\nsandbox: {vendors: false}\n")
    return path


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--speed", "86400", "--config", "{generic}"), "changes can be lost"),
        (("--log-level", "chatty"), "is not one of"),
    ],
)
def test_up_refuses_a_speed_that_loses_changes_and_an_unknown_log_level(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    generic = str(_generic_landscape(tmp_path))
    refused = _accord(tmp_path, "up", *(arg.format(generic=generic) for arg in args))
    assert refused.returncode == 2, refused.stderr
    said_flat = " ".join(refused.stderr.split())
    assert said in said_flat and "Accord is up" not in said_flat
    assert not (tmp_path / "accord.sqlite").exists()  # refused before anything started


def test_the_sandbox_alone_refuses_a_speed_that_loses_changes(tmp_path: Path) -> None:
    refused = _accord(tmp_path, "sandbox", "up", "--port", "0", "--speed", "86400")
    assert refused.returncode == 2, refused.stderr
    said_flat = " ".join(refused.stderr.split())
    assert "changes can be lost" in said_flat and "sandbox landscape up" not in said_flat
    assert not (tmp_path / "sandbox").exists()  # refused before anything started
