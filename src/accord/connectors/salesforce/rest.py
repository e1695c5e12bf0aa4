"""Salesforce's REST API as the connector uses it: OAuth 2.0, the API usage budget, errors.

`SalesforceSession` wraps the SDK's `HttpClient` (retries, backoff, circuit breaker) with
what Salesforce adds:

- **OAuth 2.0** (`POST /services/oauth2/token`, client credentials or JWT bearer, see
  `auth`): the access token is fetched on first use and sent as
  `Authorization: Bearer`; a 401 `INVALID_SESSION_ID` (expired or revoked) fetches a new
  one once and repeats the call.
- **The daily API budget**: every response carries `Sforce-Limit-Info: api-usage=N/M`.
  Above `slow_down_at` (share of M) calls are paced; above `stop_at` the session refuses
  to call at all (`ThrottledError`), so Accord never spends the calls the firm's own
  users and integrations need. `REQUEST_LIMIT_EXCEEDED` (403) is the same refusal from
  Salesforce itself.
- **Error bodies** are a JSON list of `{message, errorCode, fields}`; a `RejectedError`
  names them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from accord.connectors.salesforce.auth import Grant
from accord.connectors.sdk import (
    HttpClient,
    RejectedError,
    ThrottledError,
)
from accord.connectors.sdk.sessions import send_refreshing_once

API_VERSION = "62.0"
LIMIT_HEADER = "Sforce-Limit-Info"


@dataclass(frozen=True)
class ApiUsage:
    """The org's daily API usage as the last response reported it."""

    used: int
    limit: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0


def parse_limit_info(value: str | None) -> ApiUsage | None:
    """`api-usage=18/5000` (among other `;`-separated entries) as `ApiUsage`, else None."""
    for part in (value or "").split(";"):
        name, _, numbers = part.strip().partition("=")
        used, _, limit = numbers.partition("/")
        if name == "api-usage" and used.isdigit() and limit.isdigit():
            return ApiUsage(int(used), int(limit))
    return None


def describe_errors(body: str) -> str:
    """Salesforce's error list as `errorCode: message (fields)`, joined; the raw text else."""
    try:
        errors = httpx.Response(200, content=body.encode()).json()
    except ValueError:
        return body.strip()[:200]
    if isinstance(errors, dict) and "error" in errors:
        return f"{errors['error']}: {errors.get('error_description', '')}"
    if isinstance(errors, dict):
        errors = [errors]
    parts = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict):
            fields = error.get("fields") or []
            where = f" (fields: {', '.join(fields)})" if fields else ""
            parts.append(f"{error.get('errorCode')}: {error.get('message')}{where}")
    return "; ".join(parts) or body.strip()[:200]


def error_codes(error: RejectedError) -> set[str]:
    """The `errorCode`s of a rejection's body."""
    try:
        errors = httpx.Response(200, content=error.body.encode()).json()
    except ValueError:
        return set()
    items = errors if isinstance(errors, list) else [errors]
    return {str(item.get("errorCode")) for item in items if isinstance(item, dict)}


@dataclass(frozen=True)
class BudgetPolicy:
    """How much of the org's daily API budget Accord may use: pace above `slow_down_at`
    (waiting `pause_seconds` per call), stop above `stop_at` (shares of the limit)."""

    slow_down_at: float = 0.8
    stop_at: float = 0.95
    pause_seconds: float = 1.0


class SalesforceSession:
    """Authenticated calls to one org's REST API (see the module docs)."""

    def __init__(
        self,
        client: HttpClient,
        grant: Grant,
        *,
        api_version: str = API_VERSION,
        budget: BudgetPolicy | None = None,
        sleep: Callable[[float], None],
    ) -> None:
        self.client = client
        self.base = f"/services/data/v{api_version}"
        self._grant = grant
        self._budget = budget or BudgetPolicy()
        self._sleep = sleep
        self._token: str | None = None
        self._lock = threading.Lock()
        self._first_token = threading.Lock()
        self.usage: ApiUsage | None = None
        self.token_fetches = 0

    def authenticate(self) -> None:
        """Fetch a new access token with the configured grant (`auth`)."""
        try:
            response = self.client.request(
                "POST", "/services/oauth2/token", form=self._grant.form()
            )
        except RejectedError as error:
            raise RejectedError(
                error.status,
                error.body,
                reason=f"Salesforce refused the token request ({describe_errors(error.body)}); "
                f"{self._grant.hint}",
            ) from None
        with self._lock:
            self._token = str(response.json()["access_token"])
            self.token_fetches += 1

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call under `/services/data/vNN.N` (or a full `/services/...` path)."""
        self._respect_budget()
        with self._first_token:
            if self._token is None:
                self.authenticate()
        url = path if path.startswith("/services/") else f"{self.base}{path}"
        response = send_refreshing_once(
            lambda: self._send(method, url, **kwargs), self.authenticate, self._rejection
        )
        self._note_usage(response)
        return response

    def _send(
        self, method: str, url: str, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self._token}", **(headers or {})}
        return self.client.request(method, url, headers=sent, **kwargs)

    def _rejection(self, error: RejectedError) -> Exception:
        if "REQUEST_LIMIT_EXCEEDED" in error_codes(error):
            return ThrottledError(
                "Salesforce: the org's daily API request limit is spent "
                f"({describe_errors(error.body)}); Accord waits for the rolling 24 hours "
                "to free calls",
                retry_after=3600.0,
            )
        return RejectedError(
            error.status,
            error.body,
            reason=f"Salesforce rejected the call with HTTP {error.status}: "
            f"{describe_errors(error.body)}",
        )

    def _note_usage(self, response: httpx.Response) -> None:
        usage = parse_limit_info(response.headers.get(LIMIT_HEADER))
        if usage is not None:
            self.usage = usage

    def _respect_budget(self) -> None:
        usage = self.usage
        if usage is None:
            return
        if usage.share >= self._budget.stop_at:
            raise ThrottledError(
                f"Salesforce: {usage.used} of the org's {usage.limit} daily API calls are "
                f"used; Accord stops at {self._budget.stop_at:.0%} to leave the rest to the "
                "org's users. Raise stop_at in the settings or wait for calls to free up",
                retry_after=3600.0,
            )
        if usage.share >= self._budget.slow_down_at:
            self._sleep(self._budget.pause_seconds)
