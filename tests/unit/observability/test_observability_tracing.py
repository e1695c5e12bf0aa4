"""One business transaction is one trace: across steps, connector calls and processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from accord.application.steps.context import StepOutcome
from accord.connectors.sdk import HttpClient, RetryPolicy
from accord.connectors.sdk.http import add_call_observer, remove_call_observer
from accord.connectors.sdk.testing import FakeClock, FakeHttpServer, FakeSleep
from accord.observability import business_transaction, instrumented_step
from accord.observability.metrics import HubMetrics
from accord.observability.tracing import (
    JsonLinesSpanExporter,
    business_trace_id,
    otlp_traces_endpoint,
    read_trace_file,
    span_exporter,
    trace_connector_call,
)


@instrumented_step("activation", "set_up_in_erp")
def set_up_in_erp(contract: str) -> StepOutcome:
    return StepOutcome(False, "system_unavailable", f"erp: 503 for {contract}", "erp")


@pytest.fixture
def connector_spans() -> Iterator[None]:
    add_call_observer(trace_connector_call)
    yield
    remove_call_observer(trace_connector_call)


def _by_name(spans: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [span for span in spans if span["name"] == name]


def test_a_failed_step_is_an_error_span_under_its_business_transaction(
    trace_file: Path, metrics: HubMetrics
) -> None:
    with business_transaction("contract", "C-7"):
        set_up_in_erp("C-7")
    spans = read_trace_file(trace_file)
    (root,) = _by_name(spans, "contract")
    (step,) = _by_name(spans, "activation.set_up_in_erp")
    assert step["parent_span_id"] == root["span_id"]
    assert root["attributes"] == {"accord.business.kind": "contract", "accord.business.key": "C-7"}
    assert step["status"] == "ERROR"
    assert step["status_description"] == "erp: 503 for C-7"
    assert step["attributes"]["accord.failure.kind"] == "system_unavailable"
    assert step["attributes"]["accord.failure.system"] == "erp"
    assert step["service"] == "accord"


def test_each_connector_attempt_is_a_child_span_of_the_step(
    trace_file: Path, metrics: HubMetrics, connector_spans: None
) -> None:
    clock = FakeClock()
    client = HttpClient(
        "https://erp.test",
        connector="sandbox-erp",
        transport=FakeHttpServer().throttle(1, retry_after="2").respond(201),
        clock=clock,
        sleep=FakeSleep(clock),
        retry=RetryPolicy(max_attempts=3),
    )

    @instrumented_step("posting", "post_to_erp")
    def post_to_erp(number: str) -> StepOutcome:
        client.post("/invoices", json={"number": number}, idempotency_key=f"post:{number}")
        return StepOutcome.ok()

    with business_transaction("document", "INV-DE01-000001"):
        post_to_erp("INV-DE01-000001")

    spans = read_trace_file(trace_file)
    (step,) = _by_name(spans, "posting.post_to_erp")
    calls = _by_name(spans, "sandbox-erp POST /invoices")
    assert [call["attributes"]["accord.attempt"] for call in calls] == [1, 2]
    assert [call["attributes"]["http.response.status_code"] for call in calls] == [429, 201]
    assert [call["status"] for call in calls] == ["ERROR", "UNSET"]
    assert {call["parent_span_id"] for call in calls} == {step["span_id"]}
    assert {call["trace_id"] for call in calls} == {
        trace.format_trace_id(business_trace_id("document", "INV-DE01-000001"))
    }
    assert calls[0]["attributes"]["accord.idempotency_key"] == "post:INV-DE01-000001"
    assert all(call["end_ns"] >= call["start_ns"] for call in calls)


def test_a_span_observer_that_fails_never_fails_the_call() -> None:
    def broken(_: object) -> None:
        raise RuntimeError("observer bug")

    add_call_observer(broken)
    try:
        client = HttpClient("https://crm.test", connector="crm-x", transport=FakeHttpServer())
        assert client.get("/accounts").status_code == 200
    finally:
        remove_call_observer(broken)


def test_otlp_is_selected_by_configuration_and_the_file_otherwise(tmp_path: Path) -> None:
    assert otlp_traces_endpoint({}) is None
    assert (
        otlp_traces_endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"})
        == "http://collector:4318/v1/traces"
    )
    assert (
        otlp_traces_endpoint(
            {
                "ACCORD_OTLP_ENDPOINT": "http://accord-collector:4318",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            }
        )
        == "http://accord-collector:4318/v1/traces"
    )
    assert (
        otlp_traces_endpoint({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/custom"})
        == "http://c:4318/custom"
    )

    otlp = span_exporter(tmp_path, {"ACCORD_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert isinstance(otlp, OTLPSpanExporter)
    otlp.shutdown()
    local = span_exporter(tmp_path, {})
    assert isinstance(local, JsonLinesSpanExporter)
    assert local.path == tmp_path / "traces.jsonl"


def test_business_trace_ids_are_stable_and_distinct() -> None:
    assert business_trace_id("contract", "C-1") == business_trace_id("contract", "C-1")
    assert business_trace_id("contract", "C-1") != business_trace_id("contract", "C-2")
    assert business_trace_id("contract", "C-1") != business_trace_id("document", "C-1")
    assert 0 < business_trace_id("invoice_run", "all:2026-03-31") < 2**128
