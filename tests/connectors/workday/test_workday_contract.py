"""The Workday connector passes the SDK's contract suite against the simulated tenant."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from accord.connectors.sdk.testing.suite import StreamCase
from accord.connectors.workday import WorkdayHrConnector, connector_factory
from accord.simulators.workday import Simulator
from tests.connectors.simulated import ReadOnlyContract
from tests.connectors.workday.conftest import seed_workers


class TestWorkdayContract(ReadOnlyContract):
    port = "HrGateway"

    @pytest.fixture
    def connector(self, config_for: Callable[..., dict[str, Any]]) -> WorkdayHrConnector:
        return connector_factory(config_for(page_size=2))

    @pytest.fixture
    def unreachable_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for(client_secret="wrong")

    @pytest.fixture
    def stream_cases(self, simulator: Simulator) -> Sequence[StreamCase]:
        return [StreamCase("workers", seed_workers(simulator), key=lambda r: str(r.id))]


def test_check_explains_a_host_that_does_not_answer() -> None:
    workday = connector_factory(_settings())

    result = workday.check({**_settings(), "base_url": "http://127.0.0.1:9", "max_attempts": 1})

    assert not result.ok and result.details == {"reachable": False}
    assert "127.0.0.1:9" in result.message


def test_check_names_missing_settings() -> None:
    result = connector_factory(_settings()).check({"base_url": "https://x", "tenant": "acme"})

    assert not result.ok
    assert "client_id, client_secret, refresh_token" in result.message


def _settings() -> dict[str, Any]:
    return {
        "base_url": "https://wd2-impl-services1.workday.test",
        "tenant": "acme",
        "client_id": "c",
        "client_secret": "s",
        "refresh_token": "r",
    }
