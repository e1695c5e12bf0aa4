"""JSON logs carry the trace and business ids, and never a credential."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace

from accord.connectors.sdk import HttpClient, RejectedError
from accord.connectors.sdk.testing import FakeHttpServer
from accord.observability import business_ids, business_transaction, configure_logging
from accord.observability.metrics import HubMetrics
from accord.observability.tracing import business_trace_id

SECRETS = ("s3cr3t-bearer-token-9f8e", "hunter2-password", "ak_live_5521", "sessiontoken-77")


class JsonLines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def logs() -> Iterator[JsonLines]:
    captured = JsonLines()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("INFO", json_format=True, stream=captured.stream)
    yield captured
    root.removeHandler(handler)
    root.setLevel(level)


def test_log_lines_carry_trace_span_and_business_ids(
    logs: JsonLines, trace_file: Path, metrics: HubMetrics
) -> None:
    log = logging.getLogger("accord.flows.posting")
    with business_transaction("contract", "C-1001") as span, business_ids(document="INV-1"):
        log.info("posting %s", "INV-1", extra={"system": "erp"})
        context = span.get_span_context()
    log.info("outside any transaction")

    inside, outside = logs.records()
    assert inside["message"] == "posting INV-1"
    assert inside["level"] == "INFO"
    assert inside["logger"] == "accord.flows.posting"
    assert inside["trace_id"] == trace.format_trace_id(business_trace_id("contract", "C-1001"))
    assert inside["span_id"] == trace.format_span_id(context.span_id)
    assert inside["contract"] == "C-1001"
    assert inside["document"] == "INV-1"
    assert inside["system"] == "erp"
    assert "trace_id" not in outside and "contract" not in outside


def test_connector_logs_name_the_call_but_no_credential(logs: JsonLines) -> None:
    client = HttpClient(
        "https://billing.test",
        connector="sandbox-billing",
        transport=FakeHttpServer().respond(401, json={"title": "bad token"}).respond(200),
        headers={"Authorization": f"Bearer {SECRETS[0]}"},
    )
    client.set_header("X-Session", SECRETS[3])
    with business_ids(document="INV-9"):
        with pytest.raises(RejectedError):
            client.post("/login", json={"user": "ops", "password": SECRETS[1]})
        client.get("/invoices", params={"api_key": SECRETS[2]})

    records = [r for r in logs.records() if r["logger"] == "accord.connector"]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("POST", "/login", 401),
        ("GET", "/invoices", 200),
    ]
    assert all(r["document"] == "INV-9" and r["connector"] == "sandbox-billing" for r in records)
    for secret in SECRETS:
        assert secret not in logs.text


def test_credentials_in_messages_and_extras_are_blanked(logs: JsonLines) -> None:
    log = logging.getLogger("accord.adapters")
    log.warning(
        "login failed for ops password=%s with Authorization: Bearer %s",
        SECRETS[1],
        SECRETS[0],
        extra={"api_key": SECRETS[2], "session_token": SECRETS[3], "tenant": "acme"},
    )
    try:
        raise ValueError(f"token={SECRETS[3]} expired")
    except ValueError:
        log.exception("refresh failed")

    warning, error = logs.records()
    assert warning["api_key"] == "[redacted]"
    assert warning["session_token"] == "[redacted]"
    assert warning["tenant"] == "acme"
    assert "password=[redacted]" in warning["message"]
    assert "token=[redacted]" in error["exception"]
    for secret in SECRETS:
        assert secret not in logs.text


def test_text_format_is_available_for_a_terminal() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("WARNING", json_format=False, stream=stream)
    try:
        logging.getLogger("accord").warning("plain %s", "line")
        logging.getLogger("accord").info("not shown")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert stream.getvalue().rstrip().endswith("WARNING accord: plain line")
    assert "not shown" not in stream.getvalue()
