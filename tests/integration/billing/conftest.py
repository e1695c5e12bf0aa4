"""The billing store tests' store: migrated, on every supported database, unless a module
asks for its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.integration.wired_store import DATABASES, database_url_of, migrated_store


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_store(database_url_of(request, tmp_path)) as engine:
        yield engine
