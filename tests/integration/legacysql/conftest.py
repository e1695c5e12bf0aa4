"""A payroll database on SQLite, MariaDB and (where asked) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.legacysql.payroll import metadata


def _payroll(url: str) -> Iterator[str]:
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    yield url


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def payroll_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A legacy payroll database with the schema and no rows."""
    if request.param == "sqlite":
        yield from _payroll(f"sqlite:///{tmp_path / 'payroll.db'}")
    else:
        yield from _payroll(str(request.getfixturevalue("mariadb_url")))
