"""Workday's REST API as the connector uses it: the OAuth 2.0 refresh-token grant, errors.

A Workday API client for integrations is registered in the tenant with a non-expiring
refresh token. The session posts `grant_type=refresh_token` with the client id and
secret (HTTP Basic) to `/ccx/oauth2/{tenant}/token`, sends the access token it gets as
`Authorization: Bearer`, and on a 401 (the access token expired) fetches a new one once
and repeats the call. Retries, backoff, `Retry-After` on 429 and the circuit breaker are
the SDK's `HttpClient`'s.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import httpx

from accord.connectors.sdk import HttpClient, RejectedError
from accord.connectors.sdk.sessions import send_refreshing_once


def describe_error(body: str) -> str:
    """Workday's error body (`{"error": ..., "errors": [{"error": ...}]}`) as text."""
    try:
        data = httpx.Response(200, content=body.encode()).json()
    except ValueError:
        return body.strip()[:200]
    if not isinstance(data, dict):
        return body.strip()[:200]
    parts = [str(data.get("error", ""))]
    if data.get("error_description"):
        parts.append(str(data["error_description"]))
    for item in data.get("errors") or []:
        if isinstance(item, dict) and item.get("error"):
            parts.append(f"{item.get('field', '')}: {item['error']}".lstrip(": "))
    return "; ".join(p for p in parts if p) or body.strip()[:200]


class WorkdaySession:
    """Authenticated calls to one tenant's REST API (see the module docs)."""

    def __init__(
        self, client: HttpClient, tenant: str, client_id: str, client_secret: str, refresh: str
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.base = f"/ccx/api/v1/{tenant}"
        self._auth = (client_id, client_secret)
        self._refresh = refresh
        self._token: str | None = None
        self._lock = threading.Lock()
        self.token_fetches = 0

    def authenticate(self) -> None:
        """Exchange the refresh token for a new access token."""
        try:
            response = self.client.request(
                "POST",
                f"/ccx/oauth2/{self.tenant}/token",
                form={"grant_type": "refresh_token", "refresh_token": self._refresh},
                headers={"Authorization": _basic(*self._auth)},
            )
        except RejectedError as error:
            raise RejectedError(
                error.status,
                error.body,
                reason=f"Workday refused the token request ({describe_error(error.body)}); "
                "check client_id, client_secret and refresh_token of the API client "
                "registered for integrations in tenant " + self.tenant,
            ) from None
        self._token = str(response.json()["access_token"])
        self.token_fetches += 1

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """One GET under `/ccx/api/v1/{tenant}`."""
        with self._lock:
            if self._token is None:
                self.authenticate()
        return send_refreshing_once(
            lambda: self._send(path, **kwargs), self._reauthenticate, _rejection
        )

    def _reauthenticate(self) -> None:
        with self._lock:
            self.authenticate()

    def _send(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}"}
        return self.client.request("GET", f"{self.base}{path}", headers=headers, **kwargs)


def _basic(client_id: str, secret: str) -> str:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return f"Basic {token}"


def _rejection(error: RejectedError) -> RejectedError:
    return RejectedError(
        error.status,
        error.body,
        reason=f"Workday rejected the call with HTTP {error.status}: {describe_error(error.body)}",
    )
