"""Bounded request bodies: measured before any route, authentication or idempotency
record sees them.

Each request with a body may carry at most the limit of its path (see `BodyLimits`). A
declared `Content-Length` over it is answered 413 before a byte is read; a body sent in
chunks is counted as it arrives and answered 413 the moment it passes the limit. A JSON
body nested deeper than `MAX_JSON_DEPTH` is a 400 before any parser recurses into it.
Only then does the request go on, with its body replayed from memory (at most the limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.canonical.nesting import MAX_JSON_DEPTH, nests_deeper_than
from accord.http.problems import send_problem

WEBHOOKS_PREFIX = "/api/v1/webhooks/"
DASHBOARD_FORM_MAX_BYTES = 64 * 1024
"""Dashboard forms (sign-in, actions) are a few hundred bytes."""
_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The largest body each kind of path takes: webhooks (one event each), the rest of
    the API (a batch of events at most), and the dashboard's forms."""

    api: int
    webhooks: int
    dashboard: int = DASHBOARD_FORM_MAX_BYTES

    def for_path(self, path: str) -> int:
        if path.startswith(WEBHOOKS_PREFIX):
            return self.webhooks
        return self.api if path.startswith("/api/") else self.dashboard


class BodyTooLarge(Exception):
    """The body passed its limit while it was being read."""


def _is_json(headers: dict[bytes, bytes]) -> bool:
    media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def _too_large(limit: int) -> str:
    return (
        f"a request body here may carry at most {limit} bytes; split the batch, or send "
        "large documents by reference"
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: Callable[[], BodyLimits]) -> None:
        self.app = app
        self._limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        limit = self._limits().for_path(scope["path"])
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and not declared.strip().isdigit():
            detail = "Content-Length must be a whole number of bytes"
            await send_problem(scope, send, 400, "bad-request", "Bad request", detail)
            return
        if declared is not None and int(declared) > limit:
            await send_problem(
                scope, send, 413, "payload-too-large", "Payload too large", _too_large(limit)
            )
            return
        try:
            body = await _read_at_most(receive, limit)
        except BodyTooLarge:
            await send_problem(
                scope, send, 413, "payload-too-large", "Payload too large", _too_large(limit)
            )
            return
        if body is None:
            return  # the client went away before sending its body
        if _is_json(headers) and nests_deeper_than(body, MAX_JSON_DEPTH):
            detail = (
                f"the JSON body nests objects or arrays deeper than {MAX_JSON_DEPTH} levels; "
                "no Accord document needs that many, so flatten it"
            )
            await send_problem(scope, send, 400, "json-too-deep", "JSON nested too deeply", detail)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body.extend(message.get("body", b""))
        if len(body) > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, in one message; then the client's own messages (a disconnect)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
