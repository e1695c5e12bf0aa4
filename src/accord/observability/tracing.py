"""OpenTelemetry traces: one business transaction (a contract, an invoice run, a
document's posting) is one trace, across flow steps and connector calls.

The trace id is derived from the business key, not drawn at random, so a step that runs
later, in another process, or after a crash and restart, lands in the same trace as the
steps before it. Each `business_transaction` opens a span under a virtual root whose ids
also derive from the key; flow steps and connector calls are its children.

Spans go to an OTLP/HTTP collector when one is configured (`ACCORD_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), otherwise one JSON
object per line to `ACCORD_HOME/traces.jsonl`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, StatusCode, TraceFlags

from accord.connectors.sdk.http import CallAttempt, add_call_observer
from accord.observability.context import business_ids

TRACES_FILE = "traces.jsonl"
TRACER_NAME = "accord"
TRACES_PATH = "/v1/traces"


def business_trace_id(kind: str, key: str) -> int:
    """The 128-bit trace id of business transaction `kind`/`key`, the same in every
    process and run (a SHA-256 of the pair, never 0 as W3C trace context requires)."""
    return int.from_bytes(_digest(kind, key)[:16], "big") or 1


def _root_span_id(kind: str, key: str) -> int:
    return int.from_bytes(_digest(kind, key)[16:24], "big") or 1


def _digest(kind: str, key: str) -> bytes:
    return hashlib.sha256(f"accord:{kind}:{key}".encode()).digest()


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span as one JSON object per line, for local inspection
    (`jq`) when no collector is configured. Thread-safe; one file per hub home."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_as_dict(span), sort_keys=True) + "\n" for span in spans)
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(lines)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Nothing to release: the file is opened per export."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def span_as_dict(span: ReadableSpan) -> dict[str, Any]:
    """A span as the trace file stores it: hex ids as in W3C trace context, times in ns."""
    context = span.get_span_context()
    parent = span.parent
    return {
        "name": span.name,
        "trace_id": trace.format_trace_id(context.trace_id) if context else None,
        "span_id": trace.format_span_id(context.span_id) if context else None,
        "parent_span_id": trace.format_span_id(parent.span_id) if parent else None,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "status_description": span.status.description,
        "attributes": dict(span.attributes or {}),
        "events": [
            {"name": event.name, "attributes": dict(event.attributes or {})}
            for event in span.events
        ],
        "service": span.resource.attributes.get("service.name"),
    }


def read_trace_file(path: Path) -> list[dict[str, Any]]:
    """The spans stored in a trace file, oldest first (an absent file has none)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def otlp_traces_endpoint(environ: Mapping[str, str]) -> str | None:
    """The OTLP/HTTP traces URL configured in `environ`, or None when none is.

    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is a full URL and used as is; the base URLs
    `ACCORD_OTLP_ENDPOINT` and `OTEL_EXPORTER_OTLP_ENDPOINT` get `/v1/traces` appended.
    """
    full = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if full:
        return full
    for variable in ("ACCORD_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        base = environ.get(variable, "").strip().rstrip("/")
        if base:
            return base if base.endswith(TRACES_PATH) else base + TRACES_PATH
    return None


def create_tracer_provider(
    home: Path, environ: Mapping[str, str] | None = None, service_name: str = "accord"
) -> TracerProvider:
    """A tracer provider exporting by OTLP when configured, else to `home/traces.jsonl`.

    OTLP spans are batched (the collector is remote); file spans are written as each one
    ends, so a crash loses none of the steps that finished before it.
    """
    environ = os.environ if environ is None else environ
    provider = TracerProvider(
        resource=Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME", service_name)})
    )
    exporter = span_exporter(home, environ)
    provider.add_span_processor(
        BatchSpanProcessor(exporter)
        if isinstance(exporter, OTLPSpanExporter)
        else SimpleSpanProcessor(exporter)
    )
    return provider


def span_exporter(home: Path, environ: Mapping[str, str]) -> SpanExporter:
    """OTLP/HTTP to the configured endpoint, else the JSON-lines file under `home`."""
    endpoint = otlp_traces_endpoint(environ)
    if endpoint is not None:
        return OTLPSpanExporter(endpoint=endpoint)
    return JsonLinesSpanExporter(home / TRACES_FILE)


_provider: TracerProvider | None = None
_provider_lock = threading.Lock()


def use_tracer_provider(provider: TracerProvider | None) -> TracerProvider | None:
    """Make `provider` the one Accord's spans go to (None: OpenTelemetry's global one,
    a no-op unless the application set one). Returns the previous provider, which the
    caller shuts down when it is done with it."""
    global _provider
    with _provider_lock:
        previous, _provider = _provider, provider
    return previous


def configure_tracing(home: Path, environ: Mapping[str, str] | None = None) -> TracerProvider:
    """Start tracing for this process: create the provider (see `create_tracer_provider`),
    use it, and trace every connector call. Safe to call again (e.g. in tests)."""
    provider = create_tracer_provider(home, environ)
    previous = use_tracer_provider(provider)
    if previous is not None:
        previous.shutdown()
    add_call_observer(trace_connector_call)
    return provider


def shutdown_tracing() -> None:
    """Flush and stop the process's tracer provider (spans of a batch are sent now)."""
    previous = use_tracer_provider(None)
    if previous is not None:
        previous.shutdown()


def tracer() -> trace.Tracer:
    provider = _provider
    if provider is None:
        return trace.get_tracer(TRACER_NAME)
    return provider.get_tracer(TRACER_NAME)


@contextmanager
def business_transaction(kind: str, key: str) -> Iterator[Span]:
    """Run the block as part of business transaction `kind`/`key` (e.g. `"contract",
    "C-1"`; `"invoice_run", <workflow id>`; `"document", "INV-1"`).

    Opens a span in the transaction's deterministic trace and binds `{kind: key}` as a
    business id for log lines. An exception escaping the block marks the span as failed.
    """
    root = SpanContext(
        trace_id=business_trace_id(kind, key),
        span_id=_root_span_id(kind, key),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    parent = trace.set_span_in_context(NonRecordingSpan(root))
    attributes = {"accord.business.kind": kind, "accord.business.key": key}
    with (
        business_ids(**{kind: key}),
        tracer().start_as_current_span(kind, context=parent, attributes=attributes) as span,
    ):
        yield span


def trace_connector_call(attempt: CallAttempt) -> None:
    """Record one connector HTTP attempt as a client span under the current span.

    Registered with the connector SDK by `configure_tracing`; the SDK calls it on the
    calling thread, so the span's parent is the flow step that made the call.
    """
    attributes: dict[str, str | int] = {
        "accord.connector": attempt.connector,
        "http.request.method": attempt.method,
        "url.path": attempt.path,
        "accord.attempt": attempt.attempt,
    }
    if attempt.status is not None:
        attributes["http.response.status_code"] = attempt.status
    if attempt.error is not None:
        attributes["error.type"] = attempt.error
    if attempt.idempotency_key is not None:
        attributes["accord.idempotency_key"] = attempt.idempotency_key
    span = tracer().start_span(
        f"{attempt.connector} {attempt.method} {attempt.path}",
        kind=trace.SpanKind.CLIENT,
        start_time=attempt.started_ns,
        attributes=attributes,
    )
    if attempt.error is not None or (attempt.status or 0) >= 400:
        span.set_status(StatusCode.ERROR, attempt.error or f"HTTP {attempt.status}")
    span.end(end_time=attempt.ended_ns)
