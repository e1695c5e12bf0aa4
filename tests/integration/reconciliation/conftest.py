"""What the reconciliation tests reconcile: the sandbox firm with every system set up
clean on 2 January 2026, and the hub wired to it on each supported store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.bootstrap import Hub, Services
from accord.connectors.sandbox.landscape import Landscape
from tests.integration.reconciliation.test_reconciliation_sandbox import Firmwide
from tests.integration.wired_store import DATABASES, database_url_of, wired_hub

CLOCK = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731


@pytest.fixture
def firm() -> Iterator[Firmwide]:
    with Landscape() as landscape:
        landscape.set_clock(datetime(2026, 1, 2, tzinfo=UTC))
        firmwide = Firmwide(landscape)
        firmwide.set_up_clean()
        yield firmwide
        firmwide.http.close()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


@pytest.fixture
def wired(tmp_path: Path, database_url: str) -> Iterator[tuple[Hub, Services]]:
    """The hub on `database_url`, wired to a sandbox landscape set to 2 January 2026."""
    with wired_hub(
        tmp_path, database_url, CLOCK, landscape_at=datetime(2026, 1, 2, tzinfo=UTC)
    ) as wired:
        yield wired
