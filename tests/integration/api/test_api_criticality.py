"""Each exception in the API names its flow's criticality class, and the queue filters
on it; the dashboard lists critical exceptions first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.application.security import Role
from accord.domain.criticality import ClassPolicy, Criticality, CriticalityClass
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.web.pages import now_of
from tests.integration.api.conftest import ApiWorld, make_world


def test_the_queue_names_each_class_and_lists_critical_flows_first(world: ApiWorld) -> None:
    raised = [
        (ExceptionKind.RECONCILIATION_DISCREPANCY, "inv-1", {}),
        (ExceptionKind.SYSTEM_UNAVAILABLE, "erp", {"workflow_id": "post:INV-1"}),
    ]
    with world.hub.unit_of_work() as uow:
        for kind, subject, details in raised:
            problem = BusinessException(kind, subject, "stopped")
            uow.exceptions.raise_(problem, details, datetime.now(UTC))
        uow.commit()
    headers = world.as_role(Role.ADMIN)

    listed = world.client.get("/api/v1/exceptions", headers=headers).json()["items"]
    low = world.client.get("/api/v1/exceptions?criticality=low", headers=headers).json()
    unknown = world.client.get("/api/v1/exceptions?criticality=urgent", headers=headers)
    world.client.post(
        "/login", data={"token": world.tokens[Role.ADMIN]}, headers={"Origin": "http://testserver"}
    )
    page = world.client.get("/exceptions").text

    assert {item["subject"]: item["criticality"] for item in listed} == {
        "inv-1": "low",
        "erp": "critical",
    }
    assert [item["subject"] for item in low["items"]] == ["inv-1"]
    assert unknown.status_code == 422
    classes = re.findall(r'<td class="criticality (\w+)">', page)
    assert classes == ["critical", "low"]


@pytest.fixture
def hour_sla_world(tmp_path: Path) -> Iterator[ApiWorld]:
    """A hub whose critical flows' exceptions are due within the hour."""
    hour = Criticality(classes={CriticalityClass.CRITICAL: ClassPolicy(sla=timedelta(hours=1))})
    url = f"sqlite:///{tmp_path / 'accord.sqlite'}"
    built = make_world(tmp_path, url, criticality=hour)
    yield built
    built.client.close()
    built.hub.close()


def test_a_class_sla_brings_the_breach_forward_on_the_dashboard(
    hour_sla_world: ApiWorld,
) -> None:
    world = hour_sla_world
    two_hours_ago = now_of(world.ports) - timedelta(hours=2)  # on the dashboard's clock
    with world.hub.unit_of_work() as uow:
        for kind in (ExceptionKind.POSTING_REJECTED, ExceptionKind.RECONCILIATION_DISCREPANCY):
            problem = BusinessException(kind, "INV-1", "stopped")
            uow.exceptions.raise_(problem, {}, two_hours_ago)
        uow.commit()
    world.client.post(
        "/login", data={"token": world.tokens[Role.ADMIN]}, headers={"Origin": "http://testserver"}
    )

    overview = world.client.get("/").text

    breaches = re.search(r'data-metric="sla-breaches">(\d+)<', overview)
    assert breaches is not None and breaches.group(1) == "1"
    assert "posting_rejected" in overview.split("<h2>SLA breaches</h2>")[1]
