"""The HTTP settings every REST connector reads from its config.

A connector's settings carry the same retry, limit and test hooks whatever the vendor:
`max_attempts` (default 6), `base_delay` (seconds, the first backoff),
`max_concurrency`, `requests_per_second`, `timeout` (seconds), and for tests
`sleep`, `clock` and `transport`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from accord.connectors.sdk.http import HttpClient
from accord.connectors.sdk.resilience import RateLimit, RetryPolicy


def http_client_from_config(
    config: Mapping[str, Any],
    base_url: str,
    connector: str,
    *,
    base_delay: float = 0.2,
    max_concurrency: int | None = None,
    timeout: float = 30.0,
    headers: Mapping[str, str] | None = None,
) -> HttpClient:
    """The client `connector` talks to `base_url` through; the keyword arguments are the
    connector's defaults for settings its config leaves out."""
    concurrency = config.get("max_concurrency", max_concurrency)
    rate = config.get("requests_per_second")
    return HttpClient(
        base_url,
        connector=connector,
        retry=RetryPolicy(
            max_attempts=int(config.get("max_attempts", 6)),
            base_delay=float(config.get("base_delay", base_delay)),
        ),
        max_concurrency=int(concurrency) if concurrency is not None else None,
        rate_limit=RateLimit(float(rate)) if rate else None,
        timeout=float(config.get("timeout", timeout)),
        headers=headers,
        sleep=config.get("sleep", time.sleep),
        clock=config.get("clock", time.time),
        transport=config.get("transport"),
    )
