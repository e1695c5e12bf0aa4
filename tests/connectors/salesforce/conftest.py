"""A simulated Salesforce org served in-process, and connectors that never really sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from accord.connectors.salesforce.simulator import Simulator, create_app
from accord.connectors.sdk.testing import FakeClock, FakeSleep

BASE_URL = "https://acme.my.salesforce.test"


@pytest.fixture
def simulator() -> Simulator:
    return Simulator()


@pytest.fixture
def transport(simulator: Simulator) -> Iterator[httpx.BaseTransport]:
    with TestClient(create_app(simulator), base_url=BASE_URL) as client:
        yield client._transport


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep(FakeClock())


@pytest.fixture
def config_for(
    simulator: Simulator, transport: httpx.BaseTransport, fake_sleep: FakeSleep
) -> Callable[..., dict[str, Any]]:
    """Connector settings for the simulated org, with `extra` on top."""

    def build(**extra: Any) -> dict[str, Any]:
        return {
            "base_url": BASE_URL,
            "client_id": simulator.client_id,
            "client_secret": simulator.client_secret,
            "transport": transport,
            "sleep": fake_sleep,
            "clock": fake_sleep.clock,
            **extra,
        }

    return build
