"""The exception queue filters `system_unavailable` exceptions by transient class."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.api.conftest import ApiWorld


def test_the_queue_lists_only_the_transient_class_asked_for(world: ApiWorld) -> None:
    with world.hub.unit_of_work() as uow:
        for subject, cls in (("post:INV-1", "throttling"), ("post:INV-2", "outage")):
            problem = BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, subject, "erp down")
            uow.exceptions.raise_(problem, {"transient_class": cls}, datetime.now(UTC))
        uow.commit()
    headers = world.as_role(Role.VIEWER)

    throttled = world.client.get("/api/v1/exceptions?transient_class=throttling", headers=headers)
    unknown = world.client.get("/api/v1/exceptions?transient_class=weather", headers=headers)

    assert [item["subject"] for item in throttled.json()["items"]] == ["post:INV-1"]
    assert throttled.json()["items"][0]["details"]["transient_class"] == "throttling"
    assert unknown.status_code == 422
