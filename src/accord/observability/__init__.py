"""Observability: Prometheus metrics, OpenTelemetry traces and JSON logs.

- `metrics`: `HubMetrics` (flow steps, reconciliation), scrape-time collectors for
  connectors, the event log, the outbox and exceptions; `hub_metrics()`, `hub_registry()`.
- `tracing`: `business_transaction(kind, key)` (one trace per contract, invoice run or
  document), `configure_tracing(home)`, connector call spans, the JSON-lines trace file.
- `instrument`: `@instrumented_step(flow, step)` for flow steps.
- `logging`: `JsonLogFormatter`, `configure_logging()`.
- `context`: `business_ids(...)`, the ids every log line and span carries.

Call `configure_observability(home)` once at process start (`accord serve`, workers).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from accord.observability.context import business_ids, current_business_ids
from accord.observability.instrument import instrumented_step
from accord.observability.logging import JsonLogFormatter, configure_logging
from accord.observability.metrics import HubMetrics, hub_metrics, hub_registry
from accord.observability.tracing import (
    business_trace_id,
    business_transaction,
    configure_tracing,
    shutdown_tracing,
)


def configure_observability(home: Path, environ: Mapping[str, str] | None = None) -> None:
    """Start JSON logging and tracing (OTLP if configured, else `home/traces.jsonl`)."""
    configure_logging()
    configure_tracing(home, environ)


__all__ = [
    "HubMetrics",
    "JsonLogFormatter",
    "business_ids",
    "business_trace_id",
    "business_transaction",
    "configure_logging",
    "configure_observability",
    "configure_tracing",
    "current_business_ids",
    "hub_metrics",
    "hub_registry",
    "instrumented_step",
    "shutdown_tracing",
]
