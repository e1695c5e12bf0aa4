"""Per-connector call counters that observability reads (and exports) later.

Counters are plain integers behind a lock: cheap enough to bump on every HTTP attempt and
independent of any metrics library, so connectors and their tests need nothing else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from accord.connectors.sdk.resilience import CircuitState


@dataclass
class ConnectorMetrics:
    """Counters for one connector.

    - `calls`: HTTP attempts sent (a call retried twice counts three).
    - `errors`: calls that ended in an error raised to the caller.
    - `throttles`: HTTP 429 answers received.
    - `retries`: attempts made after a failed one.
    - `circuit_rejections`: calls refused without calling because the circuit was open.
    - `circuit_state`: the breaker's state after the latest attempt.
    """

    connector: str
    calls: int = 0
    errors: int = 0
    throttles: int = 0
    retries: int = 0
    circuit_rejections: int = 0
    circuit_state: CircuitState = CircuitState.CLOSED
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def add(
        self,
        *,
        calls: int = 0,
        errors: int = 0,
        throttles: int = 0,
        retries: int = 0,
        circuit_rejections: int = 0,
    ) -> None:
        with self._lock:
            self.calls += calls
            self.errors += errors
            self.throttles += throttles
            self.retries += retries
            self.circuit_rejections += circuit_rejections

    def set_circuit_state(self, state: CircuitState) -> None:
        with self._lock:
            self.circuit_state = state

    def snapshot(self) -> dict[str, int | str]:
        """A consistent copy of the counters, e.g. for a health page or an exporter."""
        with self._lock:
            return {
                "connector": self.connector,
                "calls": self.calls,
                "errors": self.errors,
                "throttles": self.throttles,
                "retries": self.retries,
                "circuit_rejections": self.circuit_rejections,
                "circuit_state": self.circuit_state.value,
            }


_registry: dict[str, ConnectorMetrics] = {}
_registry_lock = threading.Lock()


def connector_metrics(connector: str) -> ConnectorMetrics:
    """The process-wide counters of `connector`, created on first use."""
    with _registry_lock:
        metrics = _registry.get(connector)
        if metrics is None:
            metrics = _registry[connector] = ConnectorMetrics(connector)
        return metrics


def all_connector_metrics() -> list[ConnectorMetrics]:
    """Every connector's counters, sorted by connector name, for exporters."""
    with _registry_lock:
        return [_registry[name] for name in sorted(_registry)]
