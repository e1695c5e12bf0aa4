"""A simulated Workday tenant served in-process, and connectors that never really sleep."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import httpx
import pytest

from accord.connectors.sdk.testing import FakeSleep
from accord.simulators.workday import Simulator, create_app
from tests.connectors.simulated import settings_builder, transport_fixture

BASE_URL = "https://wd2-impl-services1.workday.test"


def worker_fields(**changes: Any) -> dict[str, Any]:
    """A worker as Workday serves it: a transfer from DE01 to FR01, two cost rates."""
    return {
        "descriptor": "Ada Lovelace",
        "jobProfile": {"id": "consultant", "descriptor": "Consultant"},
        "jobHistory": [
            {"company": {"id": "DE01"}, "effectiveDate": "2025-01-01", "endDate": "2025-12-31"},
            {"company": {"id": "FR01"}, "effectiveDate": "2026-01-01", "endDate": None},
        ],
        "costRates": [
            {"effectiveDate": "2025-01-01", "amount": "55.00", "currency": {"id": "EUR"}},
            {"effectiveDate": "2026-01-01", "amount": "61.50", "currency": {"id": "EUR"}},
        ],
        **changes,
    }


def seed_workers(simulator: Simulator) -> Callable[[int], list[str]]:
    numbers = count(1)

    def seed(n: int) -> list[str]:
        keys = [f"E{next(numbers):03d}" for _ in range(n)]
        for key in keys:
            simulator.put_worker(key, **worker_fields(descriptor=f"Worker {key}"))
        return keys

    return seed


@pytest.fixture
def simulator() -> Simulator:
    return Simulator()


transport = transport_fixture(create_app, BASE_URL)


@pytest.fixture
def config_for(
    simulator: Simulator, transport: httpx.BaseTransport, fake_sleep: FakeSleep
) -> Callable[..., dict[str, Any]]:
    """Connector settings for the simulated tenant, with `extra` on top."""
    return settings_builder(
        BASE_URL,
        transport,
        fake_sleep,
        tenant=simulator.tenant,
        client_id=simulator.client_id,
        client_secret=simulator.client_secret,
        refresh_token=simulator.refresh_token,
    )
