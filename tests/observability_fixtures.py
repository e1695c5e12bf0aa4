"""Observability fixtures shared by the unit and integration tests: fresh process
metrics, a file-backed tracer, and a reader for the Prometheus text format. Each
observability conftest imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from accord.observability.metrics import HubMetrics, use_hub_metrics
from accord.observability.tracing import (
    TRACES_FILE,
    create_tracer_provider,
    use_tracer_provider,
)

Sample = Callable[..., float | None]


def sample_reader(text: str) -> Sample:
    """`value(name, **labels)`: the sample's value in a scrape, None when absent."""
    samples = [
        sample for family in text_string_to_metric_families(text) for sample in family.samples
    ]

    def value(name: str, **labels: str) -> float | None:
        for sample in samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
        return None

    return value


@pytest.fixture
def read_samples() -> Callable[[str], Sample]:
    return sample_reader


@pytest.fixture
def metrics() -> Iterator[HubMetrics]:
    """A fresh `HubMetrics` installed as the process's metrics for the test."""
    fresh = HubMetrics()
    previous = use_hub_metrics(fresh)
    yield fresh
    use_hub_metrics(previous)


@pytest.fixture
def trace_file(tmp_path: Path) -> Iterator[Path]:
    """Spans of the test go to this JSON-lines file (no OTLP endpoint is configured)."""
    provider = create_tracer_provider(tmp_path, environ={})
    previous = use_tracer_provider(provider)
    yield tmp_path / TRACES_FILE
    use_tracer_provider(previous)
    provider.shutdown()
