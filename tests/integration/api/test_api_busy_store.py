"""A busy store answers 503 with `Retry-After` within a few seconds, never a 500 after
the store's old 30 s busy timeout.

The writer is another connection holding the SQLite write lock (an immediate
transaction left open), as a long month-end run does. A read still answers at once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accord.application.security import Role
from accord.http.problems import PROBLEM_JSON
from tests.integration.api.conftest import ApiWorld, customer_event, make_world

ANSWERED_WITHIN_SECONDS = 15.0
"""The longest a user may wait, with room for a loaded machine (the store waits 5 s)."""
BUSY_TIMEOUT_SECONDS = 1.0
"""The store's wait for the lock here: the same give-up path as its 5 s, a fifth of the
test time."""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    """The API world on a hub whose every store connection waits this long."""
    url = f"sqlite:///{tmp_path / 'accord.sqlite'}"
    built = make_world(tmp_path, url, store_busy_timeout=BUSY_TIMEOUT_SECONDS)
    yield built
    built.client.close()
    built.hub.close()


class Writer:
    """Another connection holding the store's write lock until `release`."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self._connection.in_transaction:
            self._connection.rollback()


@pytest.fixture
def writer(tmp_path: Path, world: ApiWorld) -> Iterator[Writer]:
    held = Writer(tmp_path / "accord.sqlite")
    yield held
    held.release()


def _timed_post(world: ApiWorld, headers: dict[str, str]) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = world.client.post(
        "/api/v1/events",
        json=[customer_event("busy-1")],
        headers=world.as_role(Role.INTEGRATION) | headers,
    )
    return time.monotonic() - started, response


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "busy-key-1"}])
def test_a_write_meeting_a_held_lock_is_a_503_with_retry_after(
    world: ApiWorld, writer: Writer, headers: dict[str, str]
) -> None:
    elapsed, response = _timed_post(world, headers)

    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 503
    assert body["type"].endswith("/store-busy")
    assert "try again" in body["detail"]
    assert BUSY_TIMEOUT_SECONDS <= elapsed < ANSWERED_WITHIN_SECONDS, (
        f"answered after {elapsed:.1f} s"
    )
    status = world.client.get("/api/v1/status", headers=world.as_role(Role.VIEWER))
    assert status.status_code == 200, "a read answers while the writer holds the lock"


def test_the_same_request_succeeds_once_the_writer_is_done(world: ApiWorld, writer: Writer) -> None:
    _, refused = _timed_post(world, {"Idempotency-Key": "busy-key-2"})
    assert refused.status_code == 503
    writer.release()

    _, accepted = _timed_post(world, {"Idempotency-Key": "busy-key-2"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["accepted"] == 1
    status = world.client.get("/api/v1/status", headers=world.as_role(Role.VIEWER)).json()
    assert sum(status["counts"].values()) == 1, "the refused request stored nothing"
