"""A vendor simulator served in-process, and connector settings that talk to it.

Each vendor's conftest names its simulator, base URL and credentials; the serving and
the settings every connector takes (transport, sleep, clock) are the same for all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.connectors.sdk.testing import FakeSleep


@contextmanager
def served(app: FastAPI, base_url: str) -> Iterator[httpx.BaseTransport]:
    """A transport that hands requests for `base_url` to `app`, running in this process."""
    with TestClient(app, base_url=base_url) as client:
        yield client._transport


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
