"""The sandbox firm the reconciliation tests reconcile: every system set up clean on
2 January 2026."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from accord.connectors.sandbox.landscape import Landscape
from tests.integration.reconciliation.test_reconciliation_sandbox import Firmwide


@pytest.fixture
def firm() -> Iterator[Firmwide]:
    with Landscape() as landscape:
        landscape.set_clock(datetime(2026, 1, 2, tzinfo=UTC))
        firmwide = Firmwide(landscape)
        firmwide.set_up_clean()
        yield firmwide
        firmwide.http.close()
