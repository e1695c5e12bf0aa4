"""`GET /metrics` of the real app over a hub on SQLite: the values move as events arrive
and are applied, exceptions are raised and breach their SLA, and flow steps run and fail."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.adapters.governance import build_sql_governance
from accord.application.exception_service import ExceptionService
from accord.application.governance import GovernanceSettings
from accord.application.steps.context import StepOutcome
from accord.bootstrap import Hub, build_hub
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.http_app import create_app
from accord.observability import instrumented_step
from accord.observability.metrics import HubMetrics
from accord.settings import Settings


@dataclass
class Scraper:
    client: TestClient
    read_samples: Callable[[str], Any]

    def __call__(self) -> Any:
        response = self.client.get("/metrics")
        assert response.status_code == 200, response.text
        return self.read_samples(response.text)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.sqlite'}"))
    yield built
    built.close()


@pytest.fixture
def scrape(hub: Hub, metrics: HubMetrics, read_samples: Any) -> Iterator[Scraper]:
    governance = build_sql_governance(hub.engine, GovernanceSettings())
    with TestClient(create_app(hub, governance)) as client:
        yield Scraper(client, read_samples)


def customer_event(event_id: str, key: str) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "crm",
            "type": "accord.customer.v1",
            "data": {"id": key, "name": f"Customer {key}", "country": "DE"},
        }
    )


def test_event_log_backlog_moves_as_events_arrive_and_are_applied(
    hub: Hub, scrape: Scraper
) -> None:
    assert scrape()("accord_event_log_backlog") == 0
    report = hub.ingest.ingest_batch([customer_event(f"e-{n}", f"K{n}") for n in range(3)])
    assert report.accepted == 3

    arrived = scrape()
    assert arrived("accord_event_log_backlog") == 3
    assert arrived("accord_event_log_events", status="pending") == 3
    assert (arrived("accord_event_log_oldest_pending_age_seconds") or -1) >= 0

    while hub.worker.run_once():
        pass
    applied = scrape()
    assert applied("accord_event_log_backlog") == 0
    assert applied("accord_event_log_events", status="applied") == 3
    assert applied("accord_event_log_oldest_pending_age_seconds") == 0


def test_open_exceptions_and_sla_breaches_come_from_the_queue(hub: Hub, scrape: Scraper) -> None:
    labels = {"owner": "integration", "kind": "system_unavailable"}
    assert scrape()("accord_exceptions_open", **labels) == 0
    yesterday = datetime.now(UTC) - timedelta(days=1)
    ExceptionService(hub.unit_of_work, lambda: yesterday).open(
        BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "INV-1", "ERP unavailable")
    )
    recent = ExceptionService(hub.unit_of_work, lambda: datetime.now(UTC))
    recent.open(BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "INV-2", "ERP unavailable"))
    recent.open(BusinessException(ExceptionKind.MISSING_TAX_RULE, "C-9", "no tax rule for FR"))

    raised = scrape()
    assert raised("accord_exceptions_open", **labels) == 2
    assert raised("accord_exceptions_sla_breached", **labels) == 1
    assert raised("accord_exceptions_open", owner="finance", kind="missing_tax_rule") == 1

    assert recent.close(ExceptionKind.SYSTEM_UNAVAILABLE, "INV-1", "ERP back")
    resolved = scrape()
    assert resolved("accord_exceptions_open", **labels) == 1
    assert resolved("accord_exceptions_sla_breached", **labels) == 0


def test_flow_step_runs_and_failures_reach_the_app_scrape(scrape: Scraper) -> None:
    erp_up = [False, True]

    @instrumented_step("posting", "post_to_erp")
    def post_to_erp(number: str) -> StepOutcome:
        if erp_up.pop(0):
            return StepOutcome.ok()
        return StepOutcome(False, "system_unavailable", f"erp: 503 posting {number}", "erp")

    step = {"flow": "posting", "step": "post_to_erp"}
    assert scrape()("accord_flow_step_runs_total", **step) is None
    post_to_erp("INV-1")
    failed = scrape()
    assert failed("accord_flow_step_runs_total", **step) == 1
    assert failed("accord_flow_step_failures_total", kind="system_unavailable", **step) == 1
    post_to_erp("INV-1")
    retried = scrape()
    assert retried("accord_flow_step_runs_total", **step) == 2
    assert retried("accord_flow_step_failures_total", kind="system_unavailable", **step) == 1
    assert retried("accord_flow_step_duration_seconds_count", **step) == 2


def test_metrics_need_no_credentials_and_stay_out_of_the_api_schema(scrape: Scraper) -> None:
    assert scrape.client.get("/metrics").status_code == 200
    assert "/metrics" not in scrape.client.get("/openapi.json").json()["paths"]
