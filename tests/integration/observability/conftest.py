"""Fixtures for observability integration tests: fresh process metrics, a file-backed
tracer, and a reader for the Prometheus text format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from accord.observability.metrics import HubMetrics, use_hub_metrics
from accord.observability.tracing import TRACES_FILE, create_tracer_provider, use_tracer_provider

Sample = Callable[..., float | None]


def _reader(text: str) -> Sample:
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]

    def value(name: str, **labels: str) -> float | None:
        for sample in samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
        return None

    return value


@pytest.fixture
def read_samples() -> Callable[[str], Sample]:
    """`read_samples(text)(name, **labels)`: a sample's value in a scrape, None if absent."""
    return _reader


@pytest.fixture
def metrics() -> Iterator[HubMetrics]:
    fresh = HubMetrics()
    previous = use_hub_metrics(fresh)
    yield fresh
    use_hub_metrics(previous)


@pytest.fixture
def trace_file(tmp_path: Path) -> Iterator[Path]:
    provider = create_tracer_provider(tmp_path, environ={})
    previous = use_tracer_provider(provider)
    yield tmp_path / TRACES_FILE
    use_tracer_provider(previous)
    provider.shutdown()
