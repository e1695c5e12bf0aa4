"""Fixtures every connector's tests share."""

from __future__ import annotations

import pytest

from accord.connectors.sdk.testing import FakeClock, FakeSleep


@pytest.fixture
def fake_sleep() -> FakeSleep:
    """A sleep that only records its waits, on a clock of its own: connectors never really wait."""
    return FakeSleep(FakeClock())
