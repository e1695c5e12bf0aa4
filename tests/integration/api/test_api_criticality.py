"""Each exception in the API names its flow's criticality class, and the queue filters
on it; the dashboard lists critical exceptions first."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld


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
