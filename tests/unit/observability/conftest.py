"""Observability fixtures (shared with the integration tests)."""

from tests.observability_fixtures import metrics, read_samples, trace_file

__all__ = ["metrics", "read_samples", "trace_file"]
