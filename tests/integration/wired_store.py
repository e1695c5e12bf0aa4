"""The hub's store on every database Accord supports, for the tests that must hold on
each: SQLite (the embedded default), PostgreSQL and MariaDB (their services required
under CI, see `tests/conftest.py`).

A module parametrizes its store with `DATABASES` and `database_url_of`, and wires the
sandbox hub on it with `wired_hub`:

    @pytest.fixture(params=DATABASES)
    def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
        return database_url_of(request, tmp_path)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from accord.adapters.store import create_store_engine, migrate
from accord.application.clock import Clock
from accord.bootstrap import Hub, Services, build_hub, build_services, sandbox_connectors
from accord.connectors.sandbox.landscape import Landscape
from accord.settings import Settings
from tests.conftest import MARIADB_URL, POSTGRES_URL, require_service, scratch_database

DATABASES: list[Any] = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]
"""The stores a parametrized fixture runs on: its `request.param` is one of these names."""
SERVER_DATABASES: list[Any] = DATABASES[1:]
"""The stores several processes share (named locks, concurrent writers)."""

_SERVICE_FIXTURES = {"postgresql": "postgres_url", "mariadb": "mariadb_url"}
_SERVERS = {
    "postgresql": ("PostgreSQL", POSTGRES_URL, 5432, '"', " WITH (FORCE)"),
    "mariadb": ("MariaDB", MARIADB_URL, 3306, "`", ""),
}


def database_url_of(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty store of the kind `request.param` names."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accord.sqlite'}"
    return str(request.getfixturevalue(_SERVICE_FIXTURES[request.param]))


def server_database(kind: str) -> AbstractContextManager[str]:
    """A fresh database on the server `kind` names (one of `SERVER_DATABASES`), dropped
    on leaving: for a test that needs more than one."""
    name, url, port, quote, drop_options = _SERVERS[kind]
    require_service(name, url, port)
    return scratch_database(url, quote, drop_options)


@contextmanager
def migrated_store(url: str) -> Iterator[Engine]:
    """An engine on `url` with the hub's tables, disposed when the block ends."""
    engine = create_store_engine(url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def wired_hub(
    home: Path, database_url: str, clock: Clock, landscape_at: datetime | None = None
) -> Iterator[tuple[Hub, Services]]:
    """The hub on `database_url` and its services wired to a sandbox landscape (its
    clock set to `landscape_at` when given); closed when the block ends."""
    with Landscape() as landscape:
        if landscape_at is not None:
            landscape.set_clock(landscape_at)
        hub = build_hub(Settings(home=home, database_url=database_url), clock=clock)
        services = build_services(hub, sandbox_connectors(landscape), clock)
        try:
            yield hub, services
        finally:
            hub.close()
