"""`accord` commands run as their own process, forked from the test process.

Starting a fresh interpreter for every command costs ~1.5 s of imports (seconds on a
loaded machine), most of a short command's time. `run_accord` forks instead: the child
has the libraries the test process imported already, loads the `accord.cli` modules
anew under the command's own environment (so their consoles read COLUMNS and the like
as in a new process), runs the command with its arguments and exits with its exit code.
Stdout and stderr are read back separately, as `subprocess.run(capture_output=True)`
gives them. Commands that serve or run for long (`accord up`) start a real interpreter
instead: see the tests that start the hub. So do commands that may validate e-invoices:
a forked child cannot use the Saxon runtime (a native image with threads of its own)
that the test process may have started.
"""

from __future__ import annotations

import io
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Mapping

import accord.cli.main  # noqa: F401  (its libraries, imported before forking, stay loaded)


def run_accord(
    args: list[str], env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `accord ARGS` with exactly `env` in a forked process; what it wrote and its
    exit code. Fails the test if it has not ended within `timeout` seconds."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(out_read)
        os.close(err_read)
        _child(args, env, out_write, err_write)
    os.close(out_write)
    os.close(err_write)
    stdout, stderr = _read_both(out_read, err_read, pid, timeout)
    _, status = os.waitpid(pid, 0)
    command = ["accord", *args]
    return subprocess.CompletedProcess(command, os.waitstatus_to_exitcode(status), stdout, stderr)


def _child(args: list[str], env: Mapping[str, str], out: int, err: int) -> None:
    """In the forked process: the command's environment, fresh CLI modules, its exit."""
    code = 1
    try:
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdin = io.TextIOWrapper(open(os.devnull, "rb"))  # noqa: SIM115
        sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), write_through=True)
        sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), write_through=True)
        os.environ.clear()
        os.environ.update(env)
        logging.root.handlers.clear()  # the test runner's capture; a new process has none
        logging.root.setLevel(logging.WARNING)
        for name in [m for m in sys.modules if m == "accord.cli" or m.startswith("accord.cli.")]:
            del sys.modules[name]
        sys.argv = ["accord", *args]
        from accord.cli.main import app

        app()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


def _read_both(out: int, err: int, pid: int, timeout: float) -> tuple[str, str]:
    chunks: dict[int, list[bytes]] = {out: [], err: []}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise AssertionError(f"accord did not end within {timeout} s")
            for key, _ in selector.select(timeout=1):
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    return (
        b"".join(chunks[out]).decode(errors="replace"),
        b"".join(chunks[err]).decode(errors="replace"),
    )
