"""`Idempotency-Key` on POST: the same key and request get the same response, once.

Keys are scoped to the credential that sent them (a hash of the Authorization header), so
one client cannot read another's responses. Reusing a key for a different request is a
422; a key whose first request is still running is a 409. Server errors are not stored,
so the client can retry them with the same key. Webhooks are excluded: they deduplicate
by event id and refuse replayed signatures instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.application.idempotency import Claim, IdempotencyStore, StoredResponse
from accord.http.problems import send_problem

HEADER = "idempotency-key"
_VALID = re.compile(r"^[\x21-\x7e]{1,200}$")
_NOT_STORED = {401, 403, 429}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, store: Callable[[], IdempotencyStore]) -> None:
        self.app = app
        self._store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        key = headers.get(HEADER.encode())
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or key is None
            or scope["path"].startswith("/api/v1/webhooks/")
        ):
            await self.app(scope, receive, send)
            return
        text = key.decode("latin-1")
        if not _VALID.match(text):
            await _problem(
                scope,
                send,
                400,
                "invalid-idempotency-key",
                "Idempotency-Key must be 1-200 printable ASCII characters",
            )
            return
        body = await _read_body(receive)
        credential = headers.get(b"authorization", b"")
        scope_id = hashlib.sha256(credential).hexdigest()
        fingerprint = hashlib.sha256(
            scope["path"].encode() + b"?" + scope.get("query_string", b"") + b"\n" + body
        ).hexdigest()
        store = self._store()
        outcome = await run_in_threadpool(
            store.claim, scope_id, text, fingerprint, datetime.now(UTC)
        )
        if outcome.claim is Claim.REPLAY and outcome.response is not None:
            await _send_stored(send, outcome.response)
        elif outcome.claim is Claim.MISMATCH:
            await _problem(
                scope,
                send,
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was used for a different request; "
                "use a new key for a new request",
            )
        elif outcome.claim is Claim.IN_PROGRESS:
            await _problem(
                scope,
                send,
                409,
                "idempotency-key-in-progress",
                "the first request with this Idempotency-Key is still running; "
                "retry after it completes",
            )
        else:
            await self._run_and_store(scope, body, send, store, scope_id, text)

    async def _run_and_store(
        self,
        scope: Scope,
        body: bytes,
        send: Send,
        store: IdempotencyStore,
        scope_id: str,
        key: str,
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        except BaseException:
            await run_in_threadpool(store.abandon, scope_id, key)
            raise
        status = int(start.get("status", 500))
        if status >= 500 or status in _NOT_STORED:
            await run_in_threadpool(store.abandon, scope_id, key)
            return
        content_type = dict(start.get("headers", [])).get(b"content-type", b"").decode()
        stored = StoredResponse(status, b"".join(chunks), content_type)
        await run_in_threadpool(store.finish, scope_id, key, stored)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _send_stored(send: Send, response: StoredResponse) -> None:
    headers = [(b"idempotent-replayed", b"true")]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode()))
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _problem(scope: Scope, send: Send, status: int, slug: str, detail: str) -> None:
    titles = {400: "Bad request", 409: "Conflict", 422: "Idempotency key reused"}
    await send_problem(scope, send, status, slug, titles[status], detail)
