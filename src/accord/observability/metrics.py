"""Prometheus metrics of the hub: flows, event log, outbox, connectors, exceptions and
reconciliation.

Two kinds of metric live here:

- recorded as things happen, in `HubMetrics` (flow steps, reconciliation results), kept
  in the process's own `CollectorRegistry` (never prometheus_client's global one, so a test
  can start from a fresh `HubMetrics`);
- read at scrape time from their source of truth, by collectors: connector counters from
  the connector SDK, the event-log backlog and outbox lag from the hub's status, open
  exceptions and SLA breaches from the exception queue. Nothing is cached, so a scrape
  always shows the store as it is.

Metric names and labels are listed in docs/observability.md.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from accord.application.clock import Clock, utc_now
from accord.application.ports import EventLogStatus, ExceptionRecord
from accord.connectors.sdk.metrics import all_connector_metrics
from accord.connectors.sdk.resilience import CircuitState
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from accord.domain.reconciliation.kinds import Discrepancy

STEP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
RAISED = "raised"
"""The failure `kind` label of a step that raised instead of returning an outcome."""


class HubMetrics:
    """The metrics the hub records as it works, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.step_runs = Counter(
            "accord_flow_step_runs",
            "Flow step executions (a replayed, already recorded step is not run again).",
            ["flow", "step"],
            registry=self.registry,
        )
        self.step_failures = Counter(
            "accord_flow_step_failures",
            "Flow step executions that failed: the exception kind they amount to, or "
            "'raised' when the step raised.",
            ["flow", "step", "kind"],
            registry=self.registry,
        )
        self.step_duration = Histogram(
            "accord_flow_step_duration_seconds",
            "Wall-clock duration of one flow step execution, failed ones included.",
            ["flow", "step"],
            buckets=STEP_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.discrepancies = Gauge(
            "accord_reconciliation_discrepancies",
            "Discrepancies found by the latest reconciliation run.",
            ["kind", "owner"],
            registry=self.registry,
        )
        self.amount_at_risk = Gauge(
            "accord_reconciliation_amount_at_risk",
            "Amount at risk in the latest reconciliation run's discrepancies, per currency.",
            ["currency"],
            registry=self.registry,
        )
        self.reconciled_at = Gauge(
            "accord_reconciliation_last_run_timestamp_seconds",
            "When the latest reconciliation run finished (Unix time).",
            registry=self.registry,
        )
        self._reconciliation_lock = threading.Lock()
        self.registry.register(ConnectorCollector())

    def record_step(self, flow: str, step: str, seconds: float, failure: str | None) -> None:
        """Count one step execution; `failure` is the failure kind, None when it succeeded."""
        self.step_runs.labels(flow, step).inc()
        self.step_duration.labels(flow, step).observe(seconds)
        if failure is not None:
            self.step_failures.labels(flow, step, failure).inc()

    def record_reconciliation(
        self, discrepancies: Iterable[Discrepancy], finished_at: datetime | None = None
    ) -> None:
        """Replace the reconciliation gauges with one run's results.

        Called by whoever runs reconciliation (the scheduler, the CLI) with the report's
        discrepancies. Kinds and currencies absent from this run drop to no series, so a
        resolved discrepancy disappears from the dashboard. Amounts are summed as Decimal
        and converted to a float only for export, since Prometheus values are floats.
        """
        found = list(discrepancies)
        counts = Tally((d.kind.value, d.owner.value) for d in found)
        at_risk: dict[str, Decimal] = {}
        for discrepancy in found:
            if discrepancy.amount_at_risk is not None:
                currency = discrepancy.currency or "unknown"
                at_risk[currency] = at_risk.get(currency, Decimal(0)) + discrepancy.amount_at_risk
        with self._reconciliation_lock:
            self.discrepancies.clear()
            self.amount_at_risk.clear()
            for (kind, owner), count in counts.items():
                self.discrepancies.labels(kind, owner).set(count)
            for currency, amount in at_risk.items():
                self.amount_at_risk.labels(currency).set(float(amount))
            self.reconciled_at.set((finished_at or utc_now()).timestamp())


_CONNECTOR_COUNTERS = (
    ("calls", "HTTP attempts sent to the system (a call retried twice counts three)."),
    ("errors", "Calls that ended in an error raised to the caller."),
    ("throttles", "HTTP 429 answers received from the system."),
    ("retries", "Attempts made after a failed one."),
    ("circuit_rejections", "Calls refused without calling because the circuit was open."),
)


class ConnectorCollector(Collector):
    """Exports the connector SDK's per-connector counters as they are at scrape time."""

    def collect(self) -> Iterator[Metric]:
        snapshots = [metrics.snapshot() for metrics in all_connector_metrics()]
        for name, documentation in _CONNECTOR_COUNTERS:
            family = CounterMetricFamily(
                f"accord_connector_{name}", documentation, labels=["connector"]
            )
            for snapshot in snapshots:
                family.add_metric([str(snapshot["connector"])], float(snapshot[name]))
            yield family
        state = GaugeMetricFamily(
            "accord_connector_circuit_state",
            "The connector's circuit breaker: 1 for its current state, 0 for the others.",
            labels=["connector", "state"],
        )
        for snapshot in snapshots:
            for candidate in CircuitState:
                current = 1.0 if snapshot["circuit_state"] == candidate.value else 0.0
                state.add_metric([str(snapshot["connector"]), candidate.value], current)
        yield state


class HubReadModels(Protocol):
    """What the scrape-time collectors read from a hub (`accord.bootstrap.Hub` fits)."""

    def status(self) -> EventLogStatus: ...

    def exceptions(
        self, owner: Any = None, kind: Any = None, status: ExceptionStatus | None = None
    ) -> Sequence[ExceptionRecord]: ...


def _age_seconds(since: datetime | None, now: datetime) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return max(0.0, (now - since).total_seconds())


class EventLogCollector(Collector):
    """Event-log backlog, oldest pending event and outbox lag, read at scrape time."""

    def __init__(self, status: Callable[[], EventLogStatus], clock: Clock = utc_now) -> None:
        self._status = status
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        status, now = self._status(), self._clock()
        events = GaugeMetricFamily(
            "accord_event_log_events", "Inbound events by status.", labels=["status"]
        )
        for event_status, count in sorted(status.counts.items()):
            events.add_metric([str(event_status)], float(count))
        yield events
        yield GaugeMetricFamily(
            "accord_event_log_backlog", "Inbound events waiting to be applied.", status.backlog
        )
        yield GaugeMetricFamily(
            "accord_event_log_oldest_pending_age_seconds",
            "Age of the oldest inbound event waiting to be applied (0 when none waits).",
            _age_seconds(status.oldest_pending_at, now),
        )
        yield GaugeMetricFamily(
            "accord_outbox_unpublished",
            "Outbox messages not yet published.",
            status.outbox_unpublished,
        )
        yield GaugeMetricFamily(
            "accord_outbox_lag_seconds",
            "Age of the oldest unpublished outbox message (0 when all are published).",
            _age_seconds(status.oldest_unpublished_at, now),
        )


class ExceptionCollector(Collector):
    """Open exceptions and SLA breaches by owner and kind, read at scrape time.

    Every standard kind is exported with its default owner even at zero, so a dashboard
    shows a flat line rather than no data, and alerts can use `rate`/`increase`.
    """

    def __init__(
        self, open_exceptions: Callable[[], Iterable[ExceptionRecord]], clock: Clock = utc_now
    ) -> None:
        self._open_exceptions = open_exceptions
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        opened: Tally[tuple[str, str]] = Tally({(k.owner.value, k.value): 0 for k in ExceptionKind})
        breached: Tally[tuple[str, str]] = Tally(dict.fromkeys(opened, 0))
        for record in self._open_exceptions():
            labels = (record.owner.value, record.kind.value)
            opened[labels] += 1
            breached[labels] += 1 if _age_seconds(record.sla_due, now) > 0 else 0
        yield _gauge(
            "accord_exceptions_open", "Open business exceptions by owner and kind.", opened
        )
        yield _gauge(
            "accord_exceptions_sla_breached",
            "Open business exceptions past their SLA due time, by owner and kind.",
            breached,
        )


def _gauge(name: str, documentation: str, values: Tally[tuple[str, str]]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=["owner", "kind"])
    for labels, value in sorted(values.items()):
        family.add_metric(list(labels), float(value))
    return family


class _Forward(Collector):
    """Re-exports another registry's metrics, so one scrape shows both registries."""

    def __init__(self, registry: Callable[[], CollectorRegistry]) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry().collect()


def hub_registry(
    hub: HubReadModels, metrics: HubMetrics | None = None, clock: Clock = utc_now
) -> CollectorRegistry:
    """The registry `/metrics` serves for `hub`: its read models plus `metrics` (by
    default the process's `hub_metrics()`, looked up at each scrape).

    Built per hub (not added to the process registry) so several hubs in one process,
    as in tests, never clash over metric names.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Forward(lambda: (metrics or hub_metrics()).registry))
    registry.register(EventLogCollector(hub.status, clock))
    registry.register(
        ExceptionCollector(lambda: hub.exceptions(status=ExceptionStatus.OPEN), clock)
    )
    return registry


_process_metrics: HubMetrics | None = None
_process_lock = threading.Lock()


def hub_metrics() -> HubMetrics:
    """The process's metrics, created on first use; flows and services record here."""
    global _process_metrics
    with _process_lock:
        if _process_metrics is None:
            _process_metrics = HubMetrics()
        return _process_metrics


def use_hub_metrics(metrics: HubMetrics) -> HubMetrics:
    """Make `metrics` the process's metrics (tests start from a fresh one); returns the
    previous ones so they can be put back."""
    global _process_metrics
    with _process_lock:
        previous = _process_metrics or HubMetrics()
        _process_metrics = metrics
        return previous
