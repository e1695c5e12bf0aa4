"""`/metrics` moves with the hub's work: flow steps, connectors, event log, exceptions,
reconciliation. Scraped through FastAPI like Prometheus would."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.api.metrics import router
from accord.application.ports import EventLogStatus, EventStatus, ExceptionRecord
from accord.application.steps.context import StepOutcome
from accord.connectors.sdk import (
    CircuitBreaker,
    CircuitOpenError,
    HttpClient,
    RetryPolicy,
    UnavailableError,
)
from accord.connectors.sdk.testing import FakeClock, FakeHttpServer, FakeSleep
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole
from accord.domain.reconciliation.kinds import Discrepancy, DiscrepancyKind
from accord.observability import instrumented_step
from accord.observability.metrics import HubMetrics

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


class FakeHub:
    def __init__(self) -> None:
        self.event_status = EventLogStatus(
            counts={status: 0 for status in EventStatus},
            oldest_pending_at=None,
            outbox_unpublished=0,
            oldest_unpublished_at=None,
            open_exceptions=0,
        )
        self.open: list[ExceptionRecord] = []

    def status(self) -> EventLogStatus:
        return self.event_status

    def exceptions(
        self, owner: Any = None, kind: Any = None, status: ExceptionStatus | None = None
    ) -> Sequence[ExceptionRecord]:
        assert status is ExceptionStatus.OPEN
        return self.open


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def scrape(hub: FakeHub, metrics: HubMetrics, read_samples: Any) -> Any:
    app = FastAPI()
    app.state.hub = hub
    app.include_router(router)
    client = TestClient(app)

    def read() -> Any:
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        return read_samples(response.text)

    return read


@instrumented_step("posting", "post_to_erp")
def post_to_erp(outcome: StepOutcome) -> StepOutcome:
    return outcome


@instrumented_step("posting", "record_in_billing")
def record_in_billing(number: str) -> StepOutcome:
    raise RuntimeError(f"billing store locked while recording {number}")


@instrumented_step("activation")
def set_up_in_erp(seconds: float) -> list[str]:
    time.sleep(seconds)
    return ["C-1"]


def test_step_runs_failures_and_latency_move_when_flows_run_and_fail(scrape: Any) -> None:
    before = scrape()
    assert before("accord_flow_step_runs_total", flow="posting", step="post_to_erp") is None

    post_to_erp(StepOutcome.ok())
    post_to_erp(StepOutcome(False, "system_unavailable", "erp: 503", "erp"))
    with pytest.raises(RuntimeError, match="billing store locked"):
        record_in_billing("INV-1")
    set_up_in_erp(0.03)

    after = scrape()
    assert after("accord_flow_step_runs_total", flow="posting", step="post_to_erp") == 2
    assert (
        after(
            "accord_flow_step_failures_total",
            flow="posting",
            step="post_to_erp",
            kind="system_unavailable",
        )
        == 1
    )
    assert after("accord_flow_step_runs_total", flow="posting", step="record_in_billing") == 1
    assert (
        after(
            "accord_flow_step_failures_total",
            flow="posting",
            step="record_in_billing",
            kind="raised",
        )
        == 1
    )
    latency = {"flow": "activation", "step": "set_up_in_erp"}
    assert after("accord_flow_step_duration_seconds_count", **latency) == 1
    assert (after("accord_flow_step_duration_seconds_sum", **latency) or 0) >= 0.03
    assert after("accord_flow_step_duration_seconds_bucket", le="0.025", **latency) == 0
    assert after("accord_flow_step_duration_seconds_bucket", le="0.05", **latency) == 1
    assert after("accord_flow_step_failures_total", flow="activation", step="set_up_in_erp") is None


def test_connector_calls_throttles_errors_and_circuit_state_are_exported(scrape: Any) -> None:
    connector = f"erp-{uuid.uuid4().hex[:8]}"
    clock = FakeClock()
    server = FakeHttpServer().throttle(1, retry_after="1").respond(200)
    client = HttpClient(
        "https://erp.test",
        connector=connector,
        transport=server,
        clock=clock,
        sleep=FakeSleep(clock),
        retry=RetryPolicy(max_attempts=2),
        circuit_breaker=CircuitBreaker(failure_threshold=2, reset_after=60),
    )
    client.get("/customers")
    first = scrape()
    assert first("accord_connector_calls_total", connector=connector) == 2
    assert first("accord_connector_throttles_total", connector=connector) == 1
    assert first("accord_connector_retries_total", connector=connector) == 1
    assert first("accord_connector_errors_total", connector=connector) == 0
    assert first("accord_connector_circuit_state", connector=connector, state="closed") == 1

    server.unavailable(2)
    with pytest.raises(UnavailableError):
        client.post("/invoices", json={"number": "INV-1"})
    with pytest.raises(CircuitOpenError):
        client.post("/invoices", json={"number": "INV-1"})

    second = scrape()
    assert second("accord_connector_calls_total", connector=connector) == 4
    assert second("accord_connector_errors_total", connector=connector) == 2
    assert second("accord_connector_circuit_rejections_total", connector=connector) == 1
    assert second("accord_connector_circuit_state", connector=connector, state="open") == 1
    assert second("accord_connector_circuit_state", connector=connector, state="closed") == 0


def test_event_log_backlog_oldest_pending_age_and_outbox_lag(scrape: Any, hub: FakeHub) -> None:
    assert scrape()("accord_event_log_backlog") == 0
    assert scrape()("accord_outbox_lag_seconds") == 0
    hub.event_status = EventLogStatus(
        counts={EventStatus.PENDING: 3, EventStatus.APPLIED: 40, EventStatus.QUARANTINED: 1},
        oldest_pending_at=datetime.now(UTC) - timedelta(seconds=90),
        outbox_unpublished=2,
        oldest_unpublished_at=datetime.now(UTC) - timedelta(seconds=30),
        open_exceptions=0,
    )
    value = scrape()
    assert value("accord_event_log_backlog") == 3
    assert value("accord_event_log_events", status="applied") == 40
    assert value("accord_event_log_events", status="quarantined") == 1
    assert 90 <= (value("accord_event_log_oldest_pending_age_seconds") or 0) < 120
    assert value("accord_outbox_unpublished") == 2
    assert 30 <= (value("accord_outbox_lag_seconds") or 0) < 60


def _record(
    kind: ExceptionKind, owner: OwnerRole, sla_due: datetime, number: int
) -> ExceptionRecord:
    return ExceptionRecord(
        id=number,
        kind=kind,
        owner=owner,
        severity="high",
        subject=f"INV-{number}",
        status=ExceptionStatus.OPEN,
        message="ERP unavailable",
        details={},
        sla_due=sla_due,
        created_at=sla_due - timedelta(hours=4),
    )


def test_open_exceptions_and_sla_breaches_by_owner_and_kind(scrape: Any, hub: FakeHub) -> None:
    unavailable = {"owner": "integration", "kind": "system_unavailable"}
    assert scrape()("accord_exceptions_open", **unavailable) == 0
    now = datetime.now(UTC)
    hub.open = [
        _record(
            ExceptionKind.SYSTEM_UNAVAILABLE, OwnerRole.INTEGRATION, now - timedelta(hours=1), 1
        ),
        _record(
            ExceptionKind.SYSTEM_UNAVAILABLE, OwnerRole.INTEGRATION, now + timedelta(hours=3), 2
        ),
        _record(ExceptionKind.MISSING_TAX_RULE, OwnerRole.FINANCE, now + timedelta(days=1), 3),
    ]
    value = scrape()
    assert value("accord_exceptions_open", **unavailable) == 2
    assert value("accord_exceptions_sla_breached", **unavailable) == 1
    tax = {"owner": "finance", "kind": "missing_tax_rule"}
    assert value("accord_exceptions_open", **tax) == 1
    assert value("accord_exceptions_sla_breached", **tax) == 0


def _discrepancy(kind: DiscrepancyKind, amount: str | None, currency: str | None) -> Discrepancy:
    return Discrepancy(
        kind=kind,
        comparison="documents_hub_erp",
        systems=("hub", "erp"),
        key=f"INV-{uuid.uuid4().hex[:6]}",
        amount_at_risk=Decimal(amount) if amount is not None else None,
        currency=currency,
        age_days=3,
        owner=kind.owner,
    )


def test_reconciliation_discrepancies_and_amount_at_risk_follow_the_latest_run(
    scrape: Any, metrics: HubMetrics
) -> None:
    metrics.record_reconciliation(
        [
            _discrepancy(DiscrepancyKind.AMOUNT_MISMATCH, "100.50", "EUR"),
            _discrepancy(DiscrepancyKind.AMOUNT_MISMATCH, "20.00", "EUR"),
            _discrepancy(DiscrepancyKind.MISSING_IN_ERP, "1000", "USD"),
            _discrepancy(DiscrepancyKind.STATUS_MISMATCH, None, None),
        ],
        finished_at=NOW,
    )
    value = scrape()
    mismatch_owner = DiscrepancyKind.AMOUNT_MISMATCH.owner.value
    assert (
        value("accord_reconciliation_discrepancies", kind="amount_mismatch", owner=mismatch_owner)
        == 2
    )
    assert value("accord_reconciliation_amount_at_risk", currency="EUR") == 120.5
    assert value("accord_reconciliation_amount_at_risk", currency="USD") == 1000
    assert value("accord_reconciliation_last_run_timestamp_seconds") == NOW.timestamp()

    metrics.record_reconciliation([_discrepancy(DiscrepancyKind.MISSING_IN_ERP, "5", "USD")])
    value = scrape()
    assert value("accord_reconciliation_discrepancies", kind="amount_mismatch") is None
    assert value("accord_reconciliation_amount_at_risk", currency="EUR") is None
    assert value("accord_reconciliation_amount_at_risk", currency="USD") == 5
