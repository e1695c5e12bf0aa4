"""NetSuite's REST web services as the connector uses them.

`NetSuiteSession` wraps the SDK's `HttpClient` (retries with backoff on 429/5xx, the
concurrency limiter, circuit breaker) with what NetSuite adds:

- **OAuth 2.0 M2M** (`auth`): the token is fetched on first use; a 401 fetches a new
  one once and repeats the call. Under **token-based authentication** every request is
  signed (a fresh nonce and timestamp each time; a 401 signs and sends it once more).
- **Records** under `/services/rest/record/v1/`; `PUT /<type>/eid:<external id>` is an
  upsert by external id, so a repeated write leaves one record.
- **SuiteQL** (`POST /services/rest/query/v1/suiteql`, `Prefer: transient`) paged with
  `limit`/`offset` while the answer says `hasMore`.
- **The account's concurrency limit**: a 429 `CONCURRENCY_LIMIT_EXCEEDED` is retried
  by the SDK with backoff; `max_concurrency` keeps Accord under the limit to begin with.
- **Errors** carry `o:errorDetails` with `detail` and `o:errorCode`; a `RejectedError`
  names them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from accord.connectors.netsuite.auth import TOKEN_PATH, M2MGrant, TokenAuth
from accord.connectors.sdk import HttpClient, RejectedError
from accord.connectors.sdk.sessions import send_refreshing_once

RECORDS = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
PAGE_LIMIT = 1000
"""The most rows SuiteQL returns per page."""


def describe_errors(body: str) -> str:
    """NetSuite's error details as `code: detail`, joined; the raw text else."""
    try:
        problem = httpx.Response(200, content=body.encode()).json()
    except ValueError:
        return body.strip()[:200]
    if not isinstance(problem, dict):
        return body.strip()[:200]
    if "error" in problem:
        return f"{problem['error']}: {problem.get('error_description', '')}"
    details = problem.get("o:errorDetails") or []
    parts = [f"{d.get('o:errorCode')}: {d.get('detail')}" for d in details if isinstance(d, dict)]
    return "; ".join(parts) or str(problem.get("title") or body.strip()[:200])


def eid_path(record_type: str, external_id: str) -> str:
    """The record's path by external id, e.g. `/invoice/eid:INV-1`."""
    return f"/{record_type}/eid:{quote(external_id, safe='')}"


class NetSuiteSession:
    """Authenticated calls to one NetSuite account (see the module docs)."""

    def __init__(
        self,
        client: HttpClient,
        grant: M2MGrant | TokenAuth,
        clock: Callable[[], float],
        base_url: str,
        *,
        async_writes: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.async_writes = async_writes
        self.sleep = sleep
        self.base_url = base_url.rstrip("/")
        self._grant = grant
        self._clock = clock
        self._token: str | None = None
        self._lock = threading.Lock()
        self.token_fetches = 0

    def authenticate(self) -> None:
        """Fetch a new access token with a freshly signed assertion (`auth`); under
        token-based authentication there is none to fetch."""
        if isinstance(self._grant, TokenAuth):
            return
        try:
            response = self.client.request("POST", TOKEN_PATH, form=self._grant.form(self._clock()))
        except RejectedError as error:
            raise RejectedError(
                error.status,
                error.body,
                reason=f"NetSuite refused the token request ({describe_errors(error.body)}); "
                "check client_id, certificate_id, that the certificate of private_key_file "
                "is mapped to the integration and that its role may use REST web services",
            ) from None
        self._token = str(response.json()["access_token"])
        self.token_fetches += 1

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call; `path` under `/services/rest/record/v1` unless it starts `/services/`."""
        with self._lock:
            if self._token is None and isinstance(self._grant, M2MGrant):
                self.authenticate()
        url = path if path.startswith("/services/") else f"{RECORDS}{path}"
        params = kwargs.pop("params", None)
        if params:
            url = f"{url}?{urlencode(params)}"
        return send_refreshing_once(
            lambda: self._send(method, url, **kwargs), self.authenticate, _rejection
        )

    def read_optional(self, path: str) -> dict[str, Any] | None:
        """The record at `path`, or None when NetSuite has none (404)."""
        try:
            return dict(self.call("GET", path).json())
        except RejectedError as error:
            if error.status == 404:
                return None
            raise

    def upsert(self, record_type: str, external_id: str, body: Mapping[str, Any]) -> None:
        """Create or update the record with this external id (idempotent), waiting for
        it; see `asynchronous` for `async_writes`."""
        self.call("PUT", eid_path(record_type, external_id), json=dict(body))

    def suiteql(self, query: str, limit: int = PAGE_LIMIT) -> Iterator[dict[str, Any]]:
        """Every row of a SuiteQL query, page after page while `hasMore`."""
        offset = 0
        while True:
            body = self.call(
                "POST",
                SUITEQL,
                json={"q": query},
                params={"limit": limit, "offset": offset},
                headers={"Prefer": "transient"},
            ).json()
            items = body.get("items") or []
            yield from items
            if not body.get("hasMore") or not items:
                return
            offset += len(items)

    def _send(
        self, method: str, url: str, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        if isinstance(self._grant, TokenAuth):
            authorization = self._grant.authorization(method, f"{self.base_url}{url}")
        else:
            authorization = f"Bearer {self._token}"
        sent = {"Authorization": authorization, **(headers or {})}
        return self.client.request(method, url, headers=sent, **kwargs)


def _rejection(error: RejectedError) -> RejectedError:
    return RejectedError(
        error.status,
        error.body,
        reason=f"NetSuite rejected the call with HTTP {error.status}: "
        f"{describe_errors(error.body)}",
    )
