"""Fault injection: the ways a sandbox system misbehaves, switched on by API or config.

A `Fault` is active while the simulated clock is before its `until` (no `until` = until
cleared) and, for a burst, while it has requests left in `count`. `rate` is the share of
matching requests it hits, drawn from a seeded generator so a test run is reproducible.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from accord.connectors.sandbox.clock import format_instant, parse_instant


class FaultKind(StrEnum):
    """What a fault does to the requests (or feed reads) it hits."""

    UNAVAILABLE = "unavailable"  # 503, the system is down
    THROTTLE = "throttle"  # 429, with Retry-After where the real system sends one
    REJECT = "reject"  # a 4xx business error on writes
    LATENCY = "latency"  # every hit request is delayed by latency_ms
    ERROR_RATE = "error_rate"  # 500 on a share of requests
    DUPLICATE = "duplicate"  # feed reads deliver some events twice
    REORDER = "reorder"  # feed reads deliver events out of order
    GAP = "gap"  # CRM change events lose their fields (GAP_* change types)


@dataclass
class Fault:
    """One misbehaviour of one system; see the module docstring for the matching rules."""

    kind: FaultKind
    until: datetime | None = None
    rate: float = 1.0
    retry_after: float | None = None
    count: int | None = None
    latency_ms: int = 0
    path: str | None = None
    status: int | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def is_active(self, now: datetime) -> bool:
        in_window = self.until is None or now < self.until
        return in_window and (self.count is None or self.count > 0)

    def applies_to(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["until"] = format_instant(self.until) if self.until else None
        return data


_FIELDS = {"kind", "until", "rate", "retry_after", "count", "latency_ms", "path", "status"}


def fault_from_dict(data: Mapping[str, Any], *, default_retry_after: float | None) -> Fault:
    """Build a fault from API/config input; a missing `retry_after` takes the system default.

    An explicit `retry_after: null` means "429 without Retry-After", which is how Kantata
    throttles, so absence and null are deliberately different.
    """
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"unknown fault field(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
    if "kind" not in data:
        raise ValueError(f"a fault needs a kind, one of {[k.value for k in FaultKind]}")
    try:
        kind = FaultKind(data["kind"])
    except ValueError:
        raise ValueError(
            f"unknown fault kind {data['kind']!r}; use one of {[k.value for k in FaultKind]}"
        ) from None
    until = data.get("until")
    rate = float(data.get("rate", 1.0))
    if not 0 <= rate <= 1:
        raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
    return Fault(
        kind=kind,
        until=parse_instant(str(until)) if until is not None else None,
        rate=rate,
        retry_after=data.get("retry_after", default_retry_after),
        count=data.get("count"),
        latency_ms=int(data.get("latency_ms", 0)),
        path=data.get("path"),
        status=data.get("status"),
    )


class FaultPlan:
    """The faults of one system, thread-safe, with a seeded draw for partial rates."""

    def __init__(self, faults: Iterable[Fault] = (), *, seed: int = 7) -> None:
        self._lock = threading.Lock()
        self._faults = list(faults)
        self._rng = random.Random(seed)

    @classmethod
    def from_config(
        cls, items: Iterable[Mapping[str, Any]], *, default_retry_after: float | None = 1.0
    ) -> FaultPlan:
        return cls(fault_from_dict(i, default_retry_after=default_retry_after) for i in items)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self, now: datetime) -> list[Fault]:
        """Copies of the faults still active at `now`."""
        with self._lock:
            return [replace(f) for f in self._faults if f.is_active(now)]

    def hit(self, kind: str, now: datetime, path: str = "") -> Fault | None:
        """The active fault of `kind` that hits this request, consuming one of its `count`.
        A kind is a `FaultKind` or its value (as the vendor simulators name it)."""
        with self._lock:
            for fault in self._faults:
                if fault.kind != kind or not fault.is_active(now):
                    continue
                if not fault.applies_to(path) or self._rng.random() >= fault.rate:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                return replace(fault)
        return None

    def chance(self, kind: str, now: datetime, path: str = "") -> float:
        """The rate of the active fault of `kind` (for per-item effects on feeds), else 0."""
        with self._lock:
            rates = [
                f.rate
                for f in self._faults
                if f.kind == kind and f.is_active(now) and f.applies_to(path)
            ]
        return max(rates, default=0.0)

    def draw(self) -> float:
        """A reproducible random number in [0, 1) for per-item feed effects."""
        with self._lock:
            return self._rng.random()
