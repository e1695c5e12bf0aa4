"""Correlation ids and request logging: every request gets an id that ties together its
log lines, problem documents and audit rows, and is echoed in `X-Correlation-Id`.

The id is bound as the business id `correlation_id` while the request runs, so every
record logged meanwhile carries it (see `accord.observability.logging`)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.observability.context import business_ids

HEADER = "x-correlation-id"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
log = logging.getLogger("accord.api.access")


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        correlation = given if _VALID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = correlation
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((HEADER.encode(), correlation.encode()))
            await send(message)

        with business_ids(correlation_id=correlation):  # on every log line of the request
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                log.info(
                    "%s %s -> %s in %.1f ms [%s]",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    correlation,
                )


def correlation_of(request: Request) -> str:
    """The request's correlation id (set by CorrelationMiddleware)."""
    return str(getattr(request.state, "correlation_id", None) or uuid.uuid4().hex)
