"""A live trytond for the Tryton connector tests, installed, set up and started here.

The initialised database is cached (see `accord.connectors.tryton.testing`); each test
session copies it and starts its own server. Locally a Tryton that cannot be started
skips the tests; with CI=true it fails them, so CI never passes without Tryton.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from accord.connectors.tryton import (
    InMemoryExternalIdMap,
    TrytonErpConnector,
    TrytonSettings,
    testing,
)
from accord.connectors.tryton.testing import RunningTryton

SET_UP_SECONDS: dict[str, float] = {}


def cannot_start(message: str) -> None:
    """Skip locally, fail on CI: CI never passes without a live Tryton."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI requires a live Tryton", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTryton]:
    """A started trytond on a private copy of the cached, initialised database."""
    cache_dir = testing.default_cache_dir()
    cold = not (cache_dir / f"{testing.DATABASE_NAME}-{testing.cache_key()}.sqlite").exists()
    started = time.monotonic()
    try:
        with testing.running_tryton(tmp_path_factory.mktemp("tryton"), cache_dir) as server:
            SET_UP_SECONDS["cold" if cold else "warm"] = time.monotonic() - started
            yield server
    except testing.TrytonStartError as error:
        cannot_start(f"Tryton could not be started: {error}")


@pytest.fixture
def connector(tryton_server: RunningTryton) -> Iterator[TrytonErpConnector]:
    """A connector with an empty id map, as the hub would build it."""
    settings = TrytonSettings(
        url=tryton_server.url,
        database=tryton_server.database,
        login=tryton_server.login,
        password=tryton_server.password,
    )
    built = TrytonErpConnector(settings, InMemoryExternalIdMap())
    yield built
    built.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for kind, seconds in SET_UP_SECONDS.items():
        terminalreporter.write_line(f"tryton: {kind} set-up and start took {seconds:.1f} s")


@pytest.fixture(scope="module")
def connector_module(tryton_server: RunningTryton) -> Iterator[TrytonErpConnector]:
    """One connector for a module's tests (its id map and set-up shared between them)."""
    built = TrytonErpConnector(
        TrytonSettings(
            tryton_server.url, tryton_server.database, tryton_server.login, tryton_server.password
        ),
        InMemoryExternalIdMap(),
    )
    yield built
    built.close()
