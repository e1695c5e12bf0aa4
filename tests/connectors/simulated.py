"""A vendor simulator served in-process, and connector settings that talk to it.

Each vendor's conftest names its simulator, base URL and credentials; the serving and
the settings every connector takes (transport, sleep, clock) are the same for all, as
are the contract suite's base classes and the read across an expired token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.connectors.sdk import Stream
from accord.connectors.sdk.testing import FakeSleep
from accord.connectors.sdk.testing.suite import ConnectorContract, ThrottledBurst

Config = Callable[..., dict[str, Any]]
"""`config_for`: connector settings for the simulator, with keyword overrides."""


@contextmanager
def served(app: FastAPI, base_url: str) -> Iterator[httpx.BaseTransport]:
    """A transport that hands requests for `base_url` to `app`, running in this process:
    httpx's `MockTransport` passing each request on through a `TestClient` of the app,
    with the connector's own headers and body, and the app's answer as it came."""
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:

        def forward(request: httpx.Request) -> httpx.Response:
            answer = client.request(
                request.method, str(request.url), headers=request.headers, content=request.read()
            )
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )

        yield httpx.MockTransport(forward)


def settings_builder(
    base_url: str, transport: httpx.BaseTransport, fake_sleep: FakeSleep, **credentials: Any
) -> Callable[..., dict[str, Any]]:
    """`build(**extra)`: connector settings for the simulator, with `extra` on top."""

    def build(**extra: Any) -> dict[str, Any]:
        return {
            "base_url": base_url,
            **credentials,
            "transport": transport,
            "sleep": fake_sleep,
            "clock": fake_sleep.clock,
            **extra,
        }

    return build


def transport_fixture(
    create_app: Callable[[Any], FastAPI], base_url: str
) -> Callable[..., Iterator[httpx.BaseTransport]]:
    """A `transport` fixture serving the `simulator` fixture's app at `base_url`."""

    @pytest.fixture
    def transport(simulator: Any) -> Iterator[httpx.BaseTransport]:
        with served(create_app(simulator), base_url) as serving:
            yield serving

    return transport


class SimulatedContract(ConnectorContract):
    """The SDK's contract suite against a vendor simulator; `check()` gets the settings
    of the vendor conftest's `config_for`."""

    @pytest.fixture
    def connector_config(self, config_for: Callable[..., dict[str, Any]]) -> Mapping[str, Any]:
        return config_for()


class ReadOnlyContract(SimulatedContract):
    """The contract suite for a connector whose port (`port`) only reads: nothing to
    write twice, no throttled burst of writes."""

    port = ""

    def test_every_writer_is_idempotent(self) -> None:
        pytest.skip(f"{self.port} only reads; nothing to write twice")

    @pytest.fixture
    def throttled_burst(self) -> ThrottledBurst:
        pytest.skip(f"{self.port} only reads; a throttled burst of writes does not apply")


def ids_read_across_token_expiry(stream: Stream, simulator: Any) -> list[str]:
    """The ids two one-record reads of `stream` return, the second resuming from the
    first's cursor after the simulator expired every token it had issued."""
    first = stream.read(None, 1)
    simulator.expire_tokens()
    second = stream.read(first.next_cursor, 1)
    return [str(record.id) for record in [*first.records, *second.records]]
