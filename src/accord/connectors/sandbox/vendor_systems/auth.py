"""How the sandbox firm's people sign in to the vendor simulators: a bearer token fetched
when first needed and again when the simulator answers 401 (Salesforce, Kantata OX), and
NetSuite's token-based authentication, every request signed (OAuth 1.0a, HMAC-SHA256,
by oauthlib), as the vendors document them."""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER, Client

__all__ = ["RefreshedBearer", "SignedRequests"]


class RefreshedBearer(httpx.Auth):
    """`Authorization: Bearer <token>`; on a 401 a new token (`fetch`) and one retry."""

    def __init__(self, fetch: Callable[[], str], token: str | None = None) -> None:
        self._fetch = fetch
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None:
            self._token = self._fetch()
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            self._token = self._fetch()
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request


class SignedRequests(httpx.Auth):
    """NetSuite token-based authentication: each request signed with the integration's
    consumer key and secret and the access token's id and secret; the realm is the
    account id."""

    def __init__(
        self, realm: str, consumer_key: str, consumer_secret: str, token_id: str, token_secret: str
    ) -> None:
        self._client = Client(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token_id,
            resource_owner_secret=token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            realm=realm,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self._client.sign(str(request.url), request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request
