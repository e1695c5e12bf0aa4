"""NATS JetStream publisher: outbox messages to one stream per domain, deduplicated.

Each message goes to the subject of its type (`accord.time_entry.applied.v1`), captured
by the domain's stream (`ACCORD_TIME_ENTRY`, subjects `accord.time_entry.>`), with the
`Nats-Msg-Id` header set to the event id so JetStream drops a republished duplicate.
The client runs on its own event loop thread so the relay can stay synchronous.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import nats
from nats.js.api import StreamConfig

from accord.application.ports import OutboxMessage

_TIMEOUT_SECONDS = 30.0
log = logging.getLogger(__name__)


def stream_for(event_type: str) -> tuple[str, str]:
    """(stream name, subject filter) of the domain an event type belongs to."""
    parts = event_type.split(".")
    domain = parts[1] if len(parts) > 2 else parts[0]
    return f"ACCORD_{domain.upper()}", f"{parts[0]}.{domain}.>"


class NatsUnreachable(ConnectionError):
    """No server of the NATS URL accepts a connection."""


def _require_reachable(url: str) -> None:
    """Fail at once, with the URL in the message, when no NATS server accepts a TCP
    connection: the client would otherwise retry for minutes, logging a traceback each time."""
    for server in url.split(","):
        parsed = urlsplit(server.strip() if "://" in server else f"nats://{server.strip()}")
        try:
            address = (parsed.hostname or "127.0.0.1", parsed.port or 4222)
            socket.create_connection(address, timeout=5).close()
            return
        except OSError:
            continue
    raise NatsUnreachable(f"no NATS server answers at {url}")


async def _log_connection_error(error: Exception) -> None:
    log.warning("NATS connection error: %s", error)


class NatsJetStreamPublisher:
    """A `Publisher` to NATS JetStream; `publish` returns after every ack arrived."""

    def __init__(self, url: str, *, namespace: str = "") -> None:
        """`namespace` prefixes subjects and stream names, so several hubs (or tests)
        can share one NATS server without their streams overlapping."""
        _require_reachable(url)
        self._namespace = namespace
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="nats-publisher", daemon=True
        )
        self._thread.start()
        self._client: Any = self._call(
            nats.connect(url, connect_timeout=5, error_cb=_log_connection_error)
        )
        self._jetstream: Any = self._client.jetstream()
        self._streams: set[str] = set()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(_TIMEOUT_SECONDS)

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if messages:
            self._call(self._publish_all(messages))

    async def _publish_all(self, messages: Sequence[OutboxMessage]) -> None:
        for event_type in {message.type for message in messages}:
            await self._ensure_stream(event_type)
        await asyncio.gather(
            *(
                self._jetstream.publish(
                    self.subject_for(message.type),
                    message.payload.encode(),
                    headers={"Nats-Msg-Id": message.event_id},
                )
                for message in messages
            )
        )

    def subject_for(self, event_type: str) -> str:
        return f"{self._namespace}.{event_type}" if self._namespace else event_type

    def stream_name_for(self, event_type: str) -> str:
        name = stream_for(event_type)[0]
        return f"{self._namespace.upper()}_{name}" if self._namespace else name

    async def _ensure_stream(self, event_type: str) -> None:
        name = self.stream_name_for(event_type)
        subjects = self.subject_for(stream_for(event_type)[1])
        if name in self._streams:
            return
        try:
            await self._jetstream.stream_info(name)
        except nats.js.errors.NotFoundError:
            await self._jetstream.add_stream(StreamConfig(name=name, subjects=[subjects]))
        self._streams.add(name)

    def close(self) -> None:
        try:
            self._call(self._client.drain())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
