"""Errors every connector raises, so the hub can tell a business rejection from an outage.

Two families, and the difference decides what the hub does next:

- `RejectedError`: the system understood the request and refused it (a missing mandatory
  dimension, a validation failure). Retrying the same request cannot help; a person must
  fix the data, so the hub raises a business exception (for example `posting_rejected`).
- `UnavailableError` (and its kinds `ThrottledError`, `CircuitOpenError`): the system could
  not be reached or asked us to slow down, and the retry budget is spent. The same request
  may succeed later, so the hub schedules a retry and, past its budget, raises
  `system_unavailable`.

Every error carries `retryable`, `reason` and `retry_after`: the attributes the
application's `GatewayFailure` protocol reads, so the application layer can classify a
failure without importing the connector SDK.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class ConnectorError(Exception):
    """Base class of every failure a connector reports to the hub."""

    retryable: bool = False

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RejectedError(ConnectorError):
    """The external system refused the request; retrying it unchanged cannot succeed.

    `status` is the HTTP status (or the status of the envelope carrying a business error,
    e.g. 200 for a JSON-RPC fault), `body` the raw response text and `problem` the parsed
    RFC 9457 problem details (or any JSON object the system returned), when there is one.
    """

    retryable = False

    def __init__(
        self,
        status: int,
        body: str,
        problem: Mapping[str, Any] | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.problem = dict(problem) if problem is not None else None
        super().__init__(reason or _describe_rejection(status, body, self.problem))


class UnavailableError(ConnectorError):
    """The system could not be reached or kept failing after every retry; try again later."""

    retryable = True


class ThrottledError(UnavailableError):
    """The system kept throttling (HTTP 429) after every retry; slow down and try later."""


class CircuitOpenError(UnavailableError):
    """The circuit breaker is open: recent calls failed, so no call was made at all."""


def parse_problem(body: str) -> dict[str, Any] | None:
    """Return the JSON object in a response body (RFC 9457 problem details), else None."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _describe_rejection(status: int, body: str, problem: Mapping[str, Any] | None) -> str:
    if problem:
        for key in ("detail", "title", "message", "error"):
            value = problem.get(key)
            if isinstance(value, str) and value:
                return f"rejected with HTTP {status}: {value}"
    snippet = body.strip().replace("\n", " ")[:200]
    return f"rejected with HTTP {status}: {snippet or 'no response body'}"
