"""A running sandbox landscape per test, on a frozen clock, and connectors that never sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from accord.connectors.sandbox.landscape import Landscape
from accord.connectors.sdk.testing import FakeClock, FakeSleep

START = datetime(2026, 1, 31, tzinfo=UTC)


@pytest.fixture
def landscape() -> Iterator[Landscape]:
    with Landscape(config={"erp": {"mandatory_dimensions": {"DE01": ["department"]}}}) as running:
        running.set_clock(START)
        yield running


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep(FakeClock())


@pytest.fixture
def config_for(landscape: Landscape, fake_sleep: FakeSleep) -> Callable[..., dict[str, Any]]:
    """Connector config for a system: its base URL and a sleep that only records waits."""

    def build(system: str, **extra: Any) -> dict[str, Any]:
        return {
            "base_url": landscape.base_url(system),
            "sleep": fake_sleep,
            "clock": fake_sleep.clock,
            **extra,
        }

    return build
