"""Kantata OX's `/api/v1/` as the connector uses it: bearer tokens, paging, errors, 429s.

- **OAuth 2.0 bearer token**: every call sends `Authorization: Bearer <access_token>`.
  When the settings also give `client_id`, `client_secret` and `refresh_token`, a 401
  (expired or revoked token) fetches a new access token from `POST /oauth/token`
  (`grant_type=refresh_token`) once and repeats the call; without them the 401 is a
  `RejectedError` telling the operator to issue a new token.
- **Response format**: a list answers `count`, `results` (`[{key, id}]`, the order) and
  one top-level object per type keyed by id; `meta` gives `page_count`. `objects()` reads
  them back in `results` order.
- **429 without `Retry-After`**: Kantata does not say how long to wait, so the SDK's
  `HttpClient` backs off on its own (exponential, with jitter) and retries.
- **Errors** are `{"errors": [{"type", "message"}]}`; a `RejectedError` quotes them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from accord.connectors.sdk import HttpClient, RejectedError
from accord.connectors.sdk.sessions import send_refreshing_once

API_PREFIX = "/api/v1"
MAX_PER_PAGE = 200
"""The largest `per_page` Kantata accepts."""


def describe_errors(body: str) -> str:
    """Kantata's error list as `message; message`, or the raw text."""
    try:
        parsed = httpx.Response(200, content=body.encode()).json()
    except ValueError:
        return body.strip()[:200]
    if isinstance(parsed, dict) and isinstance(parsed.get("errors"), list):
        return "; ".join(str(e.get("message")) for e in parsed["errors"] if isinstance(e, dict))
    if isinstance(parsed, dict) and "error" in parsed:
        return str(parsed["error"])
    return body.strip()[:200]


def objects(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The objects of a Kantata answer in `results` order."""
    return [dict(body[item["key"]][str(item["id"])]) for item in body.get("results", [])]


class KantataSession:
    """Authenticated calls to one Kantata OX account (see the module docs)."""

    def __init__(
        self, client: HttpClient, access_token: str, refresh: Mapping[str, str] | None
    ) -> None:
        self.client = client
        self._token = access_token
        self._refresh = dict(refresh) if refresh else None
        self._lock = threading.Lock()
        self.token_fetches = 0

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call to `/api/v1/<path>`; a 401 refreshes the token once if it can."""
        url = f"{API_PREFIX}{path}"
        refresh = self.refresh_token if self._refresh is not None else None
        return send_refreshing_once(
            lambda: self._send(method, url, **kwargs), refresh, self._rejection
        )

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = self.call("GET", path, params=params).json()
        return body

    def bodies(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """The answers of a list, page by page (`per_page` at most 200)."""
        page = 1
        while True:
            body = self.get(path, **params, page=page)
            yield body
            if page >= int(body.get("meta", {}).get("page_count", 1)):
                return
            page += 1

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """The objects of a list, page by page, in `results` order."""
        for body in self.bodies(path, params):
            yield objects(body)

    def refresh_token(self) -> None:
        """A new access token from the refresh token (`POST /oauth/token`)."""
        assert self._refresh is not None
        form = {"grant_type": "refresh_token", **self._refresh}
        try:
            response = self.client.request("POST", "/oauth/token", form=form)
        except RejectedError as error:
            raise RejectedError(
                error.status,
                error.body,
                reason=f"Kantata refused to refresh the access token "
                f"({describe_errors(error.body)}); check client_id, client_secret and "
                "refresh_token, or authorize the application again",
            ) from None
        with self._lock:
            self._token = str(response.json()["access_token"])
            self.token_fetches += 1

    def _send(
        self, method: str, url: str, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self._token}", **(headers or {})}
        return self.client.request(method, url, headers=sent, **kwargs)

    def _rejection(self, error: RejectedError) -> RejectedError:
        hint = (
            "; the access token is invalid or expired: issue a new one, or give "
            "client_id, client_secret and refresh_token so Accord refreshes it"
            if error.status == 401
            else ""
        )
        return RejectedError(
            error.status,
            error.body,
            reason=f"Kantata rejected the call with HTTP {error.status}: "
            f"{describe_errors(error.body)}{hint}",
        )
