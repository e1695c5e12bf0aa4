"""Event-log fixtures: a hub on SQLite, PostgreSQL and MariaDB (see `wired_store`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.bootstrap import Hub, build_hub
from accord.settings import Settings
from tests.integration.wired_store import DATABASES, database_url_of


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(Settings(home=tmp_path, database_url=database_url))
    yield built
    built.close()
