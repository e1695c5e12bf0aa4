"""In-process event distribution: the embedded default's publisher.

Subscribers register for an event-type prefix ("accord.time_entry." or "" for all) and
are called synchronously in publish order. A subscriber that raises makes the publish
fail, so the outbox keeps the message and the relay delivers it again (at-least-once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from accord.application.ports import OutboxMessage

Subscriber = Callable[[OutboxMessage], None]


class InProcessBus:
    """A `Publisher` that hands each message to the subscribers of its type prefix."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[str, Subscriber]] = []

    def subscribe(self, type_prefix: str, subscriber: Subscriber) -> None:
        self._subscribers.append((type_prefix, subscriber))

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        if not self._subscribers:
            return
        for message in messages:
            for prefix, subscriber in self._subscribers:
                if message.type.startswith(prefix):
                    subscriber(message)

    def close(self) -> None:
        self._subscribers.clear()
