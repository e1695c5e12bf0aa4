"""What a simulator does wrong: an outage, throttling, server errors, slowness, records
delivered twice or out of order.

A simulator asks a `FaultPlan` per request. Two plans fit: `Faults`, the knobs a test
turns (`simulator.faults.throttle = 2`), and the sandbox's own fault plan, whose faults
run on the sandbox's clock, for a share of requests, on a path, until a moment (it
satisfies the protocol as it is, so the sandbox's fault API reaches every simulator).
The kinds are the sandbox's words for them.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

UNAVAILABLE = "unavailable"
THROTTLE = "throttle"
ERROR_RATE = "error_rate"
LATENCY = "latency"
DUPLICATE = "duplicate"
REORDER = "reorder"


class PlannedFault(Protocol):
    """One fault a request met: what to answer (or how long to wait)."""

    @property
    def status(self) -> int | None: ...

    @property
    def retry_after(self) -> float | None: ...

    @property
    def latency_ms(self) -> int: ...


class FaultPlan(Protocol):
    """The faults a simulator meets, asked per request (`hit`, spending a count) and per
    listing (`chance` of duplicated or reordered records)."""

    def hit(self, kind: str, now: datetime, path: str = "") -> PlannedFault | None: ...

    def chance(self, kind: str, now: datetime, path: str = "") -> float: ...


@dataclass(frozen=True)
class Refusal:
    """The HTTP status (and headers) a simulator answers a request with instead."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


def refusal(plan: FaultPlan, now: datetime, path: str) -> Refusal | None:
    """The answer this request gets instead of its own, if a fault hits it: 503 during
    an outage, else 429 (with `Retry-After` when the fault names one), else a server
    error (500 unless the fault names its status)."""
    if plan.hit(UNAVAILABLE, now, path) is not None:
        return Refusal(503)
    if (throttled := plan.hit(THROTTLE, now, path)) is not None:
        wait = throttled.retry_after
        return Refusal(429, {"Retry-After": f"{wait:g}"} if wait is not None else {})
    if (failed := plan.hit(ERROR_RATE, now, path)) is not None:
        return Refusal(failed.status or 500)
    return None


async def delay(plan: FaultPlan, now: datetime, path: str) -> None:
    """Wait as long as a latency fault asks, if one hits this request."""
    slow = plan.hit(LATENCY, now, path)
    if slow is not None and slow.latency_ms:
        await asyncio.sleep(slow.latency_ms / 1000)


Item = TypeVar("Item")


def unordered(plan: FaultPlan, now: datetime, path: str, found: list[Item]) -> list[Item]:
    """What a listing the client asked in no particular order delivers while records
    are reordered: the last written first. A vendor keeps an order it was asked for (a
    SOQL or SuiteQL `ORDER BY`, Kantata's `order`), so reordering never breaks one; a
    connector that does not ask must not rely on the order it happens to get.
    (Duplicates depend on the paging: each simulator repeats the previous page's last
    record while `chance(DUPLICATE)` is on.)"""
    return found[::-1] if plan.chance(REORDER, now, path) else found


@dataclass(frozen=True)
class KnobFault:
    """A fault the knobs produce (see `PlannedFault`)."""

    status: int | None = None
    retry_after: float | None = None
    latency_ms: int = 0


@dataclass
class Faults:
    """The knobs a test turns (counts are requests left): a `FaultPlan` on its own."""

    outage: bool = False
    throttle: int = 0
    retry_after: float | None = 1.0
    server_errors: int = 0
    server_error_status: int = 500
    latency_seconds: float = 0.0
    duplicates: bool = False
    reorder: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hit(self, kind: str, now: datetime, path: str = "") -> PlannedFault | None:
        """The fault of `kind` this request meets, one of its count spent (thread-safe:
        concurrent requests spend a count once)."""
        with self._lock:
            if kind == UNAVAILABLE and self.outage:
                return KnobFault(503)
            if kind == THROTTLE and self.throttle > 0:
                self.throttle -= 1
                return KnobFault(429, self.retry_after)
            if kind == ERROR_RATE and self.server_errors > 0:
                self.server_errors -= 1
                return KnobFault(self.server_error_status)
            if kind == LATENCY and self.latency_seconds:
                return KnobFault(latency_ms=int(self.latency_seconds * 1000))
        return None

    def chance(self, kind: str, now: datetime, path: str = "") -> float:
        switched = {DUPLICATE: self.duplicates, REORDER: self.reorder}.get(kind, False)
        return 1.0 if switched else 0.0
