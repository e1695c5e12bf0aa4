"""Event-log fixtures: a hub on SQLite and, when the service is there, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.bootstrap import Hub, build_hub
from accord.settings import Settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accord.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(Settings(home=tmp_path, database_url=database_url))
    yield built
    built.close()
