"""`probe`: a connector check that never raises, and closes what it built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.connectors.sdk import CheckResult, Connector, System, probe


class RaisingConnector:
    name = "raising"
    system: System = "erp"
    closed = False

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        raise RuntimeError("socket closed by peer")

    def streams(self) -> list[Any]:
        return []

    def ports(self) -> dict[str, object]:
        return {}

    def close(self) -> None:
        RaisingConnector.closed = True


def test_a_check_that_raises_becomes_a_failed_result_and_the_connector_is_closed() -> None:
    def factory(config: Mapping[str, Any]) -> Connector:
        return RaisingConnector()

    result = probe(factory, {})

    assert (result.ok, result.message) == (False, "the check failed: socket closed by peer")
    assert RaisingConnector.closed


def test_a_config_the_connector_refuses_becomes_a_failed_result() -> None:
    def factory(config: Mapping[str, Any]) -> Connector:
        raise ValueError("base_url is required")

    result = probe(factory, {})

    assert not result.ok and "base_url is required" in result.message
