"""Errors raised at the canonical boundary; each says what was wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an incoming event: where (a dotted field path) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class InvalidEvent(ValueError):
    """An incoming event cannot be accepted; `problems` lists every field at fault."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        details = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"{message}: {details}" if details else message)


class MalformedEvent(InvalidEvent):
    """Not JSON, not a JSON object, or the envelope or payload fails validation."""


class PayloadTooLarge(InvalidEvent):
    """The raw event exceeds the configured size limit."""


class UnknownEventType(InvalidEvent):
    """The `type` attribute names no canonical schema this hub knows."""
