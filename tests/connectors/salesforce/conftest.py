"""A simulated Salesforce org served in-process, and connectors that never really sleep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from accord.connectors.sdk.testing import FakeSleep
from accord.simulators.salesforce import Simulator, create_app
from tests.connectors.simulated import settings_builder, transport_fixture

BASE_URL = "https://acme.my.salesforce.test"


@pytest.fixture
def simulator(fake_sleep: FakeSleep) -> Simulator:
    """The org, counting its daily API calls on the connectors' fake clock."""
    return Simulator(clock=fake_sleep.clock)


transport = transport_fixture(create_app, BASE_URL)


@pytest.fixture
def config_for(
    simulator: Simulator, transport: httpx.BaseTransport, fake_sleep: FakeSleep
) -> Callable[..., dict[str, Any]]:
    """Connector settings for the simulated org, with `extra` on top."""
    return settings_builder(
        BASE_URL,
        transport,
        fake_sleep,
        client_id=simulator.client_id,
        client_secret=simulator.client_secret,
    )
